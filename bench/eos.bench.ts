// Exactly-once against at-least-once on the same input topic, with the same handler (one output
// record per input, the input's value) and the same batches: transactions (or commits) of 500
// messages / 100 ms. Each run is a fresh group and a fresh output topic, timed from the start of
// the session until every input offset is committed; the two modes alternate, best of two each.
// Wall time and CPU time (user + system, every thread of the process, librdkafka's included).
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { ConsumerSession } from '../src/core/engine/session';
import type { DeliveryGuarantee } from '../src/core/engine/types';
import { type Bench, type Comparison, type Measurement, sampleRss } from './harness';

const brokers = process.env.KAFKA_LAB_BENCH_BROKERS ?? '127.0.0.1:19092';
const COUNT = Number(process.env.KAFKA_LAB_BENCH_EOS_COUNT ?? 200_000);
const PARTITIONS = 3;
const VALUE_BYTES = 128;
const ROUNDS = 2;

const kafka = () => new KafkaJS.Kafka({ kafkaJS: { brokers: [brokers], logLevel: KafkaJS.logLevel.NOTHING } });

async function withAdmin<T>(fn: (admin: KafkaJS.Admin) => Promise<T>): Promise<T> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

async function fill(topic: string): Promise<void> {
  const producer = kafka().producer({ 'linger.ms': 10, acks: -1 } as KafkaJS.ProducerConstructorConfig);
  await producer.connect();
  try {
    const pad = 'x'.repeat(VALUE_BYTES - 24);
    for (let from = 0; from < COUNT; from += 10_000) {
      const sends = [];
      for (let b = from; b < Math.min(COUNT, from + 10_000); b += 1000) {
        const messages = [];
        for (let i = b; i < Math.min(COUNT, b + 1000); i++)
          messages.push({ key: `k-${i % 257}`, value: `{"seq":${i},"p":"${pad}"}` });
        sends.push(producer.send({ topic, messages }));
      }
      await Promise.all(sends);
    }
  } finally {
    await producer.disconnect();
  }
}

async function runOnce(delivery: DeliveryGuarantee, input: string, ends: Map<number, number>): Promise<Measurement> {
  const output = unique('bench-eos-out');
  await withAdmin((admin) => admin.createTopics({ topics: [{ topic: output, numPartitions: PARTITIONS }] }));
  const groupId = unique(`bench-eos-${delivery}`);
  const session = new ConsumerSession({
    connection: { bootstrapServers: brokers },
    groupId,
    topics: [input],
    autoOffsetReset: 'earliest',
    delivery,
    commitPolicy: { kind: 'batch', maxMessages: 500, maxIntervalMs: 100 },
    handler: (m) => [{ topic: output, key: m.key, value: m.value }],
  });
  const committed = new Map<number, number>();
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  session.on('committed', (e) => {
    if (e.error) return;
    for (const o of e.offsets) committed.set(o.partition, Math.max(committed.get(o.partition) ?? 0, o.offset));
    if ([...ends].every(([p, end]) => committed.get(p) === end)) resolveDone();
  });
  if (global.gc) global.gc();
  const stopRss = sampleRss(50);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await session.start();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    done,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${delivery}: not every input committed within 10 minutes`)), 600_000);
    }),
  ]).finally(() => clearTimeout(timer));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const peakRssMiB = stopRss();
  await session.stop();
  await withAdmin(async (admin) => {
    await admin.deleteTopics({ topics: [output] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  });
  return {
    name: delivery,
    items: COUNT,
    seconds,
    perSecond: COUNT / seconds,
    peakRssMiB,
    cpuSecondsPerMillion: ((cpu.user + cpu.system) / 1e6 / COUNT) * 1e6,
  };
}

export const bench: Bench = {
  key: 'eos-vs-at-least-once',
  needsServices: true,
  async run(): Promise<Comparison> {
    const input = unique('bench-eos-in');
    await withAdmin((admin) => admin.createTopics({ topics: [{ topic: input, numPartitions: PARTITIONS }] }));
    try {
      await fill(input);
      const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(input));
      const ends = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
      const runs: Record<DeliveryGuarantee, Measurement[]> = { 'at-least-once': [], 'exactly-once': [] };
      for (let round = 0; round < ROUNDS; round++) {
        // Alternating, so that neither mode always runs on a warmer (or busier) machine.
        const order: DeliveryGuarantee[] =
          round % 2 === 0 ? ['at-least-once', 'exactly-once'] : ['exactly-once', 'at-least-once'];
        for (const delivery of order) runs[delivery].push(await runOnce(delivery, input, ends));
      }
      const best = (list: Measurement[]) => list.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
      const alo = best(runs['at-least-once']);
      const eos = best(runs['exactly-once']);
      const cpuRatio = (alo.cpuSecondsPerMillion ?? 0) / (eos.cpuSecondsPerMillion ?? 1);
      return {
        key: 'eos-vs-at-least-once',
        description: `${COUNT.toLocaleString('en-US')} input records of ${VALUE_BYTES} B on ${PARTITIONS} partitions, one output each, transactions / commits of 500 messages or 100 ms; best of ${ROUNDS} alternating runs`,
        measurements: [
          { ...alo, name: 'at-least-once (outputs acknowledged, then the offsets committed)' },
          { ...eos, name: 'exactly-once (outputs and offsets in one transaction)' },
        ],
        ratios: {
          'exactly-once/at-least-once': eos.perSecond / alo.perSecond,
          'cpu at-least-once/exactly-once': cpuRatio,
        },
        targets: { 'exactly-once/at-least-once': 0.5 },
        notes: [
          `every run: ${runs['at-least-once'].map((m) => Math.round(m.perSecond)).join(', ')} msg/s at-least-once; ${runs['exactly-once'].map((m) => Math.round(m.perSecond)).join(', ')} msg/s exactly-once`,
          'CPU seconds per million inputs are the whole process (the engine, the consumer and the producers, all threads)',
        ],
      };
    } finally {
      await withAdmin((admin) => admin.deleteTopics({ topics: [input] })).catch(() => undefined);
    }
  },
};
