import { randomUUID } from 'node:crypto';
import type { KafkaConsumer, LibrdKafkaError, Message } from '@confluentinc/kafka-javascript';
import { codeOf } from '../kafka/clientErrors';
import { type ClusterConnection, toLibrdkafkaConfig } from '../kafka/connection';
import { loadNativeClient } from '../kafka/nativeClient';
import { describeTopicAccess } from '../kafka/topicAccess';
import type { TopicPartitionOffset } from '../kafka/record';

/** A client error with librdkafka's code (negative: local; positive: the broker's). */
export class BrowseError extends Error {
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'BrowseError';
  }
}

export interface PartitionEnd {
  readonly partition: number;
  readonly offset: number;
}

/**
 * What the viewer needs of a consumer that reads by assignment. It never subscribes, so it never
 * joins a group; it never commits (auto-commit and the offset store are off).
 */
export interface BrowsingConsumer {
  connect(timeoutMs: number): Promise<void>;
  /** The topic's partition numbers; undefined when the cluster does not know the topic. */
  partitions(topic: string, timeoutMs: number): Promise<number[] | undefined>;
  watermarks(topic: string, partition: number, timeoutMs: number): Promise<{ low: number; high: number }>;
  /** The first offset at or after `timestamp` per partition; -1 where there is none. */
  offsetsForTimes(
    topic: string,
    partitions: readonly number[],
    timestamp: number,
    timeoutMs: number,
  ): Promise<Map<number, number>>;
  assign(assignments: readonly TopicPartitionOffset[]): void;
  /** Up to `max` records; waits at most the consume timeout for the first. */
  consume(max: number): Promise<Message[]>;
  pause(topic: string, partitions: readonly number[]): void;
  resume(topic: string, partitions: readonly number[]): void;
  disconnect(timeoutMs: number): Promise<void>;
  /** Called when a partition reaches its end (partition EOF). */
  onEnd(listener: (end: PartitionEnd) => void): void;
  /** Called for client errors outside a call (error events: brokers down, ...). */
  onError(listener: (error: BrowseError) => void): void;
}

export type BrowsingConsumerFactory = (connection: ClusterConnection, settings: BrowsingSettings) => BrowsingConsumer;

export interface BrowsingSettings {
  /** librdkafka properties for fetching (prefetch bounds); the browsing rules always win over them. */
  readonly fetch?: Readonly<Record<string, string | number | boolean>>;
  /** consume(n) waits this long for its first record only. */
  readonly consumeTimeoutMs: number;
  /** Default read_uncommitted: a viewer shows what is on the topic, aborted records too. */
  readonly isolation?: 'read_committed' | 'read_uncommitted';
}

/** Prefetch bounded per viewer (librdkafka's defaults would prefetch 64 MiB and 100k messages per partition). */
export const BROWSE_FETCH_SETTINGS: Readonly<Record<string, number>> = {
  'queued.max.messages.kbytes': 16_384,
  'queued.min.messages': 20_000,
  'fetch.max.bytes': 8 * 1024 * 1024,
  'max.partition.fetch.bytes': 1024 * 1024,
  'fetch.wait.max.ms': 100,
  'fetch.queue.backoff.ms': 10,
};

/** The browsing rules: a throwaway group id that never reaches the broker as a member, nothing stored or committed. */
export function browsingConfig(connection: ClusterConnection, settings: BrowsingSettings): Record<string, unknown> {
  return {
    ...BROWSE_FETCH_SETTINGS,
    ...(settings.fetch ?? {}),
    ...toLibrdkafkaConfig({ ...connection, clientId: connection.clientId ?? 'kafka-consumer-lab-viewer' }),
    'group.id': `kafka-lab-viewer-${randomUUID()}`,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'enable.partition.eof': true,
    'allow.auto.create.topics': false,
    // Committed and uncommitted alike, unless asked: a viewer shows what is on the topic.
    'isolation.level': settings.isolation ?? 'read_uncommitted',
  };
}

