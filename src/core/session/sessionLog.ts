import type { CommitEvent, DeadLetteredEvent, DecisionEvent, RebalanceEvent, TransactionEvent } from '../engine/types';
import type { CommitLogEntry, CommitView, HistoryEntry } from './panelState';

export interface TimelineEntry extends RebalanceEvent {
  readonly seq: number;
}

const HISTORY_KEEP = 200;
const TIMELINE_KEEP = 200;
const COMMIT_LOG_KEEP = 200;
/** Longest a member's revoke without a following assign is shown as "rebalancing". */
export const REBALANCE_SETTLE_MS = 10_000;

/**
 * What a session did, as the views show it: the history of decisions (the developer's and the
 * handler's), the last commit per partition and the rebalance timeline, each bounded.
 */
export class SessionLog {
  private readonly historyList: HistoryEntry[] = [];
  private readonly commits = new Map<string, CommitView>();
  private readonly timelineList: TimelineEntry[] = [];
  private timelineSeq = 0;
  private readonly commitLogList: CommitLogEntry[] = [];
  private commitLogSeq = 0;

  get history(): readonly HistoryEntry[] {
    return this.historyList;
  }

  get timeline(): readonly TimelineEntry[] {
    return this.timelineList;
  }

  /** Commits, transaction commits and aborts, oldest first (bounded). */
  get commitLog(): readonly CommitLogEntry[] {
    return this.commitLogList;
  }

  /** The last commit of each partition, by topic and partition. */
  lastCommits(): CommitView[] {
    return [...this.commits.values()].sort((a, b) =>
      a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
    );
  }

  record(entry: HistoryEntry): void {
    this.historyList.push(entry);
    if (this.historyList.length > HISTORY_KEEP) this.historyList.splice(0, this.historyList.length - HISTORY_KEEP);
  }

  /** A decision in the engine's words, in the panel's (ack is Next, commitNow is Commit). Dead letters are recorded once written. */
  decided(event: DecisionEvent): boolean {
    if (event.decision === 'deadLetter') return false;
    const decision = event.decision === 'ack' ? 'next' : event.decision === 'commitNow' ? 'commit' : event.decision;
    this.record({
      topic: event.message.topic,
      partition: event.message.partition,
      offset: event.message.offset,
      decision,
      ...(event.detail ? { detail: event.detail } : {}),
      at: event.at,
    });
    return true;
  }

  deadLettered(event: DeadLetteredEvent): void {
    this.record({
      topic: event.message.topic,
      partition: event.message.partition,
      offset: event.message.offset,
      decision: 'deadLetter',
      detail: `→ ${event.dlqTopic}: ${event.envelope.error_message}`,
      at: event.at,
    });
  }

  /**
   * A successful commit. `logged`: it is an entry of the commit log (at-least-once); an exactly-once
   * session's offsets commit inside its transactions, which are the entries there.
   */
  committed(event: CommitEvent, logged = true): void {
    if (logged && event.offsets.length > 0)
      this.logCommit({
        kind: 'offsetCommit',
        seq: ++this.commitLogSeq,
        memberId: event.memberId,
        reason: event.reason,
        offsets: event.offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
        at: event.at,
      });
    for (const o of event.offsets)
      this.commits.set(`${o.topic}\u0000${o.partition}`, {
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        at: event.at,
      });
  }

  /** An exactly-once transaction committed or aborted. */
  transaction(event: TransactionEvent): void {
    const common = {
      seq: ++this.commitLogSeq,
      memberId: event.memberId,
      transactionalId: event.transactionalId,
      messages: event.messages,
      outputs: event.outputs,
      openForMs: event.openForMs,
      at: event.at,
    };
    if (event.kind === 'commit')
      this.logCommit({
        kind: 'transactionCommit',
        ...common,
        reason: event.reason === 'abort' ? 'policy' : event.reason,
        offsets: (event.offsets ?? []).map(({ topic, partition, offset }) => ({ topic, partition, offset })),
      });
    else this.logCommit({ kind: 'transactionAbort', ...common, cause: event.detail });
  }

  private logCommit(entry: CommitLogEntry): void {
    this.commitLogList.push(entry);
    if (this.commitLogList.length > COMMIT_LOG_KEEP)
      this.commitLogList.splice(0, this.commitLogList.length - COMMIT_LOG_KEEP);
  }

  rebalanced(event: RebalanceEvent): void {
    this.timelineList.push({ ...event, seq: ++this.timelineSeq });
    if (this.timelineList.length > TIMELINE_KEEP) this.timelineList.splice(0, this.timelineList.length - TIMELINE_KEEP);
  }

  /**
   * Whether a member's last event took partitions away (revoke, lost) and nothing was assigned to
   * it since, within the settle time (a cooperative revoke may be the last word).
   */
  unsettled(now: number): boolean {
    const last = new Map<string, TimelineEntry>();
    for (const e of this.timelineList) last.set(e.memberId, e);
    return [...last.values()].some((e) => e.kind !== 'assign' && now - e.at < REBALANCE_SETTLE_MS);
  }
}
