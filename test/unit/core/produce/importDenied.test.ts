import { strict as assert } from 'node:assert';
import type { PayloadEncoder } from '../../../../src/core/codec/payloadEncoder';
import { importRecords } from '../../../../src/core/produce/fileImport';
import { ProduceError } from '../../../../src/core/produce/produceErrors';
import type { RecordProducer } from '../../../../src/core/produce/recordProducer';
import { writeDeniedMessage } from '../../../../src/core/kafka/topicAccess';

// The import's logic when the topic check says the user may not write (the real broker case is in
// test/integration/produce/authorization.acl.ts, npm run test:acl): nothing is handed to the
// producer, and every record is accounted for.

function deniedProducer(): { producer: RecordProducer; enqueued: number } {
  const state = { enqueued: 0 };
  const producer = {
    topic: () => Promise.reject(new ProduceError('notAuthorized', writeDeniedMessage(29, 'orders', 'alice'), 29)),
    enqueue: () => {
      state.enqueued++;
      return Promise.resolve();
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  } as unknown as RecordProducer;
  return {
    producer,
    get enqueued() {
      return state.enqueued;
    },
  };
}

const noEncoder = {} as PayloadEncoder;

async function* text(s: string): AsyncGenerator<string> {
  yield s;
}

describe('produce from file into a topic the user may not write', () => {
  it('lists every record as not sent with the reason, a broken record by its own reason, and hands nothing to the producer', async () => {
    const fake = deniedProducer();
    const summary = await importRecords(
      text('{"value": 1}\n{"value": 2\n{"value": 3}\n'),
      { topic: 'orders', format: 'ndjson', onBadRecord: 'skip' },
      { producer: fake.producer, encoder: noEncoder },
    );
    assert.equal(fake.enqueued, 0);
    assert.equal(summary.read, 3);
    assert.equal(summary.sent, 0);
    assert.deepEqual(summary.sentRanges, []);
    assert.equal(summary.failed, 3);
    assert.deepEqual(
      summary.failures.map((f) => [f.index, f.line, f.stage, f.reason]),
      [
        [0, 1, 'deliver', 'notAuthorized'],
        [1, 2, 'parse', 'invalidJson'],
        [2, 3, 'deliver', 'notAuthorized'],
      ],
    );
    assert.match(summary.failures[0]!.message, /TOPIC_AUTHORIZATION_FAILED\): user "alice"/);
    assert.equal(summary.outcome, 'completeWithErrors');
  });

  it('a dry run says the same: nothing would go', async () => {
    const fake = deniedProducer();
    const summary = await importRecords(
      text('[{"value": 1}, {"value": 2}]'),
      { topic: 'orders', format: 'jsonArray', onBadRecord: 'skip', dryRun: true },
      { producer: fake.producer, encoder: noEncoder },
    );
    assert.equal(summary.sent, 0);
    assert.equal(summary.failed, 2);
    assert.ok(summary.failures.every((f) => f.reason === 'notAuthorized'));
  });

  it('any other topic error still fails the import at once (one error, not one per record)', async () => {
    const producer = {
      topic: () => Promise.reject(new ProduceError('topicNotFound', 'Topic "orders" does not exist.')),
    } as unknown as RecordProducer;
    await assert.rejects(
      importRecords(
        text('{"value": 1}'),
        { topic: 'orders', format: 'ndjson', onBadRecord: 'skip' },
        { producer, encoder: noEncoder },
      ),
      (error: unknown) => error instanceof ProduceError && error.reason === 'topicNotFound',
    );
  });
});
