/**
 * What the session panel shows: the state of one consumer session as plain JSON data. The session
 * controller (core) builds it; the panel's protocol (src/webviews/sessionPanel/protocol.ts) carries it
 * to the webview. No vscode, no DOM, no Node: the webview bundle imports this file.
 */
import type { MessageView } from './messageView';
import type { RunUntilCondition } from './runUntil';

/** What the developer can decide for the current message, from a button or a key. */
export type PanelAction = 'next' | 'commit' | 'skip' | 'retry' | 'deadLetter';
export const PANEL_ACTIONS: readonly PanelAction[] = ['next', 'commit', 'skip', 'retry', 'deadLetter'];

/** A decision as the history shows it: the developer's, or the handler's in running mode. */
export type HistoryDecision = PanelAction | 'handled' | 'failed';

export interface HistoryEntry {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly decision: HistoryDecision;
  /** e.g. the dead-letter reason or the handler's error. */
  readonly detail?: string;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** The last offset committed for one partition (the next offset the group will read). */
export interface CommitView {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly at: number;
}

/** One partition's committed position in a commit log entry: the next offset the group reads. */
export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Why an exactly-once transaction was aborted (the engine's TransactionAbortCause). */
export type AbortCause = 'handler failure' | 'partitions lost' | 'produce failed' | 'commit failed';

/** What made a commit happen: the commit policy, the Commit decision, a revoke, or the session stopping. */
export type CommitReason = 'policy' | 'commitNow' | 'revoke' | 'close';

/** A commit or an abort, as the panel's commit timeline shows it; `seq` orders them (and keys them). */
export type CommitLogEntry =
  /** At-least-once: the group's offsets were committed (no transaction). */
  | {
      readonly kind: 'offsetCommit';
      readonly seq: number;
      readonly memberId: string;
      readonly reason: CommitReason;
      readonly offsets: readonly CommittedOffset[];
      readonly at: number;
    }
  /** Exactly-once: outputs and input offsets committed in one transaction. */
  | {
      readonly kind: 'transactionCommit';
      readonly seq: number;
      readonly memberId: string;
      readonly transactionalId: string;
      readonly reason: CommitReason;
      readonly messages: number;
      readonly outputs: number;
      readonly openForMs: number;
      readonly offsets: readonly CommittedOffset[];
      readonly at: number;
    }
  /** Exactly-once: the open transaction was aborted; what it held is delivered again. */
  | {
      readonly kind: 'transactionAbort';
      readonly seq: number;
      readonly memberId: string;
      readonly transactionalId: string;
      readonly cause: AbortCause | undefined;
      readonly messages: number;
      readonly outputs: number;
      readonly openForMs: number;
      readonly at: number;
    };

export type PanelSessionState =
  'starting' | 'stepping' | 'running' | 'paused' | 'rebalancing' | 'stopping' | 'stopped' | 'error';

export interface PanelNotice {
  readonly level: 'info' | 'warning' | 'error';
  readonly text: string;
}

export interface PanelState {
  readonly sessionId: string;
  readonly title: string;
  readonly state: PanelSessionState;
  /** The message waiting for a decision (stepping), or the last one seen. */
  readonly current?: MessageView;
  /** Most recent last; the host keeps at most HISTORY_LIMIT. */
  readonly history: readonly HistoryEntry[];
  /** One per partition. */
  readonly lastCommits: readonly CommitView[];
  /** Set while a run-until is in progress: what it waits for and how many messages it passed. */
  readonly runUntil?: { readonly condition: RunUntilCondition; readonly scanned: number };
  readonly notice?: PanelNotice;
  /** The session runs the developer's own handler: a history entry can be replayed into it. */
  readonly canReplay?: boolean;
  /** The delivery guarantee (absent: at-least-once). */
  readonly delivery?: 'at-least-once' | 'exactly-once';
  /** Commits, transaction commits and aborts, most recent last; the host keeps at most COMMIT_LOG_LIMIT. */
  readonly commitLog?: readonly CommitLogEntry[];
}

/** How many history entries cross to the webview. */
export const HISTORY_LIMIT = 50;
/** How many commit log entries cross to the webview. */
export const COMMIT_LOG_LIMIT = 50;

/** Which controls make sense in a state: decisions need a message waiting in stepping mode. */
export function allowedControls(state: PanelState): {
  decide: boolean;
  pause: boolean;
  resume: boolean;
  runUntil: boolean;
  cancelRunUntil: boolean;
} {
  const live =
    state.state !== 'stopping' && state.state !== 'stopped' && state.state !== 'error' && state.state !== 'starting';
  const running = state.runUntil !== undefined;
  return {
    // `current` is set only while a message waits for a decision; a rebalance in progress (of a
    // stepping session) does not take it away.
    decide: (state.state === 'stepping' || state.state === 'rebalancing') && state.current !== undefined && !running,
    pause: live && state.state !== 'paused',
    resume: state.state === 'paused',
    runUntil: live && !running,
    cancelRunUntil: running,
  };
}
