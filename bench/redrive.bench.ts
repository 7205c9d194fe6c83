// Issue 13, "Measured": re-drive 100,000 dead-letter records, msg/s with CPU beside wall time.
// `npm run bench -- redrive` (or `node out/bench/run.js redrive`).
// Set-up (not timed): a 3-partition DLQ topic filled with 100,000 envelopes (256-byte JSON
// payloads) written as the engine's dead-letter writer writes them, and an empty target topic.
// Timed: reading the DLQ topic (by assignment), and re-driving every record (plan, provenance
// headers, each write acknowledged) to the target. For context, the raw producer with the same
// settings sends the same original payloads (no plan, no headers, one flush at the end).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Producer } from '@confluentinc/kafka-javascript';
import { readDeadLetters } from '../src/core/dlq/deadLetterReader';
import { buildEnvelope, deadLetterHeaders } from '../src/core/dlq/envelope';
import { originalMessageOf } from '../src/core/dlq/provenance';
import { RdkafkaRedriveProducer } from '../src/core/dlq/redriveProducer';
import { planRedrive, runRedrive } from '../src/core/dlq/redriveRun';
import { KafkaAdmin } from '../src/core/kafka/admin';
import { loadNativeClient } from '../src/core/kafka/nativeClient';
import type { KafkaRecord } from '../src/core/kafka/record';
import type { Bench, Comparison, Measurement } from './harness';

const root = path.resolve(__dirname, '..', '..');
const services = JSON.parse(fs.readFileSync(path.join(root, 'test', 'services.json'), 'utf8')) as {
  kafka: { plaintext: string };
};
const connection = { bootstrapServers: services.kafka.plaintext, clientId: 'kafka-consumer-lab-bench-redrive' };
const recordCount = Math.max(1000, Number(process.env.BENCH_REDRIVE_RECORDS ?? 100_000) || 100_000);
const log = (line: string): void => console.log(`  [redrive bench] ${line}`);

class PoisonOrder extends Error {}

function producerFor(): Producer {
  const kafka = loadNativeClient();
  return new kafka.Producer({
    'bootstrap.servers': connection.bootstrapServers,
    'client.id': connection.clientId,
    acks: 'all',
    'enable.idempotence': true,
    'compression.type': 'lz4',
    'linger.ms': 5,
    dr_cb: true,
  } as never);
}

