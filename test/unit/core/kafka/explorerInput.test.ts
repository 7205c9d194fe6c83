import { strict as assert } from 'node:assert';
import type { ResetRow } from '../../../../src/core/kafka/offsetReset';
import {
  parseResetTarget,
  parseTimestamp,
  previewRow,
  previewSummary,
  previewTable,
} from '../../../../src/core/kafka/resetInput';
import {
  parseNewPartitionTotal,
  parsePartitionCount,
  parseReplicationFactor,
  parseTopicConfigs,
  topicNameProblem,
} from '../../../../src/core/kafka/topicInput';

const row = (partition: number, current: number | null, next: number): ResetRow => ({
  topic: 'orders',
  partition,
  current,
  next,
  delta: current === null ? null : next - current,
  low: 0,
  high: 10,
});

describe('explorer input: topics', () => {
  it('accepts the names Kafka accepts and says why others are refused', () => {
    assert.equal(topicNameProblem('orders.v1_dlq-2'), undefined);
    assert.match(String(topicNameProblem('')), /Enter a topic name/);
    assert.match(String(topicNameProblem('.')), /cannot be "\." or "\.\."/);
    assert.match(String(topicNameProblem('orders v1')), /only letters, digits.*not " "/);
    assert.match(String(topicNameProblem('a/b*c')), /not "\/", "\*"/);
    assert.match(String(topicNameProblem('x'.repeat(250))), /at most 249 characters \(this one has 250\)/);
    assert.equal(topicNameProblem('x'.repeat(249)), undefined);
  });

  it('parses partition counts and replication factors as whole numbers in range', () => {
    assert.deepEqual(parsePartitionCount(' 3 '), { ok: true, value: 3 });
    assert.match((parsePartitionCount('0') as { message: string }).message, /at least 1/);
    assert.match((parsePartitionCount('1.5') as { message: string }).message, /whole number/);
    assert.match((parsePartitionCount('-2') as { message: string }).message, /whole number/);
    assert.match((parsePartitionCount('100000') as { message: string }).message, /at most 10000/);
    assert.deepEqual(parseReplicationFactor('1'), { ok: true, value: 1 });
    assert.equal(parseReplicationFactor('').ok, false);
  });

  it('only raises the partition count, and says so', () => {
    assert.deepEqual(parseNewPartitionTotal('5', 3), { ok: true, value: 5 });
    assert.match(
      (parseNewPartitionTotal('3', 3) as { message: string }).message,
      /has 3 partitions; enter a larger total \(Kafka cannot remove partitions\)/,
    );
    assert.match((parseNewPartitionTotal('1', 1) as { message: string }).message, /has 1 partition;/);
    assert.match((parseNewPartitionTotal('x', 3) as { message: string }).message, /whole number of at least 4/);
  });

  it('parses key=value configs separated by spaces, new lines or semicolons, keeping list values', () => {
    assert.deepEqual(parseTopicConfigs(''), { ok: true, value: {} });
    assert.deepEqual(parseTopicConfigs('retention.ms=86400000 cleanup.policy=compact,delete'), {
      ok: true,
      value: { 'retention.ms': '86400000', 'cleanup.policy': 'compact,delete' },
    });
    assert.deepEqual(parseTopicConfigs('retention.ms=1000, min.insync.replicas=1;\nsegment.bytes=1048576'), {
      ok: true,
      value: { 'retention.ms': '1000', 'min.insync.replicas': '1', 'segment.bytes': '1048576' },
    });
    assert.match((parseTopicConfigs('retention.ms') as { message: string }).message, /not a key=value pair/);
    assert.match((parseTopicConfigs('retention.ms=') as { message: string }).message, /has no value/);
    assert.match((parseTopicConfigs('Retention=1') as { message: string }).message, /not a topic config name/);
    assert.match((parseTopicConfigs('a.b=1 a.b=2') as { message: string }).message, /given twice/);
  });
});

describe('explorer input: offset reset', () => {
  it('reads timestamps as ISO 8601 or epoch milliseconds', () => {
    assert.deepEqual(parseTimestamp('1738332000000'), { ok: true, value: 1738332000000 });
    assert.deepEqual(parseTimestamp('2025-01-31T14:00:00Z'), { ok: true, value: Date.UTC(2025, 0, 31, 14) });
    assert.deepEqual(parseTimestamp('2025-01-31T14:00:00.250+01:00'), {
      ok: true,
      value: Date.UTC(2025, 0, 31, 13, 0, 0, 250),
    });
    assert.deepEqual(parseTimestamp('2025-01-31'), { ok: true, value: Date.UTC(2025, 0, 31) });
    assert.deepEqual(
      parseTimestamp('2025-01-31 14:00'),
      { ok: true, value: new Date(2025, 0, 31, 14).getTime() },
      'no zone: local time',
    );
    assert.match((parseTimestamp('yesterday') as { message: string }).message, /ISO 8601.*epoch milliseconds/);
    assert.match((parseTimestamp('2025-13-45T99:00:00Z') as { message: string }).message, /not a valid date/);
  });

  it('turns each kind of target into the core ResetTarget, with a message for bad input', () => {
    assert.deepEqual(parseResetTarget('earliest'), { ok: true, value: 'earliest' });
    assert.deepEqual(parseResetTarget('latest', 'ignored'), { ok: true, value: 'latest' });
    assert.deepEqual(parseResetTarget('offset', ' 42 '), { ok: true, value: { offset: 42 } });
    assert.deepEqual(parseResetTarget('shiftBy', '-100'), { ok: true, value: { shiftBy: -100 } });
    assert.deepEqual(parseResetTarget('shiftBy', '+5'), { ok: true, value: { shiftBy: 5 } });
    assert.deepEqual(parseResetTarget('timestamp', '0'), { ok: true, value: { timestamp: 0 } });
    assert.match((parseResetTarget('offset', '-1') as { message: string }).message, /0 or more/);
    assert.match((parseResetTarget('shiftBy', '0') as { message: string }).message, /changes nothing/);
    assert.match((parseResetTarget('shiftBy', 'ten') as { message: string }).message, /whole number of messages/);
  });

  it('previews each partition with current, new and delta, "none" where nothing was committed', () => {
    assert.deepEqual(previewRow(row(0, 4, 0)), { label: 'orders [0]', detail: 'current 4 → new 0 · delta −4' });
    assert.deepEqual(previewRow(row(1, null, 10)), {
      label: 'orders [1]',
      detail: 'current none → new 10 · delta none',
    });
    assert.deepEqual(previewRow(row(2, 3, 5)), { label: 'orders [2]', detail: 'current 3 → new 5 · delta +2' });
    assert.equal(
      previewTable([row(0, 4, 0), row(1, null, 10), row(10, 10, 10)]),
      [
        'topic   partition  current  new  delta',
        '------  ---------  -------  ---  -----',
        'orders          0        4    0     −4',
        'orders          1     none   10   none',
        'orders         10       10   10      0',
      ].join('\n'),
    );
    assert.equal(
      previewSummary([row(0, 4, 0), row(1, null, 10), row(2, 10, 10)]),
      '3 partitions · 2 to move · 4 message(s) to re-read · 1 without a committed offset',
    );
    assert.equal(previewSummary([row(0, 4, 6)]), '1 partition · 1 to move · 2 message(s) skipped');
  });
});
