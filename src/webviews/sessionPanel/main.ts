// The session panel's webview: renders PanelState and turns buttons and keys into the panel's
// notifications. Every string in the state is data from a topic and is rendered as text only
// (shared/view/dom.ts). The channel, the payload rendering and the DOM helpers are the shared ones.
import { allowedControls, type PanelAction, type PanelState } from '../../core/session/panelState';
import { describeRunUntil } from '../../core/session/runUntil';
import { button, dataText, h, setButtonLabel } from '../shared/view/dom';
import { createMessageSection } from '../shared/view/messageView';
import { bindShortcuts } from '../shared/view/shortcuts';
import { WebviewConnection } from '../shared/view/webviewApi';
import {
  CancelRunUntilNotification,
  DECIDE_TIMEOUT_MS,
  DecideRequest,
  PauseNotification,
  ResumeNotification,
  RunUntilNotification,
  SessionPanelWebview,
  SHORTCUTS,
} from './protocol';
import { createCommitViews } from './view/commitViews';
import { createHistoryList, viewAroundButton } from './view/historyList';
import { createRunUntilForm, type RunUntilDraft } from './view/runUntilForm';

interface SavedState {
  draft?: Partial<RunUntilDraft>;
}

const connection = new WebviewConnection<PanelState, SavedState>({
  descriptor: SessionPanelWebview,
  render: (state) => render(state),
});
const root = connection.root;
const saved = connection.saved;

// ---- static layout (built once; controls keep their focus across renders) ----

const DECISIONS: ReadonlyArray<{ action: PanelAction; label: string; title: string; className?: string }> = [
  {
    action: 'next',
    label: 'Next',
    title: 'Mark it done and go on; committed by the commit policy',
    className: 'primary',
  },
  { action: 'commit', label: 'Commit', title: 'Mark it done and commit now (synchronously)' },
  {
    action: 'skip',
    label: 'Skip',
    title: 'Go on without marking it done: it is not committed past and is redelivered after a restart',
  },
  { action: 'retry', label: 'Retry', title: 'Deliver it again (run the handler again, when there is one)' },
  {
    action: 'deadLetter',
    label: 'Dead-letter…',
    title: 'Send it to the dead-letter topic, with a reason',
    className: 'danger',
  },
];

let current: PanelState | undefined;
let pendingDecision: string | undefined;

const title = h('h1', { className: 'title' });
const badge = h('span', { className: 'state-badge', role: 'status' });
const decisionButtons = new Map<PanelAction, HTMLButtonElement>();
for (const d of DECISIONS) {
  decisionButtons.set(
    d.action,
    button(d.label, {
      className: d.className,
      title: d.title,
      shortcut: SHORTCUTS[d.action],
      onClick: () => decide(d.action),
    }),
  );
}
const pauseButton = button('Pause', {
  title: 'Pause or resume the session',
  shortcut: SHORTCUTS.pauseResume,
  onClick: () => pauseOrResume(),
});
const runUntilButton = button('Run until…', {
  title: 'Run on its own until a condition matches',
  shortcut: SHORTCUTS.runUntil,
  onClick: () => toggleRunUntil(),
});
const toolbar = h(
  'div',
  { className: 'toolbar', role: 'toolbar', attrs: { 'aria-label': 'Decisions' } },
  ...decisionButtons.values(),
  h('span', { className: 'separator', attrs: { 'aria-hidden': 'true' } }),
  pauseButton,
  runUntilButton,
);

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

const message = createMessageSection({ label: 'Current message' });
const empty = h('p', { className: 'empty muted' });
const history = createHistoryList(connection);
const commits = createCommitViews();
const strip = h('aside', { className: 'strip' }, history.section, commits.timeline, commits.lastCommits);

root.replaceChildren(
  h('header', { className: 'bar' }, title, badge),
  toolbar,
  notice,
  runUntilStatus,
  form.element,
  h('div', { className: 'content' }, h('div', { className: 'main-column' }, empty, message.element), strip),
);

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
    runUntilStatus.replaceChildren(
      'Running until ',
      dataText(describeRunUntil(state.runUntil.condition)),
      ` — ${state.runUntil.scanned.toLocaleString()} messages passed`,
    );
  }

  renderMessage(state);
  history.render(state.history, state.canReplay === true);
  commits.render(state);
}

function renderMessage(state: PanelState): void {
  const m = state.current;
  message.element.hidden = !m;
  empty.hidden = !!m;
  if (!m) {
    empty.textContent = `No message yet — the session is ${state.state}.`;
    message.reset();
    return;
  }
  message.show(m, [
    ['Attempts', String(m.attempts)],
    ['Member', dataText(m.memberId)],
    ['Around it', viewAroundButton(connection, m)],
  ]);
}

// ---- actions ----

function decide(action: PanelAction): void {
  const id = current?.current?.id;
  if (!current || !id || !allowedControls(current).decide || pendingDecision === id) return;
  pendingDecision = id; // one decision per message until the host answers with a new state
  for (const b of decisionButtons.values()) b.disabled = true;
  connection.request(DecideRequest, { messageId: id, action }, { timeoutMs: DECIDE_TIMEOUT_MS }).then(
    ({ outcome }) => outcome !== 'decided' && giveBack(id),
    () => giveBack(id), // the host showed the error; the message is still there to decide
  );
}

/** Nothing was decided (cancelled, refused, failed): the buttons come back for the same message. */
function giveBack(id: string): void {
  if (pendingDecision !== id || !current) return;
  pendingDecision = undefined;
  const decide = allowedControls(current).decide;
  for (const b of decisionButtons.values()) b.disabled = !decide;
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

bindShortcuts(shortcutButtons);

connection.start();
