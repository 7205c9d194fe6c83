import { randomUUID } from 'node:crypto';
import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { type ClusterConnection, toLibrdkafkaConfig } from '../kafka/connection';
import { loadNativeClient } from '../kafka/nativeClient';
import type { KafkaRecord } from '../kafka/record';
import { RedriveError } from './redriveErrors';

export interface ReadDeadLettersOptions {
  readonly connection: ClusterConnection;
  readonly topic: string;
  /** Stop after this many records (the rest are reported as not read). Default 1,000,000. */
  readonly maxRecords?: number;
  /** The whole read must finish within this time. Default 120 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (read: number, total: number) => void;
}

export interface DeadLetterRead {
  readonly records: KafkaRecord[];
  /** Records between the low and high watermarks when the read began. */
  readonly total: number;
  /** True when maxRecords stopped the read early. */
  readonly truncated: boolean;
}

/**
 * Reads a dead-letter topic from its low to its high watermark (as they were when the read began),
 * the way browsing must: by assignment, never joining a group, never committing.
 */
export async function readDeadLetters(options: ReadDeadLettersOptions): Promise<DeadLetterRead> {
  const maxRecords = options.maxRecords ?? 1_000_000;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const kafka = loadNativeClient();
  const consumer: KafkaConsumer = new kafka.KafkaConsumer(
    {
      ...toLibrdkafkaConfig({
        ...options.connection,
        clientId: options.connection.clientId ?? 'kafka-consumer-lab-dlq-read',
      }),
      'group.id': `kafka-lab-dlq-read-${randomUUID()}`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      // An end that is not a record (a compacted gap, a transaction marker) is still seen as the end.
      'enable.partition.eof': true,
      // librdkafka's default waits 1 s before refetching a partition whose queue is full, which alone
      // would cap the read at a fraction of its speed.
      'fetch.queue.backoff.ms': 10,
      'fetch.wait.max.ms': 100,
      'queued.max.messages.kbytes': 16_384,
    } as never,
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: Math.min(timeoutMs, 15_000) }, (err) =>
      err
        ? reject(
            new RedriveError('readFailed', `Could not connect to read ${options.topic}: ${err.message}`, {
              cause: err,
            }),
          )
        : resolve(),
    ),
  );
  try {
    const metadata = await new Promise<{ topics: Array<{ name: string; partitions: Array<{ id: number }> }> }>(
      (resolve, reject) =>
        consumer.getMetadata({ topic: options.topic, timeout: 10_000 }, (err, data) =>
          err ? reject(err) : resolve(data),
        ),
    );
    const entry = metadata.topics.find((t) => t.name === options.topic);
    if (!entry || entry.partitions.length === 0)
      throw new RedriveError('readFailed', `The topic ${options.topic} does not exist; there is nothing to re-drive.`);
    const ranges = await Promise.all(
      entry.partitions.map(
        (p) =>
          new Promise<{ partition: number; low: number; high: number }>((resolve, reject) =>
            consumer.queryWatermarkOffsets(options.topic, p.id, 10_000, (err, w) =>
              err ? reject(err) : resolve({ partition: p.id, low: w.lowOffset, high: w.highOffset }),
            ),
          ),
      ),
    );
    const open = ranges.filter((r) => r.high > r.low);
    const total = open.reduce((n, r) => n + (r.high - r.low), 0);
    const ends = new Map(open.map((r) => [r.partition, r.high]));
    /** Partitions not read to their end yet (an end-of-partition event may come before the batch that reaches it). */
    const remaining = new Map(ends);
    const records: KafkaRecord[] = [];
    if (open.length === 0) return { records, total: 0, truncated: false };
    consumer.on('partition.eof', (eof: { partition: number; offset: number }) => {
      const end = remaining.get(eof.partition);
      if (end !== undefined && eof.offset >= end) remaining.delete(eof.partition);
    });
    consumer.assign(open.map((r) => ({ topic: options.topic, partition: r.partition, offset: r.low })));
    consumer.setDefaultConsumeTimeout(200);
    while (remaining.size > 0 && records.length < maxRecords) {
      if (options.signal?.aborted) throw new RedriveError('readFailed', `Reading ${options.topic} was cancelled.`);
      if (Date.now() > deadline)
        throw new RedriveError(
          'readFailed',
          `Reading ${options.topic} did not reach the end of partition(s) ${[...remaining.keys()].join(', ')} within ${timeoutMs} ms (${records.length} of ${total} read). Nothing was re-driven; try again or choose fewer records.`,
        );
      const batch = await new Promise<Message[]>((resolve, reject) =>
        consumer.consume(1000, (err, messages) => (err ? reject(err) : resolve(messages ?? []))),
      );
      for (const m of batch) {
        const end = ends.get(m.partition);
        if (end === undefined || m.offset >= end) continue;
        if (records.length >= maxRecords) break;
        records.push({
          topic: m.topic,
          partition: m.partition,
          offset: m.offset,
          ...(m.timestamp !== undefined ? { timestamp: m.timestamp } : {}),
          key: (m.key as Buffer | null | undefined) ?? null,
          value: m.value ?? null,
          ...(m.headers ? { headers: m.headers as KafkaRecord['headers'] } : {}),
        });
        if (m.offset + 1 >= end) remaining.delete(m.partition);
      }
      options.onProgress?.(records.length, total);
    }
    return { records, total, truncated: remaining.size > 0 };
  } finally {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      consumer.disconnect(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
