import { randomUUID } from 'node:crypto';
import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { KafkaClientError } from '../errors';
import { type ClusterConnection, toLibrdkafkaConfig } from './connection';
import { loadNativeClient } from './nativeClient';
import type { KafkaRecord } from './record';

/**
 * Reads one record by its offset, the way browsing must: by assignment, never subscribing, so no
 * group is joined and nothing is committed (auto-commit and the offset store are off; the group id
 * is a throwaway that never reaches the broker as a member). Bounded: connect, fetch and close
 * each have a time limit, and a record that is gone (retention, compaction) is a typed error.
 */
export async function fetchRecord(
  connection: ClusterConnection,
  topic: string,
  partition: number,
  offset: number,
  timeoutMs = 10_000,
): Promise<KafkaRecord> {
  const kafka = loadNativeClient();
  const consumer: KafkaConsumer = new kafka.KafkaConsumer(
    {
      ...toLibrdkafkaConfig({ ...connection, clientId: connection.clientId ?? 'kafka-consumer-lab-fetch' }),
      'group.id': `kafka-lab-fetch-${randomUUID()}`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'enable.partition.eof': false,
    } as never,
    { 'auto.offset.reset': 'error' },
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: timeoutMs }, (err) =>
      err
        ? reject(
            new KafkaClientError('brokerUnreachable', `cannot read ${topic}[${partition}]@${offset}: ${err.message}`, {
              cause: err,
            }),
          )
        : resolve(),
    ),
  );
  try {
    const { lowOffset, highOffset } = await new Promise<{ lowOffset: number; highOffset: number }>((resolve, reject) =>
      consumer.queryWatermarkOffsets(topic, partition, timeoutMs, (err, offsets) =>
        err ? reject(err) : resolve(offsets),
      ),
    );
    if (offset < lowOffset || offset >= highOffset)
      throw new KafkaClientError(
        'invalidRequest',
        `${topic}[${partition}] holds offsets ${lowOffset} to ${highOffset - 1}; ${offset} is not among them`,
      );
    consumer.assign([{ topic, partition, offset }]);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const batch = await new Promise<Message[]>((resolve, reject) =>
        consumer.consume(1, (err, messages) => (err ? reject(err) : resolve(messages ?? []))),
      );
      const found = batch.find((m) => m.topic === topic && m.partition === partition);
      if (found) {
        if (found.offset !== offset)
          throw new KafkaClientError(
            'invalidRequest',
            `${topic}[${partition}] has no record at offset ${offset} any more (the next one is ${found.offset}: compacted or removed by retention)`,
          );
        return {
          topic: found.topic,
          partition: found.partition,
          offset: found.offset,
          ...(found.timestamp !== undefined ? { timestamp: found.timestamp } : {}),
          key: (found.key as Buffer | null | undefined) ?? null,
          value: found.value ?? null,
          ...(found.headers ? { headers: found.headers as KafkaRecord['headers'] } : {}),
        };
      }
      if (Date.now() > deadline)
        throw new KafkaClientError(
          'timeout',
          `no record arrived from ${topic}[${partition}]@${offset} within ${timeoutMs} ms; the offset may be past the end`,
        );
    }
  } catch (error) {
    if (error instanceof KafkaClientError) throw error;
    throw new KafkaClientError(
      'unknown',
      `reading ${topic}[${partition}]@${offset} failed: ${(error as Error).message ?? String(error)}`,
      { cause: error },
    );
  } finally {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      consumer.disconnect(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
