import { strict as assert } from 'node:assert';
import { DeadLetterIndex } from '../../../../src/core/dlq/deadLetterIndex';
import { DLQ_HEADERS } from '../../../../src/core/dlq/envelope';
import type { KafkaRecord } from '../../../../src/core/kafka/record';

const record = (errorType?: string): KafkaRecord => ({
  topic: 'orders.dead-letter',
  partition: 0,
  offset: 0,
  key: null,
  value: Buffer.from('x'),
  headers: errorType
    ? [{ [DLQ_HEADERS.originalTopic]: 'orders' }, { [DLQ_HEADERS.errorType]: errorType }]
    : [{ trace: 'no dead letter' }],
});

describe('the dead letters of a viewer buffer', () => {
  it('counts by error type as records arrive, skips ordinary ones, and forgets what the ring dropped', () => {
    const index = new DeadLetterIndex();
    const types = ['A', 'B', undefined, 'A', 'C', 'A'];
    types.forEach((t, seq) => index.note(seq, record(t)));
    assert.deepEqual(index.snapshot(), {
      deadLetters: 5,
      byErrorType: [
        { errorType: 'A', count: 3 },
        { errorType: 'B', count: 1 },
        { errorType: 'C', count: 1 },
      ],
    });
    assert.equal(index.errorTypeOf(2), undefined);
    assert.equal(index.errorTypeOf(3), 'A');
    index.dropBelow(4); // seqs 0..3 left the ring
    assert.deepEqual(index.snapshot(), {
      deadLetters: 2,
      byErrorType: [
        { errorType: 'A', count: 1 },
        { errorType: 'C', count: 1 },
      ],
    });
    assert.equal(index.errorTypeOf(0), undefined);
    index.clear();
    assert.deepEqual(index.snapshot(), { deadLetters: 0, byErrorType: [] });
  });
});
