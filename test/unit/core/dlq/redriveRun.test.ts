import { strict as assert } from 'node:assert';
import { buildEnvelope, deadLetterHeaders } from '../../../../src/core/dlq/envelope';
import { REDRIVE_HEADERS, type OriginalMessage, redrivenFrom } from '../../../../src/core/dlq/provenance';
import { RedriveError } from '../../../../src/core/dlq/redriveErrors';
import {
  type RedriveProducerPort,
  describeSummary,
  planRedrive,
  runRedrive,
} from '../../../../src/core/dlq/redriveRun';
import type { KafkaRecord } from '../../../../src/core/kafka/record';

function deadLetters(count: number, originalTopic = 'orders'): KafkaRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const source: KafkaRecord = {
      topic: originalTopic,
      partition: 0,
      offset: 100 + i,
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`{"n":${i}}`),
    };
    const envelope = buildEnvelope(source, new TypeError('bad'), 1);
    return {
      topic: `${originalTopic}.dead-letter`,
      partition: i % 2,
      offset: Math.floor(i / 2),
      key: source.key,
      value: Buffer.from(JSON.stringify(envelope)),
      headers: deadLetterHeaders(source, envelope),
    };
  });
}

interface Write {
  topic: string;
  message: OriginalMessage;
}

/** A producer that acknowledges after a tick, and fails the writes its `fail` picks. */
class FakeProducer implements RedriveProducerPort {
  readonly writes: Write[] = [];
  maxInFlightSeen = 0;
  private inFlight = 0;
  private next = 0;
  constructor(
    private readonly fail: (n: number) => boolean = () => false,
    private readonly existing: readonly string[] = ['orders', 'other'],
  ) {}
  send(topic: string, message: OriginalMessage): Promise<{ partition: number; offset: number }> {
    const n = this.writes.length;
    this.writes.push({ topic, message });
    this.inFlight++;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlight);
    return new Promise((resolve, reject) =>
      setImmediate(() => {
        this.inFlight--;
        if (this.fail(n)) reject(new Error(`Broker: Unknown topic or partition (${topic})`));
        else resolve({ partition: 0, offset: this.next++ });
      }),
    );
  }
  async missingTopics(topics: readonly string[]): Promise<string[]> {
    return topics.filter((t) => !this.existing.includes(t));
  }
  async close(): Promise<void> {}
}

const headerOf = (m: OriginalMessage, name: string) => m.headers.find((h) => name in h)?.[name]?.toString();