/** Produces every message, then waits until each was acknowledged (bounded). */
async function produceAll(
  topic: string,
  messages: Iterable<{ key: Buffer | null; value: Buffer | null; headers?: KafkaRecord['headers'] }>,
  expected: number,
): Promise<void> {
  const producer = producerFor();
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 15_000 }, (e) => (e ? reject(e) : resolve())),
  );
  producer.setPollInterval(10);
  let acked = 0;
  let failure: Error | undefined;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  producer.on('delivery-report', (err) => {
    if (err) failure ??= new Error(err.message);
    if (++acked === expected) done();
  });
  const timer = setTimeout(() => done(), 300_000);
  try {
    for (const m of messages) {
      for (;;) {
        try {
          producer.produce(topic, null, m.value, m.key ?? undefined, Date.now(), undefined, m.headers as never);
          break;
        } catch {
          // The local queue is full: let deliveries drain it.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    }
    await all;
  } finally {
    clearTimeout(timer);
    await new Promise<void>((resolve) => producer.disconnect(10_000, () => resolve()));
  }
  if (failure) throw failure;
  if (acked < expected)
    throw new Error(`only ${acked} of ${expected} writes to ${topic} were acknowledged within 300 s`);
}

function* deadLetters(sourceTopic: string): Generator<{ key: Buffer; value: Buffer; headers: KafkaRecord['headers'] }> {
  const filler = 'x'.repeat(200);
  for (let i = 0; i < recordCount; i++) {
    const failed: KafkaRecord = {
      topic: sourceTopic,
      partition: i % 3,
      offset: i,
      timestamp: Date.now(),
      key: Buffer.from(`order-${i}`),
      value: Buffer.from(JSON.stringify({ orderId: i, note: filler }).slice(0, 256)),
      headers: [{ trace: `t-${i}` }],
    };
    const error = new PoisonOrder(`order ${i} has no customer`);
    const envelope = buildEnvelope(failed, error, 1);
    yield {
      key: failed.key as Buffer,
      value: Buffer.from(JSON.stringify(envelope)),
      headers: deadLetterHeaders(failed, envelope),
    };
  }
}

function timed<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  return fn().then((result) => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    return { result, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  });
}

const measurement = (name: string, items: number, seconds: number, cpuSeconds: number): Measurement => ({
  name,
  items,
  seconds,
  perSecond: items / seconds,
  cpuSecondsPerMillion: (cpuSeconds / items) * 1e6,
});

export const bench: Bench = {
  key: 'redrive-100k',
  needsServices: true,
  async run(): Promise<Comparison> {
    const stamp = Date.now().toString(36);
    const dlqTopic = `bench-redrive-dlq-${stamp}`;
    const targetTopic = `bench-redrive-target-${stamp}`;
    const rawTopic = `bench-redrive-raw-${stamp}`;
    const admin = new KafkaAdmin(connection, { timeoutMs: 30_000 });
    try {
      for (const name of [dlqTopic, targetTopic, rawTopic])
        await admin.createTopic({ name, partitions: 3, replicationFactor: 1 });
      log(`writing ${recordCount.toLocaleString('en-US')} dead-letter envelopes to ${dlqTopic}`);
      await produceAll(dlqTopic, deadLetters('bench.orders'), recordCount);

      const read = await timed(() => readDeadLetters({ connection, topic: dlqTopic, timeoutMs: 300_000 }));
      if (read.result.records.length !== recordCount)
        throw new Error(`read ${read.result.records.length} of ${recordCount} dead-letter records`);
      log(`read ${recordCount} in ${read.seconds.toFixed(2)} s (CPU ${read.cpuSeconds.toFixed(2)} s)`);

      const producer = new RdkafkaRedriveProducer({ connection, writeTimeoutMs: 60_000 });
      const redriven = await timed(async () => {
        try {
          return await runRedrive(planRedrive(read.result.records, { kind: 'topic', topic: targetTopic }), producer, {
            maxInFlight: Number(process.env.BENCH_REDRIVE_IN_FLIGHT ?? 0) || undefined,
          });
        } finally {
          await producer.close();
        }
      });
      if (redriven.result.outcome !== 'completed' || redriven.result.sent.length !== recordCount)
        throw new Error(
          `re-drive ${redriven.result.outcome}: ${redriven.result.sent.length} of ${recordCount} sent, ${redriven.result.failed[0]?.error ?? ''}`,
        );
      log(`re-drove ${recordCount} in ${redriven.seconds.toFixed(2)} s (CPU ${redriven.cpuSeconds.toFixed(2)} s)`);

      const originals = read.result.records.map(originalMessageOf);
      const raw = await timed(() => produceAll(rawTopic, originals, recordCount));
      log(`raw producer ${recordCount} in ${raw.seconds.toFixed(2)} s (CPU ${raw.cpuSeconds.toFixed(2)} s)`);

      const target = await admin.describePartitions(targetTopic);
      const landed = target.reduce((n, p) => n + p.messages, 0);
      if (landed !== recordCount) throw new Error(`the target topic holds ${landed} records, not ${recordCount}`);

      const m = {
        read: measurement('read the DLQ topic (by assignment)', recordCount, read.seconds, read.cpuSeconds),
        redrive: measurement(
          're-drive (plan, provenance, acks=all)',
          recordCount,
          redriven.seconds,
          redriven.cpuSeconds,
        ),
        raw: measurement('raw producer, same settings, original payloads', recordCount, raw.seconds, raw.cpuSeconds),
      };
      return {
        key: 'redrive-100k',
        description: `re-drive ${recordCount.toLocaleString('en-US')} dead-letter records to one topic, against the raw producer`,
        measurements: [m.read, m.redrive, m.raw],
        ratios: {
          'redrive/raw': m.redrive.perSecond / m.raw.perSecond,
          'redrive/raw CPU': (m.raw.cpuSecondsPerMillion ?? 0) / (m.redrive.cpuSecondsPerMillion ?? 1),
        },
        notes: [
          `re-drive: ${Math.round(m.redrive.perSecond).toLocaleString('en-US')} msg/s wall, ${redriven.cpuSeconds.toFixed(2)} CPU s for ${redriven.seconds.toFixed(2)} wall s (this process; the broker is on the same 2 cores)`,
          `read + re-drive end to end: ${Math.round(recordCount / (read.seconds + redriven.seconds)).toLocaleString('en-US')} msg/s`,
          'the CPU ratio is raw CPU per message over re-drive CPU per message (1 = the same cost)',
        ],
      };
    } finally {
      for (const name of [dlqTopic, targetTopic, rawTopic]) await admin.deleteTopic(name).catch(() => undefined);
      admin.close();
    }
  },
};
