import type { KafkaConsumer, LibrdKafkaError, TopicPartitionOffsetAndMetadata } from '@confluentinc/kafka-javascript';
import { toLibrdkafkaConfig } from '../kafka/connection';
import { checkTlsMaterial } from '../kafka/tlsMaterial';
import { loadNativeClient } from '../kafka/nativeClient';
import type { TopicPartition, TopicPartitionOffset } from '../kafka/record';
import type {
  ConsumerFactory,
  ConsumerListeners,
  ConsumerPort,
  ConsumerSettings,
  FetchedRecord,
  RebalanceProtocol,
} from './consumerPort';
import { CLASSIC_ONLY_PROPERTIES } from './groupProtocol';
import { CONSUME_TIMEOUT_MS } from './limits';

const ERR_ASSIGN_PARTITIONS = -175;
const ERR_REVOKE_PARTITIONS = -174;
const ERR_NO_OFFSET = -191;

/** Methods the binding has at run time but its type declarations omit. */
type Consumer = KafkaConsumer & {
  setDefaultIsTimeoutOnlyForFirstMessage(onlyFirst: boolean): void;
  rebalanceProtocol(): string;
  incrementalAssign(assignments: TopicPartition[]): void;
  incrementalUnassign(assignments: TopicPartition[]): void;
  assignmentLost(): boolean;
};

const copy = (tps: readonly TopicPartition[]): TopicPartition[] =>
  tps.map((tp) => ({ topic: tp.topic, partition: tp.partition }));

/** The librdkafka properties of a member: commits are decisions, never automatic. */
export function memberConsumerConfig(settings: ConsumerSettings): Record<string, unknown> {
  const consumerProtocol = settings.groupProtocol === 'consumer';
  const config: Record<string, unknown> = {
    // Prefetch bounded to 16 MiB per member (librdkafka's default is 64 MiB), refilled without
    // the default 1 s queue backoff, which otherwise stalls a consumer whose queue filled up.
    'queued.max.messages.kbytes': 16384,
    'fetch.queue.backoff.ms': 10,
    ...(settings.extra ?? {}),
    ...toLibrdkafkaConfig({ ...settings.connection, clientId: settings.connection.clientId ?? settings.clientId }),
    'group.id': settings.groupId,
    // Commits are decisions: never automatic, and only explicit offsets are committed.
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'group.protocol': settings.groupProtocol,
    // KIP-848: the broker assigns and sets the session and heartbeat timing; librdkafka refuses
    // these under group.protocol=consumer (validated with a clear error in groupProtocol.ts).
    ...(consumerProtocol ? {} : { 'partition.assignment.strategy': settings.assignmentStrategy }),
    'isolation.level': settings.isolationLevel,
    'enable.partition.eof': false,
  };
  if (consumerProtocol) for (const key of CLASSIC_ONLY_PROPERTIES) delete config[key];
  return config;
}

/** The consumer port over @confluentinc/kafka-javascript (librdkafka). */
class RdkafkaConsumer implements ConsumerPort {
  private readonly consumer: Consumer;
  private closing = false;

