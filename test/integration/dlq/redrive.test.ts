import { strict as assert } from 'node:assert';
import { DeadLetterWriter } from '../../../src/core/dlq/deadLetterWriter';
import { readDeadLetters } from '../../../src/core/dlq/deadLetterReader';
import { SPRING_DLT_HEADERS, detectDeadLetter } from '../../../src/core/dlq/detect';
import { countByErrorType, matchesErrorTypes } from '../../../src/core/dlq/errorTypes';
import { REDRIVE_HEADERS, type OriginalMessage, redrivenFrom } from '../../../src/core/dlq/provenance';
import { RdkafkaRedriveProducer } from '../../../src/core/dlq/redriveProducer';
import { type RedriveProducerPort, planRedrive, runRedrive } from '../../../src/core/dlq/redriveRun';
import type { KafkaRecord } from '../../../src/core/kafka/record';
import { deleteTopicsQuietly, kafkaClient, withAdmin } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';
import { createVisibleTopic } from './support';

const connection = { bootstrapServers: services.kafka.plaintext };

class PoisonOrder extends Error {}
class PriceMissing extends Error {}

async function highWatermarks(topic: string): Promise<number> {
  const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
  return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}

const header = (record: KafkaRecord, name: string): string | undefined => {
  const found = record.headers?.find((h) => name in h)?.[name];
  return found === undefined ? undefined : found.toString();
};

/** Writes `count` failed messages of `source` to `dlq` through the engine's real dead-letter writer. */
async function deadLetter(source: string, dlq: string, count: number, errorFor: (i: number) => Error): Promise<void> {
  const writer = new DeadLetterWriter({ connection });
  try {
    for (let i = 0; i < count; i++) {
      await writer.write(
        dlq,
        {
          topic: source,
          partition: i % 3,
          offset: 1000 + i,
          timestamp: 1_700_000_000_000 + i,
          key: Buffer.from(`order-${i}`),
          value: i % 10 === 9 ? Buffer.from([0xff, 0x00, i]) : Buffer.from(JSON.stringify({ orderId: i })),
          headers: [{ trace: `t-${i}` }],
        },
        errorFor(i),
        i % 4,
      );
    }
  } finally {
    await writer.close();
  }
}

