import { randomUUID } from 'node:crypto';
import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { type ClusterConnection, toLibrdkafkaConfig } from '../kafka/connection';
import { loadNativeClient } from '../kafka/nativeClient';
import type { KafkaRecord } from '../kafka/record';
import { detectDeadLetter } from './detect';
import { RedriveError } from './redriveErrors';

export interface FindDeadLetterOptions {
  readonly connection: ClusterConnection;
  readonly dlqTopic: string;
  /** The message that was dead-lettered, where it was consumed. */
  readonly original: { readonly topic: string; readonly partition: number; readonly offset: number };
  /** When it was dead-lettered (ms since the epoch): the search starts a minute before, by timestamp. */
  readonly since: number;
  /** The whole search must finish within this time. Default 30 s. */
  readonly timeoutMs?: number;
  /** Give up after looking at this many records. Default 500,000. */
  readonly maxScanned?: number;
}

/** How far before `since` the search starts: the broker's clock and ours may differ a little. */
const SLACK_MS = 60_000;

/**
 * The dead-letter record a session wrote for a message: read by assignment (never a group, never a
 * commit) from the records written since shortly before it was dead-lettered up to the end as it
 * was when the search began, matched by the original topic, partition and offset its envelope or
 * headers name. The last match wins (a message dead-lettered twice is re-driven from its last
 * record). Undefined when none is there (the topic was truncated or deleted meanwhile).
 */
export async function findDeadLetter(options: FindDeadLetterOptions): Promise<KafkaRecord | undefined> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxScanned = options.maxScanned ?? 500_000;
  const deadline = Date.now() + timeoutMs;
  const { dlqTopic, original } = options;
  const kafka = loadNativeClient();
  const consumer: KafkaConsumer = new kafka.KafkaConsumer(
    {
      ...toLibrdkafkaConfig({
        ...options.connection,
        clientId: options.connection.clientId ?? 'kafka-consumer-lab-dlq-lookup',
      }),
      // Assignment only: this id never joins, and nothing is committed under it.
      'group.id': `kafka-lab-dlq-lookup-${randomUUID()}`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'enable.partition.eof': true,
      'fetch.wait.max.ms': 100,
    } as never,
    { 'auto.offset.reset': 'earliest' },
  );
  const call = <T>(
    what: string,
    fn: (cb: (err: { message: string } | null | undefined, value: T) => void) => void,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) =>
      fn((err, value) =>
        err
          ? reject(
              new RedriveError('readFailed', `Could not ${what} of ${dlqTopic}: ${err.message}`, {
                cause: err,
              }),
            )
          : resolve(value),
      ),
    );
  await call<unknown>('connect to read', (cb) =>
    consumer.connect({ timeout: Math.min(timeoutMs, 15_000) }, (err, data) => cb(err, data)),
  );
  try {
    const metadata = await call<{ topics: Array<{ name: string; partitions: Array<{ id: number }> }> }>(
      'read the metadata',
      (cb) => consumer.getMetadata({ topic: dlqTopic, timeout: 10_000 }, cb),
    );
    const entry = metadata.topics.find((t) => t.name === dlqTopic);
    if (!entry || entry.partitions.length === 0)
      throw new RedriveError(
        'readFailed',
        `The dead-letter topic ${dlqTopic} does not exist any more, so the dead-lettered message cannot be read back.`,
      );
    const partitions = entry.partitions.map((p) => p.id);
    const highs = await Promise.all(
      partitions.map((partition) =>
        call<{ highOffset: number }>('read the watermarks', (cb) =>
          consumer.queryWatermarkOffsets(dlqTopic, partition, 10_000, cb),
        ).then((w) => ({ partition, high: w.highOffset })),
      ),
    );
    const starts = await call<Array<{ partition: number; offset: number }>>('find offsets by time', (cb) =>
      consumer.offsetsForTimes(
        partitions.map((partition) => ({ topic: dlqTopic, partition, offset: options.since - SLACK_MS })),
        10_000,
        cb,
      ),
    );
    const ends = new Map<number, number>();
    const assignment: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const { partition, high } of highs) {
      const start = starts.find((s) => s.partition === partition)?.offset ?? -1;
      // -1: no record at or after the time.
      if (start < 0 || start >= high) continue;
      ends.set(partition, high);
      assignment.push({ topic: dlqTopic, partition, offset: start });
    }
    if (assignment.length === 0) return undefined;
    const remaining = new Map(ends);
    consumer.on('partition.eof', (eof: { partition: number; offset: number }) => {
      const end = remaining.get(eof.partition);
      if (end !== undefined && eof.offset >= end) remaining.delete(eof.partition);
    });
    consumer.assign(assignment);
    consumer.setDefaultConsumeTimeout(200);
    let found: KafkaRecord | undefined;
    let scanned = 0;
    while (remaining.size > 0) {
      if (Date.now() > deadline)
        throw new RedriveError(
          'readFailed',
          `Looking for the dead letter of ${original.topic}[${original.partition}]@${original.offset} in ${dlqTopic} took longer than ${timeoutMs} ms (${scanned} records read). Open the dead-letter topic in the viewer and re-drive it from there.`,
        );
      if (scanned >= maxScanned)
        throw new RedriveError(
          'readFailed',
          `More than ${maxScanned} records were written to ${dlqTopic} since the message was dead-lettered; it was not looked for further. Open the dead-letter topic in the viewer and re-drive it from there.`,
        );
      const batch = await new Promise<Message[]>((resolve, reject) =>
        consumer.consume(500, (err, messages) => (err ? reject(err) : resolve(messages ?? []))),
      );
      for (const m of batch) {
        const end = ends.get(m.partition);
        if (end === undefined || m.offset >= end) continue;
        scanned++;
        if (m.offset + 1 >= end) remaining.delete(m.partition);
        const record: KafkaRecord = {
          topic: m.topic,
          partition: m.partition,
          offset: m.offset,
          ...(m.timestamp !== undefined ? { timestamp: m.timestamp } : {}),
          key: (m.key as Buffer | null | undefined) ?? null,
          value: m.value ?? null,
          ...(m.headers ? { headers: m.headers as KafkaRecord['headers'] } : {}),
        };
        const info = detectDeadLetter(record);
        if (
          info?.originalTopic === original.topic &&
          info.originalPartition === original.partition &&
          info.originalOffset === String(original.offset) &&
          (!found || (record.timestamp ?? 0) >= (found.timestamp ?? 0))
        )
          found = record;
      }
    }
    return found;
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
