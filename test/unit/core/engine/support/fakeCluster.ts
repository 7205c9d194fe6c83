// A fake Kafka cluster for the engine's unit tests: topics in memory, consumer groups that assign
// partitions to their members (eager or cooperative, round-robin in join order), fetch positions,
// pause/resume, seek, committed offsets, sync and async commits, and lost assignments. It speaks
// the engine's ConsumerPort, so the real member runs against it without a broker.
import type {
  ConsumerFactory,
  ConsumerListeners,
  ConsumerPort,
  ConsumerSettings,
  FetchedRecord,
  RebalanceProtocol,
} from '../../../../../src/core/engine/consumerPort';
import type { Headers, TopicPartition, TopicPartitionOffset } from '../../../../../src/core/kafka/record';

const key = (topic: string, partition: number): string => `${topic}[${partition}]`;
const ACK_TIMEOUT_MS = 2_000;

export interface CommitRecord {
  readonly clientId: string;
  readonly sync: boolean;
  readonly offsets: readonly TopicPartitionOffset[];
}

class FakeGroup {
  readonly members: FakeConsumer[] = [];
  readonly committed = new Map<string, number>();
  private rebalancing: Promise<void> = Promise.resolve();

  constructor(
    readonly cluster: FakeCluster,
    readonly id: string,
  ) {}

  join(member: FakeConsumer): void {
    this.members.push(member);
    this.rebalance();
  }

  leave(member: FakeConsumer): Promise<void> {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    return this.rebalance(member);
  }

  /** Reassigns every subscribed partition: revokes first (and waits for the answers), then assigns. */
  rebalance(leaving?: FakeConsumer): Promise<void> {
    this.rebalancing = this.rebalancing.then(() => this.reassign(leaving));
    return this.rebalancing;
  }

  private async reassign(leaving?: FakeConsumer): Promise<void> {
    const target = new Map<FakeConsumer, TopicPartition[]>(this.members.map((m) => [m, []]));
    const all = this.cluster.partitionsOf([...new Set(this.members.flatMap((m) => m.topics))]);
    all.forEach((tp, i) => {
      const candidates = this.members.filter((m) => m.topics.includes(tp.topic));
      if (candidates.length) target.get(candidates[i % candidates.length])?.push(tp);
    });
    const everyone = leaving ? [...this.members, leaving] : [...this.members];
    for (const member of everyone) {
      const wanted = new Set((target.get(member) ?? []).map((tp) => key(tp.topic, tp.partition)));
      const owned = member.assigned();
      const revoke =
        member.protocol === 'EAGER' ? owned : owned.filter((tp) => !wanted.has(key(tp.topic, tp.partition)));
      if (revoke.length || (member.protocol === 'EAGER' && member.hasAssignment())) await member.revoke(revoke, false);
    }
    for (const member of this.members) {
      const owned = new Set(member.assigned().map((tp) => key(tp.topic, tp.partition)));
      const add = (target.get(member) ?? []).filter((tp) => !owned.has(key(tp.topic, tp.partition)));
      if (add.length || member.protocol === 'EAGER' || !member.everAssigned) await member.offerAssignment(add);
    }
  }
}

interface OwnedPartition {
  readonly topic: string;
  readonly partition: number;
  position: number;
  paused: boolean;
}

export class FakeConsumer implements ConsumerPort {
  topics: string[] = [];
  readonly protocol: RebalanceProtocol;
  readonly owned = new Map<string, OwnedPartition>();
  everAssigned = false;
  connected = false;
  disconnected = false;
  private lost = false;
  private pendingAck: { kind: 'assign' | 'revoke'; resolve: () => void } | undefined;
  private wake: (() => void) | undefined;
  private group: FakeGroup | undefined;

  constructor(
    readonly cluster: FakeCluster,
    readonly settings: ConsumerSettings,
    private readonly listeners: ConsumerListeners,
  ) {
    this.protocol = settings.assignmentStrategy === 'cooperative-sticky' ? 'COOPERATIVE' : 'EAGER';
  }

  get clientId(): string {
    return this.settings.clientId;
  }

  async connect(): Promise<void> {
    if (this.cluster.refuseConnections) throw new Error('could not connect: the fake cluster refuses connections');
    await new Promise((resolve) => setTimeout(resolve, this.cluster.connectDelayMs));
    this.connected = true;
  }

  subscribe(topics: readonly string[]): void {
    this.topics = [...topics];
    this.group = this.cluster.group(this.settings.groupId);
    this.group.join(this);
  }

