import { strict as assert } from 'node:assert';
import {
  DLQ_HEADERS,
  type FailedMessage,
  buildEnvelope,
  deadLetterHeaders,
  originalHeaders,
  parseEnvelope,
  payloadOf,
} from '../../../../src/core/dlq/envelope';
import { HandlerFailure } from '../../../../src/core/handler/handlerErrors';
import { RetriableError } from '../../../../src/core/errors';

const message: FailedMessage = {
  topic: 'orders',
  partition: 2,
  offset: 41,
  timestamp: 1_700_000_000_000,
  key: Buffer.from('order-7'),
  value: Buffer.from('{"id":7}'),
  headers: [{ 'content-type': 'application/json' }, { [DLQ_HEADERS.errorType]: 'Old' }],
};

describe('dead-letter envelope', () => {
  it("carries the guide's fields, the retry count and a UTF-8 payload", () => {
    const envelope = buildEnvelope(message, new RetriableError('db down'), 3, new Date('2026-11-29T01:02:03.004Z'));
    assert.deepEqual(envelope, {
      original_topic: 'orders',
      original_partition: 2,
      original_offset: 41,
      original_timestamp: 1_700_000_000_000,
      error_type: 'RetriableError',
      error_message: 'db down',
      failed_at: '2026-11-29T01:02:03.004Z',
      retry_count: 3,
      payload: '{"id":7}',
      payload_encoding: 'utf8',
    });
    assert.deepEqual(parseEnvelope(Buffer.from(JSON.stringify(envelope))), envelope);
    assert.deepEqual(payloadOf(envelope), message.value);
  });

  it('keeps bytes that are not UTF-8 exactly, as base64', () => {
    const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]);
    const envelope = buildEnvelope({ ...message, value: bytes }, new SyntaxError('Unexpected token'), 1);
    assert.equal(envelope.payload_encoding, 'base64');
    assert.equal(envelope.error_type, 'SyntaxError');
    assert.deepEqual(payloadOf(envelope), bytes);
  });

  it('represents a tombstone as null', () => {
    const envelope = buildEnvelope({ ...message, value: null }, 'a string was thrown', 0);
    assert.equal(envelope.payload, null);
    assert.equal(envelope.payload_encoding, 'null');
    assert.equal(envelope.error_type, 'string');
    assert.equal(payloadOf(envelope), null);
  });

  it('keeps the original headers, replaces earlier DLQ headers, and adds this failure', () => {
    const envelope = buildEnvelope(message, new Error('boom'), 2);
    const headers = deadLetterHeaders(message, envelope);
    assert.deepEqual(headers[0], { 'content-type': 'application/json' });
    const flat = Object.assign({}, ...headers) as Record<string, string>;
    assert.equal(flat[DLQ_HEADERS.errorType], 'Error');
    assert.equal(flat[DLQ_HEADERS.originalOffset], '41');
    assert.equal(flat[DLQ_HEADERS.retryCount], '2');
    assert.equal(headers.filter((h) => DLQ_HEADERS.errorType in h).length, 1);
    assert.deepEqual(originalHeaders(headers), [{ 'content-type': 'application/json' }]);
  });

  it("records a handler process's error as its own class, and its stack in a bounded header", () => {
    const failure = new HandlerFailure({
      type: 'OrderRejected',
      message: 'no customer',
      stack: `OrderRejected: no customer\n    at handle (/w/src/handleOrder.ts:12:11)\n${'x'.repeat(20_000)}`,
    });
    const envelope = buildEnvelope(message, failure, 1);
    assert.equal(envelope.error_type, 'OrderRejected');
    assert.equal(envelope.error_message, 'no customer');
    const flat = Object.assign({}, ...deadLetterHeaders(message, envelope, failure)) as Record<string, string>;
    assert.match(flat[DLQ_HEADERS.errorStack], /handleOrder\.ts:12:11/);
    assert.equal(flat[DLQ_HEADERS.errorStack].length, 8192);
    assert.equal(
      DLQ_HEADERS.errorStack in Object.assign({}, ...deadLetterHeaders(message, envelope, 'a string')),
      false,
    );
  });

  it('refuses JSON that is not an envelope', () => {
    assert.throws(() => parseEnvelope(Buffer.from('{"a":1}')), /not a Kafka Consumer Lab dead-letter envelope/);
    assert.throws(() => parseEnvelope(null), /no value/);
  });
});
