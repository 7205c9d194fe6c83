import type { KafkaConsumer, Message, Producer } from '@confluentinc/kafka-javascript';
import { type ClusterConnection, toLibrdkafkaConfig } from '../kafka/connection';
import { loadNativeClient } from '../kafka/nativeClient';
import { closeProducer } from '../kafka/producerClose';
import { type Logger, silentLogger } from '../logging';
import { type Headers, parseEnvelope, payloadOf } from './envelope';
import { isDeadLetterHeader, provenanceHeaders } from './provenance';

/** The group whose committed offsets on a DLQ topic record how far re-driving went. */
export const redriveGroupFor = (dlqTopic: string): string => `kafka-consumer-lab.redrive.${dlqTopic}`;
const OFFSET_STORED = -1000;

export interface RedriveOptions {
  readonly connection: ClusterConnection;
  readonly dlqTopic: string;
  /**
   * Exactly these DLQ messages (an explicit request, so they are re-driven even if they were
   * before). Without it, every DLQ message not re-driven yet, and the progress is committed so a
   * second call re-drives nothing again.
   */
  readonly selection?: ReadonlyArray<{ readonly partition: number; readonly offset: number }>;
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

export interface RedrivenMessage {
  readonly dlqPartition: number;
  readonly dlqOffset: number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface RedriveResult {
  readonly redriven: readonly RedrivenMessage[];
  /** DLQ messages that are not envelopes (left where they are, reported). */
  readonly skipped: ReadonlyArray<{ readonly partition: number; readonly offset: number; readonly reason: string }>;
}

/**
 * Copies dead-lettered messages back to their original topics with their original key, headers
 * and payload. Progress is committed only after every copy is acknowledged; a crash in between
 * may re-drive a message again, never lose one.
 */
export async function redrive(options: RedriveOptions): Promise<RedriveResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const logger = options.logger ?? silentLogger;
  const kafka = loadNativeClient();
  const base = toLibrdkafkaConfig({ ...options.connection, clientId: 'kafka-consumer-lab-redrive' });
  const consumer = new kafka.KafkaConsumer(
    {
      ...base,
      'group.id': redriveGroupFor(options.dlqTopic),
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
    } as never,
    {
      'auto.offset.reset': 'earliest',
    },
  );
  const producer = new kafka.Producer({
    ...base,
    acks: 'all',
    'enable.idempotence': true,
    'allow.auto.create.topics': false,
    'message.timeout.ms': Math.max(5000, timeoutMs / 2),
    dr_cb: true,
  } as never);
  await Promise.all([connect(consumer, timeoutMs), connect(producer, timeoutMs)]);
  producer.setPollInterval(20);
  try {
    const targets = await planReads(consumer, options, timeoutMs);
    consumer.assign(targets.map((t) => ({ topic: options.dlqTopic, partition: t.partition, offset: t.start })));
    consumer.setDefaultConsumeTimeout(200);
    const messages = await readUntil(consumer, targets, deadline);
    const redriven: RedrivenMessage[] = [];
    const skipped: Array<{ partition: number; offset: number; reason: string }> = [];
    const deliveries: Array<Promise<void>> = [];
    const wanted = options.selection ? new Set(options.selection.map((s) => `${s.partition}/${s.offset}`)) : undefined;
    for (const m of messages) {
      if (wanted && !wanted.has(`${m.partition}/${m.offset}`)) continue;
      let envelope;
      try {
        envelope = parseEnvelope(m.value);
      } catch (error) {
        skipped.push({
          partition: m.partition,
          offset: m.offset,
          reason: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      const headers: Headers = [
        ...((m.headers as Headers | undefined) ?? []).filter((h) => !Object.keys(h).some(isDeadLetterHeader)),
        ...provenanceHeaders({ topic: options.dlqTopic, partition: m.partition, offset: m.offset }, new Date()),
      ];
      deliveries.push(
        produce(
          producer,
          envelope.original_topic,
          payloadOf(envelope),
          (m.key as Buffer | null | undefined) ?? null,
          headers,
        ).then((report) => {
          redriven.push({
            dlqPartition: m.partition,
            dlqOffset: m.offset,
            topic: envelope.original_topic,
            partition: report.partition,
            offset: report.offset,
          });
        }),
      );
    }
    await Promise.all(deliveries);
    if (!options.selection) {
      const progress = targets
        .filter((t) => t.end > t.startResolved)
        .map((t) => ({ topic: options.dlqTopic, partition: t.partition, offset: t.end }));
      if (progress.length) consumer.commitSync(progress);
    }
    logger.info(
      `re-drove ${redriven.length} message(s) from ${options.dlqTopic}${skipped.length ? `, skipped ${skipped.length}` : ''}`,
    );
    redriven.sort((a, b) => a.dlqPartition - b.dlqPartition || a.dlqOffset - b.dlqOffset);
    return { redriven, skipped };
  } finally {
    await Promise.all([disconnect(consumer), closeProducer(producer, 5000)]);
  }
}

interface ReadTarget {
  readonly partition: number;
  /** What to assign: an offset, or OFFSET_STORED for the group's committed position. */
  readonly start: number;
  /** The resolved first offset to read. */
  readonly startResolved: number;
  /** Read up to (excluding) this offset: the high watermark when the re-drive began. */
  readonly end: number;
}

async function planReads(consumer: KafkaConsumer, options: RedriveOptions, timeoutMs: number): Promise<ReadTarget[]> {
  const metadata = await new Promise<{ topics: Array<{ name: string; partitions: Array<{ id: number }> }> }>(
    (resolve, reject) =>
      consumer.getMetadata({ topic: options.dlqTopic, timeout: timeoutMs }, (err, data) =>
        err ? reject(err) : resolve(data),
      ),
  );
  const topic = metadata.topics.find((t) => t.name === options.dlqTopic);
  if (!topic || topic.partitions.length === 0)
    throw new Error(`The dead-letter topic ${options.dlqTopic} does not exist: there is nothing to re-drive.`);
  const partitions = topic.partitions.map((p) => p.id);
  const watermarks = await Promise.all(
    partitions.map((p) => queryWatermarks(consumer, options.dlqTopic, p, timeoutMs)),
  );
  if (options.selection) {
    const byPartition = new Map<number, number[]>();
    for (const s of options.selection)
      byPartition.set(s.partition, [...(byPartition.get(s.partition) ?? []), s.offset]);
    return [...byPartition].map(([partition, offsets]) => {
      const min = Math.min(...offsets);
      return { partition, start: min, startResolved: min, end: Math.max(...offsets) + 1 };
    });
  }
  const committed = await new Promise<Array<{ partition: number; offset?: number }>>((resolve, reject) =>
    consumer.committed(
      partitions.map((partition) => ({ topic: options.dlqTopic, partition })),
      timeoutMs,
      (err, offsets) => (err ? reject(err) : resolve(offsets)),
    ),
  );
  return partitions.map((partition, i) => {
    const stored = committed.find((c) => c.partition === partition)?.offset;
    const startResolved = stored !== undefined && stored >= 0 ? stored : watermarks[i].low;
    return {
      partition,
      start: stored !== undefined && stored >= 0 ? OFFSET_STORED : watermarks[i].low,
      startResolved,
      end: watermarks[i].high,
    };
  });
}

async function readUntil(consumer: KafkaConsumer, targets: ReadTarget[], deadline: number): Promise<Message[]> {
  const remaining = new Map(targets.filter((t) => t.end > t.startResolved).map((t) => [t.partition, t.end]));
  const out: Message[] = [];
  while (remaining.size > 0) {
    if (Date.now() > deadline)
      throw new Error(
        `Re-drive timed out reading the dead-letter topic (partitions ${[...remaining.keys()].join(', ')} not read to their end). Nothing was committed; run it again.`,
      );
    const batch = await new Promise<Message[]>((resolve, reject) =>
      consumer.consume(500, (err, messages) => (err ? reject(err) : resolve(messages))),
    );
    for (const m of batch) {
      const end = remaining.get(m.partition);
      if (end === undefined || m.offset >= end) continue;
      out.push(m);
      if (m.offset + 1 >= end) remaining.delete(m.partition);
    }
  }
  return out;
}

function queryWatermarks(
  consumer: KafkaConsumer,
  topic: string,
  partition: number,
  timeoutMs: number,
): Promise<{ low: number; high: number }> {
  return new Promise((resolve, reject) =>
    (
      consumer as unknown as {
        queryWatermarkOffsets(
          t: string,
          p: number,
          ms: number,
          cb: (err: Error | null, w: { lowOffset: number; highOffset: number }) => void,
        ): void;
      }
    ).queryWatermarkOffsets(topic, partition, timeoutMs, (err, w) =>
      err ? reject(err) : resolve({ low: w.lowOffset, high: w.highOffset }),
    ),
  );
}

function produce(
  producer: Producer,
  topic: string,
  value: Buffer | null,
  key: Buffer | null,
  headers: Headers,
): Promise<{ partition: number; offset: number }> {
  return new Promise((resolve, reject) => {
    const opaque = { resolve, reject };
    try {
      producer.produce(topic, null, value, key ?? undefined, Date.now(), opaque, headers as never);
    } catch (error) {
      reject(error);
    }
  });
}

function connect(client: KafkaConsumer | Producer, timeoutMs: number): Promise<void> {
  if (client instanceof loadNativeClient().Producer) {
    (client as Producer).on('delivery-report', (err, report) => {
      const opaque = report.opaque as
        { resolve(r: { partition: number; offset: number }): void; reject(e: Error): void } | undefined;
      if (!opaque) return;
      if (err) opaque.reject(new Error(`re-driving to ${report.topic} failed: ${err.message}`));
      else opaque.resolve({ partition: report.partition, offset: report.offset });
    });
  }
  return new Promise((resolve, reject) =>
    client.connect({ timeout: timeoutMs }, (err) =>
      err ? reject(new Error(`could not connect for re-drive: ${err.message}`)) : resolve(),
    ),
  );
}

function disconnect(client: KafkaConsumer): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    client.disconnect(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
