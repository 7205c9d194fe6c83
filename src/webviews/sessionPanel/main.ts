// The session panel's webview: renders PanelState and turns buttons and keys into the panel's
// notifications. Every string in the state is data from a topic and is rendered as text only
// (shared/view/dom.ts). The channel, the payload rendering and the DOM helpers are the shared ones.
import { describeCommitLogEntry } from '../../core/session/commitLogText';
import {
  allowedControls,
  type CommitLogEntry,
  type HistoryEntry,
  type PanelAction,
  type PanelState,
} from '../../core/session/panelState';
import { describeRunUntil } from '../../core/session/runUntil';
import { button, clear, dataText, h, setButtonLabel } from '../shared/view/dom';
import { formatClock } from '../shared/view/format';
import { createMessageSection } from '../shared/view/messageView';
import { bindShortcuts } from '../shared/view/shortcuts';
import { WebviewConnection } from '../shared/view/webviewApi';
import {
  CancelRunUntilNotification,
  DECIDE_TIMEOUT_MS,
  DecideRequest,
  PauseNotification,
  REDRIVE_TIMEOUT_MS,
  RedriveRequest,
  ReplayNotification,
  ResumeNotification,
  RunUntilNotification,
  SessionPanelWebview,
  SHORTCUTS,
  ViewAroundNotification,
} from './protocol';
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

const DECISION_LABELS: Record<HistoryEntry['decision'], string> = {
  next: 'done',
  commit: 'committed',
  skip: 'skipped',
  retry: 'retried',
  deadLetter: 'dead-lettered',
  handled: 'handled',
  failed: 'failed',
};

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
const history = h('ol', { className: 'history', attrs: { 'aria-label': 'Recent decisions, newest first' } });
const commits = h('ul', {
  className: 'commits',
  attrs: { 'aria-label': 'Last commit per partition: the next offset the group reads' },
});
const commitLog = h('ol', {
  className: 'commit-log',
  attrs: { 'aria-label': 'Commits and transactions, newest first' },
});
const commitLogHeading = h('h2', {}, 'Commits');
const strip = h(
  'aside',
  { className: 'strip' },
  h('section', {}, h('h2', {}, 'Recent decisions'), history),
  h('section', { className: 'commit-timeline' }, commitLogHeading, commitLog),
  h('section', {}, h('h2', {}, 'Last commits'), commits),
);

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
  renderHistory(state.history, state.canReplay === true);
  renderCommits(state);
  renderCommitLog(state);
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
    ['Around it', viewAroundButton(m)],
  ]);
}

function renderHistory(entries: readonly HistoryEntry[], canReplay: boolean): void {
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
        h('span', { className: 'time' }, formatClock(e.at)),
        h('span', { className: 'where' }, `[${e.partition}] @ ${e.offset}`),
        h('span', { className: 'decision' }, DECISION_LABELS[e.decision] ?? String(e.decision)),
        dataText(e.topic, 'data topic'),
        e.detail !== undefined ? dataText(e.detail, 'data detail') : null,
        canReplay ? replayButton(e) : null,
        viewAroundButton(e),
        e.decision === 'deadLetter' ? redriveControl(e) : null,
      ),
    );
  }
}

/** What each re-drive from this panel came to, by position: kept across renders of the history. */
const redrives = new Map<string, { readonly outcome: string; readonly text: string }>();
const positionOf = (e: { topic: string; partition: number; offset: number }): string =>
  `${e.partition}\u0000${e.offset}\u0000${e.topic}`;

/** Sends a dead-lettered message back to its source topic; the answer is shown beside the entry. */
function redriveControl(e: HistoryEntry): HTMLElement {
  const key = positionOf(e);
  const known = redrives.get(key);
  const status = h('span', {
    className: 'redrive-status',
    role: 'status',
    attrs: { 'data-outcome': known?.outcome ?? '' },
  });
  if (known) status.appendChild(dataText(known.text));
  const control = h(
    'button',
    {
      className: 'redrive',
      attrs: {
        type: 'button',
        title: `Re-drive: send this message back to ${e.topic} from the dead-letter topic, with kafka-lab.redriven-from and -at headers`,
        'data-partition': String(e.partition),
        'data-offset': String(e.offset),
      },
    },
    known?.outcome === 'running' ? 'Re-driving…' : 'Re-drive',
  );
  control.disabled = known?.outcome === 'running';
  control.addEventListener('click', () => void redrive(e));
  return h('span', { className: 'redrive-control' }, control, status);
}

