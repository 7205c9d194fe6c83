// Produce from a 1,000,000-record NDJSON file (256-byte JSON values) through the import pipeline
// (streamed read, per-record checks with line/column, encoding, the native producer with delivery
// callbacks) against the raw producer: the same file read line by line with JSON.parse and sent
// with the client's KafkaJS-style `send` in batches of 1,000 (8 in flight), with the same settings
// (acks=all, idempotence, lz4, linger 5 ms). Wall time, CPU time (all threads) and peak RSS.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { PayloadEncoder } from '../src/core/codec/payloadEncoder';
import { importRecords } from '../src/core/produce/fileImport';
import { DEFAULT_PRODUCER_SETTINGS } from '../src/core/produce/producerSettings';
import { RecordProducer } from '../src/core/produce/recordProducer';
import { type Bench, type Comparison, type Measurement, sampleRss } from './harness';

const brokers = process.env.KAFKA_LAB_BENCH_BROKERS ?? '127.0.0.1:19092';
const COUNT = Number(process.env.KAFKA_LAB_BENCH_PRODUCE_COUNT ?? 1_000_000);
const VALUE_BYTES = 256;

function writeFile(file: string): number {
  const fd = fs.openSync(file, 'w');
  let chunk = '';
  let bytes = 0;
  for (let i = 0; i < COUNT; i++) {
    const head = `{"seq":${i},"customer":"c-${i % 997}","pad":"`;
    const value = head + 'x'.repeat(VALUE_BYTES - head.length - 2) + '"}';
    chunk += `{"key":"k-${i}","value":${value}}\n`;
    if (chunk.length > 1 << 20) {
      bytes += fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  bytes += fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  return bytes;
}

async function timed(name: string, fn: () => Promise<number>): Promise<Measurement> {
  if (global.gc) global.gc();
  const stopRss = sampleRss(25);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const items = await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const peakRssMiB = stopRss();
  return {
    name,
    items,
    seconds,
    perSecond: items / seconds,
    peakRssMiB,
    cpuSecondsPerMillion: ((cpu.user + cpu.system) / 1e6 / items) * 1e6,
  };
}

async function withAdmin<T>(fn: (admin: KafkaJS.Admin) => Promise<T>): Promise<T> {
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: [brokers], logLevel: KafkaJS.logLevel.NOTHING } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

async function rawSide(file: string, topic: string): Promise<number> {
  const s = DEFAULT_PRODUCER_SETTINGS;
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: [brokers], logLevel: KafkaJS.logLevel.NOTHING } });
  const producer = kafka.producer({
    acks: -1,
    'enable.idempotence': true,
    'compression.codec': s.compression,
    'linger.ms': s.lingerMs,
    retries: s.retries,
  } as KafkaJS.ProducerConstructorConfig);
  await producer.connect();
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  let batch: Array<{ key: string; value: string }> = [];
  const flush = async (): Promise<void> => {
    const messages = batch;
    batch = [];
    const p: Promise<void> = producer.send({ topic, messages }).then(() => {
      sent += messages.length;
      inFlight.delete(p);
    });
    inFlight.add(p);
    if (inFlight.size >= 8) await Promise.race(inFlight);
  };
  try {
    const lines = readline.createInterface({ input: fs.createReadStream(file, { highWaterMark: 256 * 1024 }) });
    for await (const line of lines) {
      if (!line) continue;
      const record = JSON.parse(line) as { key: string; value: unknown };
      batch.push({ key: record.key, value: JSON.stringify(record.value) });
      if (batch.length === 1000) await flush();
    }
    if (batch.length) await flush();
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  return sent;
}

async function oursSide(file: string, topic: string): Promise<number> {
  const producer = new RecordProducer({ connection: { bootstrapServers: brokers } });
  try {
    const summary = await importRecords(
      fs.createReadStream(file, { highWaterMark: 256 * 1024 }),
      { topic, format: 'ndjson', onBadRecord: 'stop' },
      { producer, encoder: new PayloadEncoder() },
    );
    if (summary.failed > 0) throw new Error(`import failed: ${summary.failures[0]?.message}`);
    return summary.sent;
  } finally {
    await producer.close();
  }
}

export const bench: Bench = {
  key: 'produce-file-vs-raw',
  needsServices: true,
  async run(): Promise<Comparison> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-bench-produce-'));
    const file = path.join(dir, 'records.ndjson');
    const stamp = Date.now().toString(36);
    const topics = { raw: `bench-produce-raw-${stamp}`, ours: `bench-produce-ours-${stamp}` };
    try {
      const bytes = writeFile(file);
      await withAdmin((admin) =>
        admin.createTopics({
          topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
        }),
      );
      const raw = await timed('raw producer (KafkaJS-style send, batches of 1,000)', () => rawSide(file, topics.raw));
      const ours = await timed('Produce from File (import pipeline)', () => oursSide(file, topics.ours));
      if (raw.items !== COUNT || ours.items !== COUNT)
        throw new Error(`expected ${COUNT} acknowledged on each side, got raw ${raw.items}, ours ${ours.items}`);
      const ratio = ours.perSecond / raw.perSecond;
      return {
        key: 'produce-file-vs-raw',
        description: `${COUNT.toLocaleString('en-US')} NDJSON records (${VALUE_BYTES} B JSON values, ${(bytes / 2 ** 20).toFixed(0)} MiB file), acks=all, idempotent, lz4, linger 5 ms`,
        measurements: [raw, ours],
        ratios: { 'ours/raw': ratio },
        targets: { 'ours/raw': 0.7 },
        cpu: {
          rawSecondsPerMillion: raw.cpuSecondsPerMillion ?? 0,
          engineSecondsPerMillion: ours.cpuSecondsPerMillion ?? 0,
          engineOverRaw: (ours.cpuSecondsPerMillion ?? 0) / (raw.cpuSecondsPerMillion ?? 1),
          engineOverRawPaired: (ours.cpuSecondsPerMillion ?? 0) / (raw.cpuSecondsPerMillion ?? 1),
        },
        notes: [
          'Peak RSS is the process RSS while each side streams the file; the file is several hundred MiB, so a bounded peak shows neither side holds it.',
          'Both sides run in this process one after the other (raw first); CPU is user + system of all threads (librdkafka included).',
        ],
      };
    } finally {
      await withAdmin((admin) => admin.deleteTopics({ topics: Object.values(topics) })).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
