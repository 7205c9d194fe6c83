import { strict as assert } from 'node:assert';
import { findDeadLetter } from '../../../src/core/dlq/deadLetterLookup';
import { DeadLetterWriter } from '../../../src/core/dlq/deadLetterWriter';
import { detectDeadLetter } from '../../../src/core/dlq/detect';
import { RedriveError } from '../../../src/core/dlq/redriveErrors';
import { deleteTopicsQuietly } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';
import { createVisibleTopic } from './support';

const connection = { bootstrapServers: services.kafka.plaintext };

/**
 * Finding the dead-letter record a session wrote for a message (the session panel's Re-drive), on
 * the real broker: by time, then by the original topic, partition and offset its envelope names.
 */
describe('finding a message’s dead-letter record by its original position (real broker)', function () {
  this.timeout(120_000);
  const source = uniqueName('it-dlq-lookup-src');
  const dlq = uniqueName('it-dlq-lookup-dlq');
  let since = 0;

  before(async () => {
    await createVisibleTopic(dlq, 3);
    since = Date.now();
    const writer = new DeadLetterWriter({ connection });
    try {
      // Offset 10 of partition 1 dead-lettered twice (the last one wins), 11 once, on several DLQ partitions.
      for (const [offset, attempt] of [
        [10, 1],
        [11, 1],
        [10, 2],
      ] as const)
        await writer.write(
          dlq,
          {
            topic: source,
            partition: 1,
            offset,
            key: Buffer.from(`k-${offset}`),
            value: Buffer.from(JSON.stringify({ offset, attempt })),
          },
          new Error(`attempt ${attempt} of ${offset} failed`),
          attempt,
        );
    } finally {
      await writer.close();
    }
  });

  after(async () => {
    await deleteTopicsQuietly(dlq);
  });

  it('finds the last dead letter of the message, and nothing for a message that has none', async () => {
    const found = await findDeadLetter({
      connection,
      dlqTopic: dlq,
      original: { topic: source, partition: 1, offset: 10 },
      since,
    });
    assert.ok(found, 'found');
    const info = detectDeadLetter(found);
    assert.equal(info?.originalTopic, source);
    assert.equal(info?.originalOffset, '10');
    assert.match(info?.errorMessage ?? '', /attempt 2 of 10/);

    const other = await findDeadLetter({
      connection,
      dlqTopic: dlq,
      original: { topic: source, partition: 1, offset: 11 },
      since,
    });
    assert.match(detectDeadLetter(other!)?.errorMessage ?? '', /attempt 1 of 11/);

    for (const original of [
      { topic: source, partition: 1, offset: 12 },
      { topic: source, partition: 0, offset: 10 },
      { topic: `${source}-other`, partition: 1, offset: 10 },
    ])
      assert.equal(
        await findDeadLetter({ connection, dlqTopic: dlq, original, since }),
        undefined,
        JSON.stringify(original),
      );
    // Written before the time asked about (more than the minute of slack): not looked at.
    assert.equal(
      await findDeadLetter({
        connection,
        dlqTopic: dlq,
        original: { topic: source, partition: 1, offset: 10 },
        since: Date.now() + 10 * 60_000,
      }),
      undefined,
    );
  });

  it('says so when the dead-letter topic does not exist', async () => {
    await assert.rejects(
      findDeadLetter({
        connection,
        dlqTopic: `${dlq}-missing`,
        original: { topic: source, partition: 1, offset: 10 },
        since,
        timeoutMs: 20_000,
      }),
      (error: unknown) =>
        error instanceof RedriveError && error.reason === 'readFailed' && /does not exist/.test(error.message),
    );
  });
});
