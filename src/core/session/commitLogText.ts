/**
 * The words of the session panel's commit timeline: what one commit, transaction commit or abort
 * says. Plain data in, plain strings out (no DOM, no Node): the webview bundle imports this file,
 * and topic names stay separate so that the panel renders them as data.
 */
import type { AbortCause, CommitLogEntry, CommitReason, CommittedOffset } from './panelState';

/** Partitions listed per topic in one entry; the rest are counted. */
export const MAX_LISTED_PARTITIONS = 12;

export interface CommitLogText {
  /** `Transaction committed`, `Transaction aborted`, `Offsets committed`. */
  readonly title: string;
  /** Counts, how long the transaction was open, and what made it happen. */
  readonly summary: string;
  /** Per topic, the committed partitions and their next offsets: `[0] → 15, [1] → 7`. */
  readonly offsets: ReadonlyArray<{ readonly topic: string; readonly text: string }>;
  /** What it means for the messages (an abort: they are delivered again, and why). */
  readonly note?: string;
}

const REASONS: Readonly<Record<CommitReason, string>> = {
  policy: 'by the commit policy',
  commitNow: 'by Commit',
  revoke: 'before a revoke',
  close: 'as the session stopped',
};

const ABORTS: Readonly<Record<AbortCause, string>> = {
  'handler failure':
    'The handler failed: the messages since the last commit are delivered again, then the retry / dead-letter policy meets the failed one.',
  'partitions lost':
    'Partitions were lost: nothing of theirs is committed, and their next owner reads them again; the other partitions go back to their last commit.',
  'produce failed': 'An output could not be produced: the messages since the last commit are delivered again.',
  'commit failed': 'The transaction could not be committed: it was aborted, and its messages are delivered again.',
};

/** Own entries only: a value from the wire never reaches Object.prototype. */
const wordFor = <K extends string>(table: Readonly<Record<K, string>>, key: string): string | undefined =>
  Object.prototype.hasOwnProperty.call(table, key) ? table[key as K] : undefined;

const count = (n: number, one: string, many = `${one}s`): string =>
  `${Number(n).toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** `350 ms`, `1.2 s`, `2 min 5 s`. */
export function formatOpenFor(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The offsets grouped by topic (in first-seen order), partitions ascending, each list bounded. */
export function groupOffsets(offsets: readonly CommittedOffset[]): Array<{ topic: string; text: string }> {
  const byTopic = new Map<string, CommittedOffset[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic);
    if (list) list.push(o);
    else byTopic.set(o.topic, [o]);
  }
  return [...byTopic].map(([topic, list]) => {
    const sorted = [...list].sort((a, b) => a.partition - b.partition);
    const shown = sorted.slice(0, MAX_LISTED_PARTITIONS).map((o) => `[${o.partition}] → ${o.offset}`);
    const more = sorted.length - shown.length;
    return { topic, text: more > 0 ? `${shown.join(', ')} and ${count(more, 'more partition')}` : shown.join(', ') };
  });
}

export function describeCommitLogEntry(entry: CommitLogEntry): CommitLogText {
  switch (entry.kind) {
    case 'transactionCommit':
      return {
        title: 'Transaction committed',
        summary: `${count(entry.messages, 'message')}, ${count(entry.outputs, 'output')} · open ${formatOpenFor(entry.openForMs)} · ${wordFor(REASONS, entry.reason) ?? String(entry.reason)}`,
        offsets: groupOffsets(entry.offsets),
      };
    case 'transactionAbort':
      return {
        title: 'Transaction aborted',
        summary: `${entry.cause ?? 'aborted'} · ${count(entry.messages, 'message')}, ${count(entry.outputs, 'output')} taken back · open ${formatOpenFor(entry.openForMs)}`,
        offsets: [],
        note:
          (entry.cause !== undefined && wordFor(ABORTS, entry.cause)) ||
          'The messages since the last commit are delivered again.',
      };
    case 'offsetCommit':
      return {
        title: 'Offsets committed',
        summary: `${count(entry.offsets.length, 'partition')} · ${wordFor(REASONS, entry.reason) ?? String(entry.reason)}`,
        offsets: groupOffsets(entry.offsets),
      };
  }
}
