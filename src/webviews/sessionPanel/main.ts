// The session panel's webview: renders PanelState and turns buttons and keys into the panel's
// notifications. Every string in the state is data from a topic and is rendered as text only
// (shared/view/dom.ts). The channel, the payload rendering and the DOM helpers are the shared ones.
import type { MessageView } from '../../core/session/messageView';
import { allowedControls, type HistoryEntry, type PanelAction, type PanelState } from '../../core/session/panelState';
import { describeRunUntil } from '../../core/session/runUntil';
import { button, clear, dataText, h, setButtonLabel } from '../shared/view/dom';
import type { Expansion } from '../shared/view/jsonTree';
import { formatBytes, headersTable, payloadBody, payloadFormat } from '../shared/view/payload';
import { WebviewConnection } from '../shared/view/webviewApi';
import { CancelRunUntilNotification, DecideNotification, isPanelState, PANEL_ROOT_ID, PauseNotification, ResumeNotification, RunUntilNotification, SHORTCUTS } from './protocol';
import { createRunUntilForm, type RunUntilDraft } from './view/runUntilForm';

interface SavedState {
  draft?: Partial<RunUntilDraft>;
}

const root = document.getElementById(PANEL_ROOT_ID)!;
const connection = new WebviewConnection<PanelState, SavedState>({ root, validateState: isPanelState, render: (state) => render(state) });
const saved = connection.saved;

// ---- static layout (built once; controls keep their focus across renders) ----

const DECISIONS: ReadonlyArray<{ action: PanelAction; label: string; title: string; className?: string }> = [
  { action: 'next', label: 'Next', title: 'Mark it done and go on; committed by the commit policy', className: 'primary' },
  { action: 'commit', label: 'Commit', title: 'Mark it done and commit now (synchronously)' },
  { action: 'skip', label: 'Skip', title: 'Go on without marking it done: it is not committed past and is redelivered after a restart' },
  { action: 'retry', label: 'Retry', title: 'Deliver it again (run the handler again, when there is one)' },
  { action: 'deadLetter', label: 'Dead-letter…', title: 'Send it to the dead-letter topic, with a reason', className: 'danger' },
];

const DECISION_LABELS: Record<HistoryEntry['decision'], string> = { next: 'done', commit: 'committed', skip: 'skipped', retry: 'retried', deadLetter: 'dead-lettered', handled: 'handled', failed: 'failed' };

let current: PanelState | undefined;
let pendingDecision: string | undefined;

const title = h('h1', { className: 'title' });
const badge = h('span', { className: 'state-badge', role: 'status' });
const decisionButtons = new Map<PanelAction, HTMLButtonElement>();
for (const d of DECISIONS) {
  decisionButtons.set(d.action, button(d.label, { className: d.className, title: d.title, shortcut: SHORTCUTS[d.action], onClick: () => decide(d.action) }));
}
const pauseButton = button('Pause', { title: 'Pause or resume the session', shortcut: SHORTCUTS.pauseResume, onClick: () => pauseOrResume() });
const runUntilButton = button('Run until…', { title: 'Run on its own until a condition matches', shortcut: SHORTCUTS.runUntil, onClick: () => toggleRunUntil() });
const toolbar = h('div', { className: 'toolbar', role: 'toolbar', attrs: { 'aria-label': 'Decisions' } }, ...decisionButtons.values(), h('span', { className: 'separator', attrs: { 'aria-hidden': 'true' } }), pauseButton, runUntilButton);

const notice = h('p', { className: 'notice', role: 'status', attrs: { 'aria-live': 'polite' } });
const runUntilStatus = h('p', { className: 'run-until-status', hidden: true, attrs: { 'aria-live': 'polite' } });
const form = createRunUntilForm({
  ...(typeof saved.draft === 'object' && saved.draft !== null ? { initial: saved.draft } : {}),
  onStart: (condition) => {
    connection.notify(RunUntilNotification, { condition });
    form.close();
    runUntilButton.focus();
  },
  onDraft: (draft) => connection.save({ ...saved, draft }),
  onClose: () => {
    form.close();
    runUntilButton.focus();
  },
});