describe('re-drive runs', () => {
  it('plans where each record goes, once per record, and what cannot go anywhere', () => {
    const records = deadLetters(3);
    const plain: KafkaRecord = {
      topic: 'orders.dead-letter',
      partition: 0,
      offset: 99,
      key: null,
      value: Buffer.from('x'),
    };
    const plan = planRedrive([...records, records[0], plain], { kind: 'original' });
    assert.equal(plan.items.length, 3, 'a record chosen twice goes once');
    assert.deepEqual(plan.byTopic, [{ topic: 'orders', count: 3 }]);
    assert.equal(plan.unroutable.length, 1);
    assert.equal(plan.unroutable[0].dlq.offset, 99);
    const elsewhere = planRedrive([...records, plain], { kind: 'topic', topic: 'other' });
    assert.deepEqual(elsewhere.byTopic, [{ topic: 'other', count: 4 }]);
  });

  it('sends each record once with its original payload and provenance headers, within the in-flight bound', async () => {
    const records = deadLetters(50);
    const producer = new FakeProducer();
    const progress: number[] = [];
    const summary = await runRedrive(planRedrive(records, { kind: 'original' }), producer, {
      maxInFlight: 8,
      now: () => new Date('2026-12-01T00:00:00.000Z'),
      onProgress: (p) => progress.push(p.sent),
    });
    assert.equal(summary.outcome, 'completed');
    assert.equal(summary.sent.length, 50);
    assert.equal(producer.writes.length, 50);
    assert.ok(producer.maxInFlightSeen <= 8, `in flight ${producer.maxInFlightSeen}`);
    assert.equal(progress.at(-1), 50);
    const first = producer.writes[0];
    assert.equal(first.topic, 'orders');
    assert.equal(first.message.value?.toString(), '{"n":0}');
    assert.equal(first.message.key?.toString(), 'k0');
    assert.equal(headerOf(first.message, REDRIVE_HEADERS.redrivenFrom), 'orders.dead-letter/0/0');
    assert.equal(headerOf(first.message, REDRIVE_HEADERS.redrivenAt), '2026-12-01T00:00:00.000Z');
    assert.deepEqual(redrivenFrom(producer.writes[3].message.headers), {
      topic: 'orders.dead-letter',
      partition: 1,
      offset: 1,
      at: '2026-12-01T00:00:00.000Z',
    });
    assert.equal(headerOf(first.message, 'kafka-lab.dlq.error-type'), undefined);
  });

  it('an edit replaces only what it gives', async () => {
    const records = deadLetters(2);
    const producer = new FakeProducer();
    const edits = new Map([['1/0', { value: Buffer.from('{"n":"fixed"}') }]]);
    await runRedrive(planRedrive(records, { kind: 'original' }, edits), producer);
    const edited = producer.writes.find((w) => w.message.key?.toString() === 'k1');
    assert.equal(edited?.message.value?.toString(), '{"n":"fixed"}');
    assert.equal(producer.writes.find((w) => w.message.key?.toString() === 'k0')?.message.value?.toString(), '{"n":0}');
  });

  it('a failed write stops the run; the summary names every record exactly once as sent, failed or not sent', async () => {
    const records = deadLetters(100);
    const producer = new FakeProducer((n) => n >= 30);
    const summary = await runRedrive(planRedrive(records, { kind: 'original' }), producer, { maxInFlight: 5 });
    assert.equal(summary.outcome, 'failed');
    assert.equal(summary.sent.length, 30);
    assert.ok(summary.failed.length >= 1 && summary.failed.length <= 5, `failed ${summary.failed.length}`);
    assert.equal(summary.sent.length + summary.failed.length + summary.notSent.length, 100);
    const keys = [...summary.sent, ...summary.failed].map((x) => `${x.dlq.partition}/${x.dlq.offset}`);
    const all = new Set([...keys, ...summary.notSent.map((x) => `${x.partition}/${x.offset}`)]);
    assert.equal(all.size, 100, 'a record is in two lists, or in none');
    assert.equal(
      producer.writes.length,
      30 + summary.failed.length,
      'a record was written twice, or after the failure',
    );
    assert.match(describeSummary(summary), /Re-drove 30 of 100/);
  });

  it('refuses to start, sending nothing, when a target topic does not exist', async () => {
    const producer = new FakeProducer(undefined, ['orders']);
    await assert.rejects(
      runRedrive(planRedrive(deadLetters(3), { kind: 'topic', topic: 'nowhere' }), producer),
      (e: unknown) => e instanceof RedriveError && e.reason === 'targetTopicMissing' && /nowhere/.test(e.message),
    );
    assert.equal(producer.writes.length, 0);
  });

  it('cancelling stops handing out writes; those in flight are still reported', async () => {
    const controller = new AbortController();
    const producer = new FakeProducer();
    const summary = await runRedrive(planRedrive(deadLetters(200), { kind: 'original' }), producer, {
      maxInFlight: 4,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.sent === 10) controller.abort();
      },
    });
    assert.equal(summary.outcome, 'cancelled');
    assert.equal(summary.sent.length, producer.writes.length);
    assert.ok(summary.sent.length >= 10 && summary.sent.length <= 14, `sent ${summary.sent.length}`);
    assert.equal(summary.notSent.length, 200 - summary.sent.length);
  });
});
