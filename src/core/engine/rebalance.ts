import type { Commits } from './commits';
import type { ConsumerPort, RebalanceProtocol } from './consumerPort';
import type { PartitionQueues, PartitionState } from './partitionQueues';
import type { ConsumedMessage, GroupProtocol, MemberSnapshot, SessionEvents, TopicPartition } from './types';

export interface RebalanceHost {
  readonly memberId: string;
  readonly groupProtocol: GroupProtocol;
  readonly drainTimeoutMs: number;
  consumer(): ConsumerPort | undefined;
  closing(): boolean;
  setState(state: MemberSnapshot['state']): void;
  state(): MemberSnapshot['state'];
  emit<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): void;
  reportError(error: unknown): void;
  awaitingWithdrawn(message: ConsumedMessage): void;
  dispatch(): void;
  /** Exactly-once: partitions were lost (their work must not commit). */
  lost?(states: readonly PartitionState[]): Promise<void>;
  /** Exactly-once: partitions were assigned. */
  assigned?(tps: readonly TopicPartition[]): void;
}

/**
 * The member's answers to the group: on assign, new partition queues (and what the group had
 * committed); on revoke, the queued messages are dropped, in-flight work gets a bounded chance to
 * finish, what is done is committed, and the rest is abandoned; on a loss, nothing is committed
 * (another member may own the partitions already). Callbacks run one after another, in order.
 */
export class Rebalancer {
  private chain: Promise<void> = Promise.resolve();
  private protocolValue: RebalanceProtocol = 'NONE';

  constructor(
    private readonly host: RebalanceHost,
    private readonly queues: PartitionQueues,
    private readonly commits: Commits,
  ) {}

  get protocol(): RebalanceProtocol {
    return this.protocolValue;
  }

  /**
   * How partitions move, as the client reports it. The consumer protocol (KIP-848) is incremental
   * by definition: the broker hands out and takes back partitions one change at a time.
   */
  private currentProtocol(consumer: ConsumerPort): RebalanceProtocol {
    return this.host.groupProtocol === 'consumer' ? 'COOPERATIVE' : consumer.rebalanceProtocol();
  }

  /** Queues a callback from the consumer behind the ones before it. */
  onRebalance(kind: 'assign' | 'revoke', partitions: readonly TopicPartition[]): void {
    this.chain = this.chain
      .then(() => (kind === 'assign' ? this.assign(partitions) : this.revoke(partitions)))
      .catch((error: unknown) => this.host.reportError(error));
  }

  /** Resolves when every callback so far was answered. */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Waits (bounded) for work in flight on these partitions; messages waiting for a decision are not waited for. */
  async drain(states: readonly PartitionState[]): Promise<void> {
    const deadline = Date.now() + this.host.drainTimeoutMs;
    while (this.queues.busy(states) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** The partitions are on their way out: nothing more is fetched into them, started or finished. */
  private stopTaking(states: readonly PartitionState[]): void {
    for (const ps of states) {
      ps.revoking = true;
      this.queues.clearQueue(ps);
      this.abandon(ps);
    }
  }

  /** Gives up on a partition's unfinished work: aborted, never committed. */
  abandon(ps: PartitionState): void {
    for (const message of this.queues.abandon(ps)) this.host.awaitingWithdrawn(message);
  }

  private assign(tps: readonly TopicPartition[]): void {
    const consumer = this.host.consumer();
    if (!consumer) return;
    this.protocolValue = this.currentProtocol(consumer);
    for (const tp of tps) this.queues.assign(tp.topic, tp.partition);
    this.host.assigned?.(tps);
    if (this.protocolValue === 'COOPERATIVE') consumer.incrementalAssign(tps);
    else consumer.assign(tps);
    this.host.setState(this.queues.size > 0 ? 'active' : 'idle');
    this.host.emit('rebalance', {
      memberId: this.host.memberId,
      kind: 'assign',
      partitions: tps,
      protocol: this.protocolValue,
      groupProtocol: this.host.groupProtocol,
      at: Date.now(),
    });
    this.commits.seedCommitted(tps);
    this.host.dispatch();
  }

  private async revoke(tps: readonly TopicPartition[]): Promise<void> {
    const consumer = this.host.consumer();
    if (!consumer) return;
    this.protocolValue = this.currentProtocol(consumer);
    const lost = consumer.assignmentLost();
    const states = tps.map((tp) => this.queues.get(tp.topic, tp.partition)).filter((ps): ps is PartitionState => !!ps);
    this.host.emit('rebalance', {
      memberId: this.host.memberId,
      kind: lost ? 'lost' : 'revoke',
      partitions: tps,
      protocol: this.protocolValue,
      groupProtocol: this.host.groupProtocol,
      at: Date.now(),
    });
    for (const ps of states) this.queues.clearQueue(ps);
    if (!lost) {
      // Give in-flight handlers a bounded chance to finish, then commit what is done.
      if (!this.host.closing()) await this.drain(states);
      const committing = this.commits.commitBlocking('revoke', new Set(states.map((ps) => ps.key)));
      // Exactly-once: the open transaction commits before the partitions are given up. Meanwhile
      // nothing more of theirs is taken or finished: what is unfinished is abandoned now, so that no
      // output of theirs can join a later transaction whose offsets no longer include them.
      if (committing) {
        this.stopTaking(states);
        await committing;
      }
    } else if (this.host.lost) {
      // Exactly-once: a lost partition's work may not be committed, so the open transaction aborts.
      this.stopTaking(states);
      await this.host.lost(states);
    }
    for (const ps of states) {
      this.abandon(ps);
      this.queues.remove(ps);
      this.commits.tracker.drop(ps.topic, ps.partition);
    }
    try {
      if (this.protocolValue === 'COOPERATIVE') consumer.incrementalUnassign(tps);
      else consumer.unassign();
    } catch (error) {
      if (!this.host.closing()) this.host.reportError(error);
    }
    this.host.setState(this.queues.size > 0 ? 'active' : this.host.closing() ? this.host.state() : 'idle');
    this.host.dispatch();
  }
}