const meta = h('dl', { className: 'meta' });
const keySection = payloadSection('Key');
const valueSection = payloadSection('Value');
const headersBody = h('div');
const headersHeading = h('h2', {}, 'Headers');
const message = h(
  'section',
  { className: 'message', attrs: { 'aria-label': 'Current message' } },
  meta,
  keySection.element,
  valueSection.element,
  h('section', { className: 'headers' }, headersHeading, headersBody),
);
const empty = h('p', { className: 'empty muted' });
const history = h('ol', { className: 'history', attrs: { 'aria-label': 'Recent decisions, newest first' } });
const commits = h('ul', { className: 'commits', attrs: { 'aria-label': 'Last commit per partition: the next offset the group reads' } });
const strip = h('aside', { className: 'strip' }, h('section', {}, h('h2', {}, 'Recent decisions'), history), h('section', {}, h('h2', {}, 'Last commits'), commits));

root.replaceChildren(
  h('header', { className: 'bar' }, title, badge),
  toolbar,
  notice,
  runUntilStatus,
  form.element,
  h('div', { className: 'content' }, h('div', { className: 'main-column' }, empty, message), strip),
);

const keyExpansion: Expansion = new Map();
const valueExpansion: Expansion = new Map();
let renderedMessage: string | undefined;

// ---- rendering ----

function render(state: PanelState): void {
  current = state;
  pendingDecision = undefined;
  const allowed = allowedControls(state);
  title.replaceChildren(dataText(state.title));
  badge.textContent = state.runUntil ? 'running until…' : state.state;
  badge.className = `state-badge state-${state.state}`;

  for (const b of decisionButtons.values()) b.disabled = !allowed.decide;
  const resume = allowed.resume;
  setButtonLabel(pauseButton, resume ? 'Resume' : 'Pause', SHORTCUTS.pauseResume);
  pauseButton.disabled = !(allowed.pause || allowed.resume);
  setButtonLabel(runUntilButton, allowed.cancelRunUntil ? 'Stop run-until' : 'Run until…', SHORTCUTS.runUntil);
  runUntilButton.disabled = !(allowed.runUntil || allowed.cancelRunUntil || form.isOpen);
  if (allowed.cancelRunUntil && form.isOpen) form.close();

  notice.className = `notice${state.notice ? ` notice-${state.notice.level}` : ''}`;
  notice.replaceChildren(state.notice ? dataText(state.notice.text) : '');

  runUntilStatus.hidden = !state.runUntil;
  if (state.runUntil) {
    runUntilStatus.replaceChildren('Running until ', dataText(describeRunUntil(state.runUntil.condition)), ` — ${state.runUntil.scanned.toLocaleString()} messages passed`);
  }

  renderMessage(state);
  renderHistory(state.history);
  renderCommits(state);
}

function renderMessage(state: PanelState): void {
  const m = state.current;
  message.hidden = !m;
  empty.hidden = !!m;
  if (!m) {
    empty.textContent = `No message yet — the session is ${state.state}.`;
    renderedMessage = undefined;
    return;
  }
  renderMeta(m);
  if (renderedMessage === m.id) return; // the same message: keep the trees as the developer left them
  renderedMessage = m.id;
  keySection.show(m.key, 'key', keyExpansion);
  valueSection.show(m.value, 'value', valueExpansion);
  headersHeading.textContent = `Headers (${m.headers.length})`;
  headersBody.replaceChildren(headersTable(m.headers));
}

