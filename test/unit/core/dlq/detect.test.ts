import { strict as assert } from 'node:assert';
import { ORIGINAL_TOPIC_HEADER, SPRING_DLT_HEADERS, detectDeadLetter } from '../../../../src/core/dlq/detect';
import { DLQ_HEADERS, buildEnvelope, deadLetterHeaders } from '../../../../src/core/dlq/envelope';
import { countByErrorType, matchesErrorTypes, UNKNOWN_ERROR_TYPE } from '../../../../src/core/dlq/errorTypes';
import { REDRIVE_HEADERS, originalMessageOf } from '../../../../src/core/dlq/provenance';
import type { KafkaRecord } from '../../../../src/core/kafka/record';

class PoisonOrder extends Error {}

const failed: KafkaRecord = {
  topic: 'orders',
  partition: 2,
  offset: 41,
  timestamp: 1_700_000_000_000,
  key: Buffer.from('order-7'),
  value: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
  headers: [{ trace: Buffer.from('abc') }],
};

function ourDeadLetter(): KafkaRecord {
  const error = new PoisonOrder('no customer');
  const envelope = buildEnvelope(failed, error, 3, new Date('2026-11-29T01:02:03.004Z'));
  return {
    topic: 'orders.dead-letter',
    partition: 0,
    offset: 5,
    timestamp: 1_800_000_000_000,
    key: failed.key,
    value: Buffer.from(JSON.stringify(envelope)),
    headers: deadLetterHeaders(failed, envelope, error),
  };
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};

function springDeadLetter(): KafkaRecord {
  return {
    topic: 'orders-dlt',
    partition: 0,
    offset: 9,
    timestamp: Date.parse('2026-01-02T03:04:05.678Z'),
    key: Buffer.from('k'),
    value: Buffer.from('{"id":7}'),
    headers: [
      { 'content-type': Buffer.from('application/json') },
      { [SPRING_DLT_HEADERS.originalTopic]: Buffer.from('orders') },
      { [SPRING_DLT_HEADERS.originalPartition]: int32(2) },
      { [SPRING_DLT_HEADERS.originalOffset]: int64(9_007_199_254_740_993n) },
      {
        [SPRING_DLT_HEADERS.exceptionFqcn]: Buffer.from(
          'org.springframework.kafka.listener.ListenerExecutionFailedException',
        ),
      },
      { [SPRING_DLT_HEADERS.exceptionCauseFqcn]: Buffer.from('com.example.PoisonOrder') },
      { [SPRING_DLT_HEADERS.exceptionMessage]: Buffer.from('Listener failed; no customer') },
      { 'retry_topic-attempts': int32(4) },
    ],
  };
}