  async consume(max: number): Promise<readonly FetchedRecord[]> {
    let batch = this.take(max);
    if (batch.length === 0 && !this.disconnected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = undefined;
          resolve();
        }, this.cluster.consumeWaitMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
      batch = this.take(max);
    }
    this.cluster.fetched += batch.length;
    return batch;
  }

  /** Like librdkafka: runs of one partition, round the partitions, from each fetch position. */
  private take(max: number): FetchedRecord[] {
    const out: FetchedRecord[] = [];
    for (const op of this.owned.values()) {
      if (op.paused) continue;
      const log = this.cluster.log(op.topic, op.partition);
      while (out.length < max && op.position < log.length) out.push(log[op.position++]);
    }
    return out;
  }

  poke(): void {
    this.wake?.();
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.mustOwn(tp).paused = true;
    this.cluster.pauseCalls++;
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const op = this.mustOwn(tp);
      op.paused = false;
      // librdkafka may fetch a resumed partition again from an older position.
      op.position = Math.max(0, op.position - this.cluster.rewindOnResume);
    }
    this.poke();
  }

  async seek(target: TopicPartitionOffset): Promise<void> {
    const op = this.mustOwn(target);
    const length = this.cluster.log(target.topic, target.partition).length;
    op.position = target.offset === -2 ? 0 : target.offset === -1 ? length : target.offset;
    this.poke();
  }

  async offsetsForTimes(query: readonly TopicPartitionOffset[]): Promise<TopicPartitionOffset[]> {
    return query.map((q) => {
      const found = this.cluster.log(q.topic, q.partition).find((r) => (r.timestamp ?? 0) >= q.offset);
      return { topic: q.topic, partition: q.partition, offset: found ? found.offset : -1 };
    });
  }

  commitSync(offsets: readonly TopicPartitionOffset[]): void {
    if (this.cluster.failCommits > 0) {
      this.cluster.failCommits--;
      throw new Error('Broker: the fake coordinator refused the commit');
    }
    this.record(offsets, true);
  }

  commitAsync(offsets: readonly TopicPartitionOffset[]): void {
    const copy = offsets.map((o) => ({ ...o }));
    if (this.cluster.failAsyncCommits > 0) {
      this.cluster.failAsyncCommits--;
      const refusal = () =>
        this.listeners.asyncCommitDone(
          { message: 'Broker: the fake coordinator refused the commit', nothingToCommit: false },
          copy,
        );
      if (this.cluster.holdAsyncAnswers) this.cluster.heldAnswers.push(refusal);
      else setImmediate(refusal);
      return;
    }
    this.record(copy, false);
    const answer = () => this.listeners.asyncCommitDone(undefined, copy);
    if (this.cluster.holdAsyncAnswers) this.cluster.heldAnswers.push(answer);
    else setImmediate(answer);
  }

  private record(offsets: readonly TopicPartitionOffset[], sync: boolean): void {
    const group = this.cluster.group(this.settings.groupId);
    for (const o of offsets) group.committed.set(key(o.topic, o.partition), o.offset);
    this.cluster.commits.push({
      clientId: this.clientId,
      sync,
      offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
    });
  }

  async committed(partitions: readonly TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const group = this.cluster.group(this.settings.groupId);
    return partitions.map((tp) => ({ ...tp, offset: group.committed.get(key(tp.topic, tp.partition)) ?? -1001 }));
  }

  highWatermark(topic: string, partition: number): number | undefined {
    return this.cluster.log(topic, partition).length;
  }

  rebalanceProtocol(): RebalanceProtocol {
    return this.protocol;
  }

  assignmentLost(): boolean {
    return this.lost;
  }

  assign(partitions: readonly TopicPartition[]): void {
    this.owned.clear();
    this.addOwned(partitions);
    this.ack('assign');
  }

  unassign(): void {
    this.owned.clear();
    this.ack('revoke');
  }

  incrementalAssign(partitions: readonly TopicPartition[]): void {
    this.addOwned(partitions);
    this.ack('assign');
  }

  incrementalUnassign(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.owned.delete(key(tp.topic, tp.partition));
    this.ack('revoke');
  }

  async disconnect(): Promise<boolean> {
    if (this.disconnected) return true;
    this.disconnected = true;
    this.poke();
    await this.group?.leave(this);
    return true;
  }

  // ---------------------------------------------------------------- driven by the group and tests

  assigned(): TopicPartition[] {
    return [...this.owned.values()].map((op) => ({ topic: op.topic, partition: op.partition }));
  }

  hasAssignment(): boolean {
    return this.owned.size > 0;
  }

  offerAssignment(partitions: readonly TopicPartition[]): Promise<void> {
    this.everAssigned = true;
    return this.callback('assign', partitions);
  }

  /** Takes partitions away; `lost` says the member was thrown out (session timeout): it must commit nothing. */
  async revoke(partitions: readonly TopicPartition[], lost: boolean): Promise<void> {
    this.lost = lost;
    try {
      await this.callback('revoke', partitions);
    } finally {
      this.lost = false;
    }
  }

  private callback(kind: 'assign' | 'revoke', partitions: readonly TopicPartition[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.clientId} did not answer the ${kind} within ${ACK_TIMEOUT_MS} ms`)),
        ACK_TIMEOUT_MS,
      );
      this.pendingAck = {
        kind,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.listeners.rebalance(
        kind,
        partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition })),
      );
    });
  }

  private ack(kind: 'assign' | 'revoke'): void {
    const pending = this.pendingAck;
    if (!pending || pending.kind !== kind)
      throw new Error(`${this.clientId}: ${kind} without a ${kind} callback waiting for it`);
    this.pendingAck = undefined;
    pending.resolve();
    this.poke();
  }

  private addOwned(partitions: readonly TopicPartition[]): void {
    const group = this.cluster.group(this.settings.groupId);
    for (const tp of partitions) {
      const committed = group.committed.get(key(tp.topic, tp.partition));
      const start =
        committed ?? (this.settings.autoOffsetReset === 'latest' ? this.cluster.log(tp.topic, tp.partition).length : 0);
      this.owned.set(key(tp.topic, tp.partition), {
        topic: tp.topic,
        partition: tp.partition,
        position: start,
        paused: false,
      });
    }
  }

  private mustOwn(tp: TopicPartition): OwnedPartition {
    const op = this.owned.get(key(tp.topic, tp.partition));
    if (!op)
      throw new Error(`Local: Erroneous state (${tp.topic}[${tp.partition}] is not assigned to ${this.clientId})`);
    return op;
  }
}

export class FakeCluster {
  readonly consumers: FakeConsumer[] = [];
  readonly commits: CommitRecord[] = [];
  private readonly logs = new Map<string, FetchedRecord[][]>();
  private readonly groups = new Map<string, FakeGroup>();
  /** Sync commits to refuse next. */
  failCommits = 0;
  failAsyncCommits = 0;
  refuseConnections = false;
  /** Async commits are recorded at once but answered only by answerAsyncCommits(). */
  holdAsyncAnswers = false;
  /** How many records a resumed partition goes back and delivers again. */
  rewindOnResume = 0;
  readonly heldAnswers: Array<() => void> = [];
  connectDelayMs = 0;
  /** How long a consume waits for a first record (librdkafka's consume timeout). */
  consumeWaitMs = 5;
  fetched = 0;
  pauseCalls = 0;

  readonly factory: ConsumerFactory = (settings, listeners) => {
    const consumer = new FakeConsumer(this, settings, listeners);
    this.consumers.push(consumer);
    return consumer;
  };

  createTopic(topic: string, partitions: number): void {
    this.logs.set(
      topic,
      Array.from({ length: partitions }, () => []),
    );
  }

  produce(
    topic: string,
    partition: number,
    value: string | Buffer | null,
    extra: { key?: string; headers?: Headers; timestamp?: number } = {},
  ): number {
    const log = this.log(topic, partition);
    const bytes = typeof value === 'string' ? Buffer.from(value) : value;
    const offset = log.length;
    log.push({
      topic,
      partition,
      offset,
      timestamp: extra.timestamp ?? 1_700_000_000_000 + offset,
      key: extra.key === undefined ? null : Buffer.from(extra.key),
      value: bytes,
      headers: extra.headers,
      size: bytes?.length ?? 0,
    });
    for (const c of this.consumers) c.poke();
    return offset;
  }

  /** `count` messages per partition, valued `<partition>:<offset>`. */
  fill(topic: string, partitions: number, count: number): void {
    this.createTopic(topic, partitions);
    for (let p = 0; p < partitions; p++) for (let i = 0; i < count; i++) this.produce(topic, p, `${p}:${i}`);
  }

  log(topic: string, partition: number): FetchedRecord[][][number] {
    const log = this.logs.get(topic)?.[partition];
    if (!log) throw new Error(`no partition ${topic}[${partition}] in the fake cluster`);
    return log;
  }

  partitionsOf(topics: readonly string[]): TopicPartition[] {
    return topics.flatMap((topic) => (this.logs.get(topic) ?? []).map((_, partition) => ({ topic, partition })));
  }

  group(id: string): FakeGroup {
    let group = this.groups.get(id);
    if (!group) this.groups.set(id, (group = new FakeGroup(this, id)));
    return group;
  }

  /** What the group has committed for a partition (the next offset it will read), if anything. */
  committed(groupId: string, topic: string, partition: number): number | undefined {
    return this.group(groupId).committed.get(key(topic, partition));
  }

  answerAsyncCommits(): number {
    const answers = this.heldAnswers.splice(0);
    for (const answer of answers) answer();
    return answers.length;
  }

  /** The member loses all its partitions (session timeout); the group then gives them to the others. */
  async lose(consumer: FakeConsumer): Promise<void> {
    await consumer.revoke(consumer.assigned(), true);
  }
}