function renderMeta(m: MessageView): void {
  const rows: Array<[string, Node | string]> = [
    ['Topic', dataText(m.topic)],
    ['Partition', String(m.partition)],
    ['Offset', String(m.offset)],
    ['Timestamp', m.timestamp === null ? 'none' : `${formatTimestamp(m.timestamp)} (${m.timestampType})`],
    ['Size', formatBytes(m.size)],
    ['Attempts', String(m.attempts)],
  ];
  if (m.schema) {
    const s = m.schema;
    const parts: Array<Node | string> = [`id ${s.id}`];
    if (s.subject !== undefined) parts.push(' · subject ', dataText(s.subject));
    if (s.version !== undefined) parts.push(` · version ${s.version}`);
    parts.push(` · ${s.format}`);
    rows.push(['Schema', h('span', {}, ...parts)]);
  }
  rows.push(['Member', dataText(m.memberId)]);
  clear(meta);
  for (const [label, value] of rows) meta.append(h('div', { className: 'meta-item' }, h('dt', {}, label), h('dd', {}, value)));
}

function payloadSection(label: string) {
  const format = h('span', { className: 'format' });
  const body = h('div', { className: 'payload-body' });
  const element = h('section', { className: `payload payload-${label.toLowerCase()}` }, h('h2', {}, label, ' ', format), body);
  return {
    element,
    show(payload: MessageView['key'], role: 'key' | 'value', expansion: Expansion) {
      format.textContent = payloadFormat(payload);
      body.replaceChildren(payloadBody(payload, role, expansion));
    },
  };
}

function renderHistory(entries: readonly HistoryEntry[]): void {
  clear(history);
  if (entries.length === 0) {
    history.append(h('li', { className: 'muted' }, 'Nothing decided yet.'));
    return;
  }
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    history.append(
      h(
        'li',
        { className: `decision-${e.decision}` },
        h('span', { className: 'time' }, formatTime(e.at)),
        h('span', { className: 'where' }, `[${e.partition}] @ ${e.offset}`),
        h('span', { className: 'decision' }, DECISION_LABELS[e.decision] ?? String(e.decision)),
        dataText(e.topic, 'data topic'),
        e.detail !== undefined ? dataText(e.detail, 'data detail') : null,
      ),
    );
  }
}

function renderCommits(state: PanelState): void {
  clear(commits);
  if (state.lastCommits.length === 0) {
    commits.append(h('li', { className: 'muted' }, 'No commits yet.'));
    return;
  }
  for (const c of state.lastCommits) {
    commits.append(h('li', {}, h('span', { className: 'where' }, `[${c.partition}] next offset ${c.offset}`), h('span', { className: 'time' }, formatTime(c.at)), dataText(c.topic, 'data topic')));
  }
}

function formatTimestamp(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

function formatTime(ms: number): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

// ---- actions ----

function decide(action: PanelAction): void {
  const id = current?.current?.id;
  if (!current || !id || !allowedControls(current).decide || pendingDecision === id) return;
  pendingDecision = id; // one decision per message until the host answers with a new state
  for (const b of decisionButtons.values()) b.disabled = true;
  connection.notify(DecideNotification, { messageId: id, action });
}

function pauseOrResume(): void {
  if (!current) return;
  const allowed = allowedControls(current);
  if (allowed.resume) connection.notify(ResumeNotification);
  else if (allowed.pause) connection.notify(PauseNotification);
}

function toggleRunUntil(): void {
  if (current && allowedControls(current).cancelRunUntil) {
    connection.notify(CancelRunUntilNotification);
  } else if (form.isOpen) {
    form.close();
  } else if (current && allowedControls(current).runUntil) {
    form.open(current.current);
    runUntilButton.disabled = false;
  }
}

// ---- keyboard: single keys, except while typing in a field ----

const shortcutButtons = new Map<string, HTMLButtonElement>([
  ...DECISIONS.map((d) => [SHORTCUTS[d.action], decisionButtons.get(d.action)!] as [string, HTMLButtonElement]),
  [SHORTCUTS.pauseResume, pauseButton],
  [SHORTCUTS.runUntil, runUntilButton],
]);

document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || (target instanceof HTMLElement && target.isContentEditable)) return;
  const found = shortcutButtons.get(event.key.toLowerCase());
  if (!found) return;
  event.preventDefault();
  if (!found.disabled) found.click();
});

connection.start();