describe('dead-letter topics against the real broker: detection and re-drive', function () {
  this.timeout(120_000);
  const topics: string[] = [];
  after(async () => {
    await deleteTopicsQuietly(...topics);
  });
  async function newTopic(prefix: string, partitions: number): Promise<string> {
    const topic = uniqueName(prefix);
    topics.push(topic);
    await createVisibleTopic(topic, partitions);
    return topic;
  }

  it('recognises our envelope and Spring-style headers in records read from the broker', async () => {
    const source = await newTopic('it-dlqd-src', 3);
    const dlq = await newTopic('it-dlqd-dlq', 1);
    await deadLetter(source, dlq, 2, () => new PoisonOrder('no customer'));
    const int32 = Buffer.alloc(4);
    int32.writeInt32BE(2);
    const int64 = Buffer.alloc(8);
    int64.writeBigInt64BE(9_007_199_254_740_993n);
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic: dlq,
      messages: [
        {
          key: 'spring-1',
          value: '{"orderId":"s1"}',
          headers: {
            [SPRING_DLT_HEADERS.originalTopic]: Buffer.from(source),
            [SPRING_DLT_HEADERS.originalPartition]: int32,
            [SPRING_DLT_HEADERS.originalOffset]: int64,
            [SPRING_DLT_HEADERS.exceptionFqcn]: Buffer.from(
              'org.springframework.kafka.listener.ListenerExecutionFailedException',
            ),
            [SPRING_DLT_HEADERS.exceptionCauseFqcn]: Buffer.from('com.example.PriceMissing'),
            [SPRING_DLT_HEADERS.exceptionMessage]: Buffer.from('price is missing'),
          },
        },
        { key: 'plain', value: 'an ordinary record' },
      ],
    });
    await producer.disconnect();

    const read = await readDeadLetters({ connection, topic: dlq, timeoutMs: 60_000 });
    assert.equal(read.total, 4);
    assert.equal(read.records.length, 4);
    const infos = read.records.map(detectDeadLetter);
    assert.equal(infos[0]?.source, 'envelope');
    assert.equal(infos[0]?.originalTopic, source);
    assert.equal(infos[0]?.originalPartition, 0);
    assert.equal(infos[0]?.originalOffset, '1000');
    assert.equal(infos[0]?.errorType, 'PoisonOrder');
    assert.equal(infos[0]?.errorMessage, 'no customer');
    assert.equal(infos[1]?.retryCount, 1);
    assert.ok(infos[0]?.failedAt && !Number.isNaN(Date.parse(infos[0].failedAt)));
    assert.deepEqual(
      { ...infos[2], failedAt: undefined },
      {
        source: 'spring',
        originalTopic: source,
        originalPartition: 2,
        originalOffset: '9007199254740993',
        errorType: 'com.example.PriceMissing',
        errorMessage: 'price is missing',
        failedAt: undefined,
      },
    );
    assert.ok(infos[2]?.failedAt, 'the Spring record is dated by its own timestamp');
    assert.equal(infos[3], undefined);
    assert.deepEqual(countByErrorType(infos), [
      { errorType: 'PoisonOrder', count: 2 },
      { errorType: 'com.example.PriceMissing', count: 1 },
    ]);
  });

  it('re-drives a filtered selection: counts checked on both topics, payloads exact, provenance headers present', async () => {
    const source = await newTopic('it-dlqr-src', 3);
    const dlq = await newTopic('it-dlqr-dlq', 2);
    await deadLetter(source, dlq, 30, (i) =>
      i % 3 === 0 ? new PriceMissing(`no price on ${i}`) : new PoisonOrder('bad'),
    );
    assert.equal(await highWatermarks(dlq), 30);
    assert.equal(await highWatermarks(source), 0);

    const read = await readDeadLetters({ connection, topic: dlq });
    const chosen = read.records.filter((r) => matchesErrorTypes(detectDeadLetter(r), ['PriceMissing']));
    assert.equal(chosen.length, 10);
    const plan = planRedrive(chosen, { kind: 'original' });
    assert.deepEqual(plan.byTopic, [{ topic: source, count: 10 }]);
    const producer = new RdkafkaRedriveProducer({ connection });
    const started = Date.now();
    let summary;
    try {
      summary = await runRedrive(plan, producer);
    } finally {
      await producer.close();
    }
    assert.equal(summary.outcome, 'completed');
    assert.equal(summary.sent.length, 10);
    assert.equal(summary.failed.length + summary.notSent.length, 0);

    assert.equal(await highWatermarks(source), 10, 'the original topic received exactly the selection');
    assert.equal(await highWatermarks(dlq), 30, 'the dead-letter topic is left as it was');
    const back = await readDeadLetters({ connection, topic: source });
    assert.equal(back.records.length, 10);
    const byDlqOffset = new Map(chosen.map((r) => [`${r.partition}/${r.offset}`, r]));
    for (const r of back.records) {
      const provenance = redrivenFrom(r.headers);
      assert.ok(provenance, 'the re-driven record says where it came from');
      const from = `${provenance.partition}/${provenance.offset}`;
      const original = byDlqOffset.get(from);
      assert.ok(original, `re-driven record names a DLQ record that was not chosen: ${from}`);
      byDlqOffset.delete(from);
      assert.equal(provenance.topic, dlq);
      assert.equal(header(r, REDRIVE_HEADERS.redrivenFrom), `${dlq}/${from}`);
      const at = Date.parse(header(r, REDRIVE_HEADERS.redrivenAt) ?? '');
      assert.ok(
        at >= started - 1000 && at <= Date.now() + 1000,
        `re-drive time ${header(r, REDRIVE_HEADERS.redrivenAt)}`,
      );
      const i = Number(r.key?.toString().replace('order-', ''));
      assert.equal(i % 3, 0);
      const expected = i % 10 === 9 ? Buffer.from([0xff, 0x00, i]) : Buffer.from(JSON.stringify({ orderId: i }));
      assert.deepEqual(r.value, expected, `payload of order-${i}`);
      assert.equal(header(r, 'trace'), `t-${i}`, 'the original headers are kept');
      assert.equal(header(r, 'kafka-lab.dlq.error-type'), undefined, 'no dead-letter header is re-driven');
    }
    assert.equal(byDlqOffset.size, 0, 'every chosen record arrived once');
  });

  it('a target topic deleted mid-run: the run stops and reports exactly which went and which did not, nothing twice', async () => {
    const source = await newTopic('it-dlqf-src', 1);
    const dlq = await newTopic('it-dlqf-dlq', 1);
    const target = await newTopic('it-dlqf-target', 1);
    const rescue = await newTopic('it-dlqf-rescue', 1);
    const count = 300;
    await deadLetter(source, dlq, count, () => new PoisonOrder('bad'));
    const read = await readDeadLetters({ connection, topic: dlq });
    assert.equal(read.records.length, count);

    // The real producer, with a gate: after 100 acknowledgements the run waits until the topic is really gone.
    const real = new RdkafkaRedriveProducer({ connection, writeTimeoutMs: 8000 });
    let gate: Promise<void> | undefined;
    let acks = 0;
    const gated: RedriveProducerPort = {
      missingTopics: (t) => real.missingTopics(t),
      close: () => real.close(),
      async send(topic: string, message: OriginalMessage) {
        if (gate) await gate;
        const ack = await real.send(topic, message);
        if (++acks === 100)
          gate = withAdmin((admin) => admin.deleteTopics({ topics: [target], timeout: 15_000 })).then(
            () => new Promise((resolve) => setTimeout(resolve, 1000)),
          );
        return ack;
      },
    };
    let summary;
    try {
      summary = await runRedrive(planRedrive(read.records, { kind: 'topic', topic: target }), gated, {
        maxInFlight: 10,
      });
    } finally {
      await real.close();
    }
    assert.equal(summary.outcome, 'failed');
    assert.ok(summary.sent.length >= 100 && summary.sent.length < count, `sent ${summary.sent.length}`);
    assert.ok(summary.failed.length >= 1 && summary.failed.length <= 10, `failed ${summary.failed.length}`);
    for (const f of summary.failed) {
      assert.equal(f.topic, target);
      assert.match(f.error, new RegExp(target.replace(/[.-]/g, '\\$&')), 'the error names the topic');
    }
    const keyOf = (p: { partition: number; offset: number }) => `${p.partition}/${p.offset}`;
    const lists = [...summary.sent.map((s) => s.dlq), ...summary.failed.map((f) => f.dlq), ...summary.notSent];
    assert.equal(lists.length, count, 'every record is reported');
    assert.equal(new Set(lists.map(keyOf)).size, count, 'a record is reported twice');
    assert.equal(
      new Set(summary.sent.map((s) => s.offset)).size,
      summary.sent.length,
      'two acknowledgements for one target offset',
    );

    // What did not go can go elsewhere: exactly that many arrive, none of those that went.
    const rest = new Set([...summary.failed.map((f) => keyOf(f.dlq)), ...summary.notSent.map(keyOf)]);
    const again = new RdkafkaRedriveProducer({ connection });
    try {
      const second = await runRedrive(
        planRedrive(
          read.records.filter((r) => rest.has(keyOf(r))),
          { kind: 'topic', topic: rescue },
        ),
        again,
      );
      assert.equal(second.outcome, 'completed');
    } finally {
      await again.close();
    }
    assert.equal(await highWatermarks(rescue), count - summary.sent.length);
    const rescued = await readDeadLetters({ connection, topic: rescue });
    const sentKeys = new Set(summary.sent.map((s) => keyOf(s.dlq)));
    for (const r of rescued.records) {
      const provenance = redrivenFrom(r.headers);
      assert.equal(provenance?.topic, dlq);
      const from = `${provenance?.partition}/${provenance?.offset}`;
      assert.ok(!sentKeys.has(from), `${from} went twice`);
    }
  });
});