  constructor(
    settings: ConsumerSettings,
    private readonly listeners: ConsumerListeners,
  ) {
    const kafka = loadNativeClient();
    // librdkafka fails a client whose key does not open with only "Erroneous state".
    checkTlsMaterial(settings.connection);
    this.consumer = new kafka.KafkaConsumer(
      {
        ...memberConsumerConfig(settings),
        rebalance_cb: (err: LibrdKafkaError, assignment: TopicPartition[]) => {
          if (err.code === ERR_ASSIGN_PARTITIONS) listeners.rebalance('assign', copy(assignment));
          else if (err.code === ERR_REVOKE_PARTITIONS) listeners.rebalance('revoke', copy(assignment));
          else listeners.rebalanceFailed(new Error(`rebalance failed: ${err.message}`));
        },
        offset_commit_cb: (err: LibrdKafkaError | undefined, offsets: TopicPartitionOffset[] | undefined) => {
          const done = (offsets ?? []).map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }));
          listeners.asyncCommitDone(
            err ? { message: err.message, nothingToCommit: err.code === ERR_NO_OFFSET } : undefined,
            done,
          );
        },
      } as never,
      { 'auto.offset.reset': settings.autoOffsetReset },
    ) as Consumer;
    this.consumer.on('event.error', (error) => {
      if (!this.closing) listeners.error(new Error(error.message));
    });
  }

  connect(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.consumer.connect({ timeout: timeoutMs }, (err) => {
        if (err) {
          reject(new Error(`could not connect: ${err.message}`));
          return;
        }
        this.consumer.setDefaultConsumeTimeout(CONSUME_TIMEOUT_MS);
        this.consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
        resolve();
      }),
    );
  }

  subscribe(topics: readonly string[]): void {
    this.consumer.subscribe([...topics]);
  }

  consume(max: number): Promise<readonly FetchedRecord[]> {
    return new Promise((resolve) => {
      this.consumer.consume(max, (err, batch) => {
        if (err && !this.closing) this.listeners.error(new Error(`consume failed: ${err.message}`));
        // The binding's Message already has the record's shape: no copy on the hot path.
        resolve((batch ?? []) as unknown as FetchedRecord[]);
      });
    });
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.consumer.pause(copy(partitions));
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.consumer.resume(copy(partitions));
  }

  seek(target: TopicPartitionOffset, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.consumer.seek(
        { topic: target.topic, partition: target.partition, offset: target.offset },
        timeoutMs,
        (err) =>
          err
            ? reject(new Error(`seek ${target.topic}[${target.partition}] to ${target.offset} failed: ${err.message}`))
            : resolve(),
      ),
    );
  }

  offsetsForTimes(query: readonly TopicPartitionOffset[], timeoutMs: number): Promise<TopicPartitionOffset[]> {
    return new Promise((resolve, reject) =>
      this.consumer.offsetsForTimes(
        query.map((q) => ({ topic: q.topic, partition: q.partition, offset: q.offset })),
        timeoutMs,
        (err, result) =>
          err
            ? reject(new Error(`offsets for times failed: ${err.message}`))
            : resolve(result.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset }))),
      ),
    );
  }

  commitSync(offsets: readonly TopicPartitionOffset[]): void {
    this.consumer.commitSync(offsets as TopicPartitionOffsetAndMetadata[]);
  }

  commitAsync(offsets: readonly TopicPartitionOffset[]): void {
    this.consumer.commit(offsets as TopicPartitionOffsetAndMetadata[]);
  }

  committed(partitions: readonly TopicPartition[], timeoutMs: number): Promise<TopicPartitionOffset[]> {
    return new Promise((resolve, reject) =>
      this.consumer.committed(copy(partitions), timeoutMs, (err, offsets) =>
        err || !offsets
          ? reject(new Error(`reading committed offsets failed: ${err?.message ?? 'no answer'}`))
          : resolve(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset ?? -1 }))),
      ),
    );
  }

  highWatermark(topic: string, partition: number): number | undefined {
    // Views ask on timers; once the close began, the native handle may be going away on a worker thread.
    if (this.closing) return undefined;
    try {
      const high = this.consumer.getWatermarkOffsets(topic, partition).highOffset;
      return high !== undefined && high >= 0 ? high : undefined;
    } catch {
      return undefined;
    }
  }

  rebalanceProtocol(): RebalanceProtocol {
    const protocol = this.consumer.rebalanceProtocol();
    return protocol === 'COOPERATIVE' || protocol === 'EAGER' ? protocol : 'NONE';
  }

  assignmentLost(): boolean {
    return this.consumer.assignmentLost();
  }

  assign(partitions: readonly TopicPartition[]): void {
    this.consumer.assign(copy(partitions));
  }

  unassign(): void {
    this.consumer.unassign();
  }

  incrementalAssign(partitions: readonly TopicPartition[]): void {
    this.consumer.incrementalAssign(copy(partitions));
  }

  incrementalUnassign(partitions: readonly TopicPartition[]): void {
    this.consumer.incrementalUnassign(copy(partitions));
  }

  nativeHandle(): unknown {
    return this.consumer;
  }

  disconnect(timeoutMs: number): Promise<boolean> {
    this.closing = true;
    // Leaving the group revokes the partitions, and librdkafka waits for the revoke to be
    // acknowledged (unassign) before the close completes: the member must stay responsive.
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      try {
        this.consumer.disconnect(() => {
          clearTimeout(timer);
          resolve(true);
        });
      } catch {
        clearTimeout(timer);
        resolve(true);
      }
    });
  }
}

export const rdkafkaConsumerFactory: ConsumerFactory = (settings, listeners) =>
  new RdkafkaConsumer(settings, listeners);
