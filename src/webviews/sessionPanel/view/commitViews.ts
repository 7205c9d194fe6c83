// The session panel's commits: the timeline of each commit, transaction commit and abort (newest
// first; an exactly-once session's are transactions), and the last commit per partition. Browser
// code: topic names are data, rendered as text only.
import { describeCommitLogEntry } from '../../../core/session/commitLogText';
import type { CommitLogEntry, PanelState } from '../../../core/session/panelState';
import { clear, dataText, h } from '../../shared/view/dom';
import { formatClock } from '../../shared/view/format';

export interface CommitViews {
  /** The timeline of commits and transactions. */
  readonly timeline: HTMLElement;
  /** The last commit per partition. */
  readonly lastCommits: HTMLElement;
  render(state: PanelState): void;
}

const COMMIT_LOG_CLASSES: Record<CommitLogEntry['kind'], string> = {
  offsetCommit: 'commit-entry offset-commit',
  transactionCommit: 'commit-entry txn-commit',
  transactionAbort: 'commit-entry txn-abort',
};

export function createCommitViews(): CommitViews {
  const commits = h('ul', {
    className: 'commits',
    attrs: { 'aria-label': 'Last commit per partition: the next offset the group reads' },
  });
  const commitLog = h('ol', {
    className: 'commit-log',
    attrs: { 'aria-label': 'Commits and transactions, newest first' },
  });
  const commitLogHeading = h('h2', {}, 'Commits');
  const timeline = h('section', { className: 'commit-timeline' }, commitLogHeading, commitLog);
  const lastCommits = h('section', {}, h('h2', {}, 'Last commits'), commits);

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

  return {
    timeline,
    lastCommits,
    render: (state) => {
      renderCommits(state);
      renderCommitLog(state);
    },
  };
}