describe('recognising dead-letter records', () => {
  it('reads our envelope: original position, error type and full message, failed at, retry count', () => {
    assert.deepEqual(detectDeadLetter(ourDeadLetter()), {
      source: 'envelope',
      originalTopic: 'orders',
      originalPartition: 2,
      originalOffset: '41',
      errorType: 'PoisonOrder',
      errorMessage: 'no customer',
      failedAt: '2026-11-29T01:02:03.004Z',
      retryCount: 3,
    });
  });

  it('reads our headers when the value is not an envelope', () => {
    const record = { ...ourDeadLetter(), value: Buffer.from('not json') };
    const info = detectDeadLetter(record);
    assert.equal(info?.source, 'labHeaders');
    assert.equal(info?.originalTopic, 'orders');
    assert.equal(info?.originalPartition, 2);
    assert.equal(info?.originalOffset, '41');
    assert.equal(info?.errorType, 'PoisonOrder');
    assert.equal(info?.retryCount, 3);
  });

  it("reads Spring's kafka_dlt-* headers: binary numbers, exact 64-bit offsets, the cause's class", () => {
    assert.deepEqual(detectDeadLetter(springDeadLetter()), {
      source: 'spring',
      originalTopic: 'orders',
      originalPartition: 2,
      originalOffset: '9007199254740993',
      errorType: 'com.example.PoisonOrder',
      errorMessage: 'Listener failed; no customer',
      failedAt: '2026-01-02T03:04:05.678Z',
      retryCount: 4,
    });
  });

  it('reads x-original-topic alone, and leaves ordinary records alone', () => {
    const plain: KafkaRecord = { topic: 't', partition: 0, offset: 0, key: null, value: Buffer.from('{"a":1}') };
    assert.equal(detectDeadLetter(plain), undefined);
    assert.deepEqual(detectDeadLetter({ ...plain, headers: [{ [ORIGINAL_TOPIC_HEADER]: Buffer.from('orders') }] }), {
      source: 'originalTopicHeader',
      originalTopic: 'orders',
    });
  });

  it('treats hostile headers and values as no evidence, never as a crash or a wrong target', () => {
    const hostile: KafkaRecord = {
      topic: 'x',
      partition: 0,
      offset: 1,
      key: null,
      value: Buffer.from('{"original_topic": "../etc", "original_partition": -1, "original_offset": 1e400'),
      headers: [
        { [SPRING_DLT_HEADERS.originalTopic]: Buffer.from('bad topic name with spaces') },
        { [SPRING_DLT_HEADERS.originalPartition]: int32(-5) },
        { [SPRING_DLT_HEADERS.originalOffset]: Buffer.from([1, 2, 3]) },
        { [SPRING_DLT_HEADERS.exceptionMessage]: Buffer.from('m'.repeat(100_000)) },
      ],
    };
    const info = detectDeadLetter(hostile);
    assert.equal(info?.source, 'spring');
    assert.equal(info?.originalTopic, undefined);
    assert.equal(info?.originalPartition, undefined);
    assert.equal(info?.originalOffset, undefined);
    assert.ok((info?.errorMessage?.length ?? 0) <= 4097);
    const envelopeLike = {
      ...hostile,
      headers: [],
      value: Buffer.from(
        JSON.stringify({
          original_topic: 'o',
          original_partition: 1.5,
          original_offset: 0,
          payload_encoding: 'utf8',
          payload: 'x',
        }),
      ),
    };
    assert.equal(detectDeadLetter(envelopeLike), undefined, 'a fractional partition is not an envelope');
  });

  it('groups and filters by error type', () => {
    const infos = [
      detectDeadLetter(ourDeadLetter()),
      detectDeadLetter(springDeadLetter()),
      detectDeadLetter(ourDeadLetter()),
      undefined,
      { source: 'originalTopicHeader' as const, originalTopic: 'o' },
    ];
    assert.deepEqual(countByErrorType(infos), [
      { errorType: 'PoisonOrder', count: 2 },
      { errorType: UNKNOWN_ERROR_TYPE, count: 1 },
      { errorType: 'com.example.PoisonOrder', count: 1 },
    ]);
    assert.equal(matchesErrorTypes(infos[0], ['PoisonOrder']), true);
    assert.equal(matchesErrorTypes(infos[1], ['PoisonOrder']), false);
    assert.equal(matchesErrorTypes(undefined, [UNKNOWN_ERROR_TYPE]), false);
  });

  it('gives the original message back: the envelope payload, original headers without any dead-letter header', () => {
    const ours = originalMessageOf(ourDeadLetter());
    assert.deepEqual(ours.value, failed.value);
    assert.deepEqual(ours.key, failed.key);
    assert.deepEqual(ours.headers, [{ trace: Buffer.from('abc') }]);
    const spring = originalMessageOf({
      ...springDeadLetter(),
      headers: [
        ...(springDeadLetter().headers ?? []),
        { [REDRIVE_HEADERS.redrivenFrom]: 'a/0/1' },
        { [DLQ_HEADERS.errorType]: 'x' },
      ],
    });
    assert.equal(spring.value?.toString(), '{"id":7}');
    assert.deepEqual(
      spring.headers.map((h) => Object.keys(h)[0]),
      ['content-type', 'retry_topic-attempts'],
    );
  });
});
