// Producing to and consuming from the real broker for the codec tests.
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { kafkaClient } from '../../../support/kafka';
import { uniqueName, waitFor } from '../../../support/services';

export interface TestRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The "case" header, naming what the record is for. */
  readonly label: string;
  readonly offset: number;
}

export async function produce(
  topic: string,
  records: { key?: Buffer | string | null; value: Buffer | null; label: string }[],
): Promise<void> {
  const producer = kafkaClient().producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: records.map((r) => ({ key: r.key ?? null, value: r.value, headers: { case: r.label } })),
    });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Reads `count` records from the start of a one-partition topic. `onRecord` runs inside the
 * consumer's eachMessage, in order, so a test can act mid-stream.
 */
export async function consume(
  topic: string,
  count: number,
  onRecord?: (record: TestRecord) => Promise<void>,
  timeoutMs = 30_000,
): Promise<TestRecord[]> {
  const consumer: KafkaJS.Consumer = kafkaClient().consumer({
    kafkaJS: { groupId: uniqueName('it-codec-group'), fromBeginning: true, autoCommit: false },
  });
  const received: TestRecord[] = [];
  let failure: unknown;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const header = message.headers?.case;
        const record: TestRecord = {
          key: message.key ?? null,
          value: message.value ?? null,
          label: header === undefined ? '' : Buffer.isBuffer(header) ? header.toString() : String(header),
          offset: Number(message.offset),
        };
        try {
          await onRecord?.(record);
        } catch (error) {
          failure ??= error;
        }
        received.push(record);
      },
    });
    await waitFor(`${count} records from ${topic}`, timeoutMs, () =>
      received.length >= count || failure ? true : undefined,
    );
  } finally {
    await consumer.disconnect();
  }
  if (failure) throw failure;
  return received;
}