/** librdkafka's own time limits are not always kept (a loaded machine, a half-open connection): every call is bounded here too. */
function bounded<T>(
  what: string,
  timeoutMs: number,
  call: (resolve: (value: T) => void, reject: (error: Error) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new BrowseError(-185 /* ERR__TIMED_OUT */, `${what}: no answer within ${timeoutMs} ms`)),
      timeoutMs + 1_000,
    );
    call(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

type Consumer = KafkaConsumer & { setDefaultIsTimeoutOnlyForFirstMessage(onlyFirst: boolean): void };

/** The binding's error events carry code -1 and only librdkafka's err2str text: `codeOf` recovers the code. */
const asBrowseError = (err: LibrdKafkaError | Error, what: string): BrowseError =>
  new BrowseError(codeOf({ code: (err as LibrdKafkaError).code, message: err.message }), `${what}: ${err.message}`);

class RdkafkaBrowsingConsumer implements BrowsingConsumer {
  private readonly consumer: Consumer;
  private closing = false;
  private endListener: (end: PartitionEnd) => void = () => undefined;
  private errorListener: (error: BrowseError) => void = () => undefined;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly settings: BrowsingSettings,
  ) {
    const kafka = loadNativeClient();
    // Past a reset (retention removed what was next) reading goes on at the earliest offset.
    this.consumer = new kafka.KafkaConsumer(browsingConfig(connection, settings) as never, {
      'auto.offset.reset': 'earliest',
    }) as Consumer;
    this.consumer.on('partition.eof', (eof: { partition: number; offset: number }) =>
      this.endListener({ partition: eof.partition, offset: eof.offset }),
    );
    this.consumer.on('event.error', (error: LibrdKafkaError) => {
      if (!this.closing) this.errorListener(asBrowseError(error, 'client error'));
    });
  }

  onEnd(listener: (end: PartitionEnd) => void): void {
    this.endListener = listener;
  }

  onError(listener: (error: BrowseError) => void): void {
    this.errorListener = listener;
  }

  connect(timeoutMs: number): Promise<void> {
    return bounded<void>('connect', timeoutMs, (resolve, reject) =>
      this.consumer.connect({ timeout: timeoutMs }, (err) => {
        if (err) return reject(asBrowseError(err, 'could not connect'));
        this.consumer.setDefaultConsumeTimeout(this.settings.consumeTimeoutMs);
        this.consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
        resolve();
      }),
    );
  }

  async partitions(topic: string, timeoutMs: number): Promise<number[] | undefined> {
    const found = await bounded<number[] | undefined>(`metadata of ${topic}`, timeoutMs, (resolve, reject) =>
      this.consumer.getMetadata({ topic, timeout: timeoutMs }, (err, metadata) => {
        if (err) return reject(asBrowseError(err, `metadata of ${topic}`));
        const found = metadata.topics.find((t) => t.name === topic);
        resolve(
          found && found.partitions.length > 0 ? found.partitions.map((p) => p.id).sort((a, b) => a - b) : undefined,
        );
      }),
    );
    if (found) return found;
    // Metadata leaves out a topic this principal may not DESCRIBE, as if it did not exist.
    const access = await describeTopicAccess(this.connection, topic, timeoutMs);
    if (access.kind === 'notAuthorized')
      throw new BrowseError(access.code, `TOPIC_AUTHORIZATION_FAILED: may not DESCRIBE or READ topic "${topic}"`);
    return undefined;
  }

  watermarks(topic: string, partition: number, timeoutMs: number): Promise<{ low: number; high: number }> {
    return bounded<{ low: number; high: number }>(
      `watermarks of ${topic}[${partition}]`,
      timeoutMs,
      (resolve, reject) =>
        this.consumer.queryWatermarkOffsets(topic, partition, timeoutMs, (err, offsets) =>
          err
            ? reject(asBrowseError(err, `watermarks of ${topic}[${partition}]`))
            : resolve({ low: offsets.lowOffset, high: offsets.highOffset }),
        ),
    );
  }

  offsetsForTimes(
    topic: string,
    partitions: readonly number[],
    timestamp: number,
    timeoutMs: number,
  ): Promise<Map<number, number>> {
    return bounded<Map<number, number>>(`offsets for times in ${topic}`, timeoutMs, (resolve, reject) =>
      this.consumer.offsetsForTimes(
        partitions.map((partition) => ({ topic, partition, offset: timestamp })),
        timeoutMs,
        (err, result) =>
          err
            ? reject(asBrowseError(err, `offsets for ${new Date(timestamp).toISOString()} in ${topic}`))
            : resolve(new Map(result.map((r) => [r.partition, r.offset]))),
      ),
    );
  }

  assign(assignments: readonly TopicPartitionOffset[]): void {
    this.consumer.assign(assignments.map((a) => ({ topic: a.topic, partition: a.partition, offset: a.offset })));
  }

  consume(max: number): Promise<Message[]> {
    return new Promise((resolve, reject) =>
      this.consumer.consume(max, (err, messages) =>
        err ? reject(asBrowseError(err, 'reading failed')) : resolve(messages ?? []),
      ),
    );
  }

  pause(topic: string, partitions: readonly number[]): void {
    this.consumer.pause(partitions.map((partition) => ({ topic, partition })));
  }

  resume(topic: string, partitions: readonly number[]): void {
    this.consumer.resume(partitions.map((partition) => ({ topic, partition })));
  }

  disconnect(timeoutMs: number): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      try {
        this.consumer.disconnect(() => {
          clearTimeout(timer);
          resolve();
        });
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}

export const rdkafkaBrowsingConsumer: BrowsingConsumerFactory = (connection, settings) =>
  new RdkafkaBrowsingConsumer(connection, settings);