async function redrive(e: HistoryEntry): Promise<void> {
  const key = positionOf(e);
  if (redrives.get(key)?.outcome === 'running') return;
  const show = (outcome: string, text: string): void => {
    redrives.set(key, { outcome, text });
    if (current) renderHistory(current.history, current.canReplay === true);
  };
  show('running', 'Re-driving…');
  try {
    const result = await connection.request(
      RedriveRequest,
      { topic: e.topic, partition: e.partition, offset: e.offset },
      { timeoutMs: REDRIVE_TIMEOUT_MS },
    );
    show(result.outcome, result.text);
  } catch (error) {
    show('error', `Not re-driven: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Runs the handler on this record again; the host reports the outcome, and nothing is committed. */
function replayButton(e: HistoryEntry): HTMLElement {
  const button = h(
    'button',
    {
      className: 'replay',
      attrs: {
        type: 'button',
        title: 'Replay into Handler: run your handler on this message again (nothing is committed)',
      },
    },
    'Replay',
  );
  button.addEventListener('click', () =>
    connection.notify(ReplayNotification, { topic: e.topic, partition: e.partition, offset: e.offset }),
  );
  return button;
}

/** Opens the message viewer on this record's partition, a little before its offset (never joins the group). */
function viewAroundButton(e: { topic: string; partition: number; offset: number }): HTMLElement {
  const button = h(
    'button',
    {
      className: 'link-button view-around',
      attrs: {
        type: 'button',
        title: 'View around this offset: open the message viewer on this partition, a little before it',
      },
    },
    'View around this offset',
  );
  button.addEventListener('click', () =>
    connection.notify(ViewAroundNotification, { topic: e.topic, partition: e.partition, offset: e.offset }),
  );
  return button;
}

function renderCommits(state: PanelState): void {
  clear(commits);
  if (state.lastCommits.length === 0) {
    commits.append(h('li', { className: 'muted' }, 'No commits yet.'));
    return;
  }
  for (const c of state.lastCommits) {
    commits.append(
      h(
        'li',
        {},
        h('span', { className: 'where' }, `[${c.partition}] next offset ${c.offset}`),
        h('span', { className: 'time' }, formatClock(c.at)),
        dataText(c.topic, 'data topic'),
      ),
    );
  }
}

const COMMIT_LOG_CLASSES: Record<CommitLogEntry['kind'], string> = {
  offsetCommit: 'commit-entry offset-commit',
  transactionCommit: 'commit-entry txn-commit',
  transactionAbort: 'commit-entry txn-abort',
};

/** Each commit, transaction commit and abort, newest first; an exactly-once session's are transactions. */
function renderCommitLog(state: PanelState): void {
  const exactlyOnce = state.delivery === 'exactly-once';
  commitLogHeading.textContent = exactlyOnce ? 'Transactions (exactly-once)' : 'Commits';
  clear(commitLog);
  const entries: readonly CommitLogEntry[] = Array.isArray(state.commitLog) ? state.commitLog : [];
  if (entries.length === 0) {
    commitLog.append(
      h('li', { className: 'muted' }, exactlyOnce ? 'No transaction committed or aborted yet.' : 'No commits yet.'),
    );
    return;
  }
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    const text = describeCommitLogEntry(e);
    commitLog.append(
      h(
        'li',
        {
          className: COMMIT_LOG_CLASSES[e.kind] ?? 'commit-entry',
          attrs: { 'data-kind': String(e.kind), 'data-seq': String(e.seq) },
        },
        h('span', { className: 'time' }, formatClock(e.at)),
        h('span', { className: 'commit-title' }, text.title),
        h('span', { className: 'commit-summary' }, text.summary),
        ...text.offsets.map((o) =>
          h('span', { className: 'commit-offsets' }, dataText(o.topic, 'data topic-name'), ' ', o.text),
        ),
        text.note ? h('span', { className: 'commit-note' }, text.note) : null,
        'transactionalId' in e ? h('span', { className: 'commit-txn-id' }, dataText(e.transactionalId)) : null,
      ),
    );
  }
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
