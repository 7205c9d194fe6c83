import type { CommitEvent, DeadLetteredEvent, DecisionEvent, RebalanceEvent } from '../engine/types';
import type { CommitView, HistoryEntry } from './panelState';

export interface TimelineEntry extends RebalanceEvent {
  readonly seq: number;
}

const HISTORY_KEEP = 200;
const TIMELINE_KEEP = 200;
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

  get history(): readonly HistoryEntry[] {
    return this.historyList;
  }

  get timeline(): readonly TimelineEntry[] {
    return this.timelineList;
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

  committed(event: CommitEvent): void {
    for (const o of event.offsets)
      this.commits.set(`${o.topic}\u0000${o.partition}`, {
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        at: event.at,
      });
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
