// Issue 12, "Measured": first paint of the viewer after opening, target ≤ 1 s. `npm run bench -- viewer-first-paint`.
//
// The host side of opening a viewer on the local broker: from creating the MessageViewer to the
// first page of rows answered for the webview (an empty topic: to its caught-up state), with the
// CPU time, on an empty topic, 1,000 and 100,000 messages (JSON, 256 B, 3 partitions; produced once
// and reused). Each open is a child process (bench/viewerFirstPaint/worker.ts); the topics
// alternate in each round. The webview's own share (the panel's load and its ready handshake) is
// measured in real VS Code by test/extension/suite/viewer.test.ts and logged there.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdminClient, Producer } from '@confluentinc/kafka-javascript';
import type { Bench, Comparison, Measurement } from './harness';
import { benchValue } from './viewer/settings';
import {
  type FirstPaintArgs,
  type FirstPaintResult,
  firstPaintPartitions,
  firstPaintResultPrefix,
  firstPaintTopics,
} from './viewerFirstPaint/settings';

const root = path.resolve(__dirname, '..', '..');
const servicesFile = process.env.KAFKA_LAB_SERVICES_JSON || path.join(root, 'test', 'services.json');
const bootstrapServers = (JSON.parse(fs.readFileSync(servicesFile, 'utf8')) as { kafka: { plaintext: string } }).kafka
  .plaintext;
const workerScript = path.join(__dirname, 'viewerFirstPaint', 'worker.js');
const rounds = Math.max(1, Number(process.env.BENCH_FIRST_PAINT_ROUNDS ?? 5) || 5);
const runTimeoutMs = 180_000;
const TARGET_MS = 1_000;
const log = (line: string): void => console.log(`  [viewer-first-paint bench] ${line}`);

function call<T>(what: string, fn: (done: (err: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    fn((err, value) =>
      err ? reject(new Error(`${what}: ${(err as Error).message ?? String(err)}`)) : resolve(value as T),
    ),
  );
}

/** The topic's message count from offset 0, -1 if it has another shape, undefined if it does not exist. */
async function countOf(producer: Producer, topic: string): Promise<number | undefined> {
  const metadata = await call<{ topics: Array<{ name: string; partitions: unknown[] }> }>('metadata', (done) =>
    producer.getMetadata({ topic, timeout: 10_000 }, done),
  ).catch(() => undefined);
  const found = metadata?.topics.find((t) => t.name === topic);
  if (!found || found.partitions.length === 0) return undefined;
  if (found.partitions.length !== firstPaintPartitions) return -1;
  let sum = 0;
  for (let p = 0; p < firstPaintPartitions; p++) {
    const o = await call<{ lowOffset: number; highOffset: number }>('watermarks', (done) =>
      producer.queryWatermarkOffsets(topic, p, 10_000, done),
    );
    if (o.lowOffset > 0) return -1;
    sum += o.highOffset;
  }
  return sum;
}

async function recreate(topic: string, exists: boolean): Promise<void> {
  const admin = AdminClient.create({
    'bootstrap.servers': bootstrapServers,
    'client.id': 'kafka-consumer-lab-bench-admin',
  });
  try {
    if (exists) await call<void>(`delete ${topic}`, (done) => admin.deleteTopic(topic, 15_000, done));
    for (let attempt = 0; ; attempt++) {
      try {
        await call<void>(`create ${topic}`, (done) =>
          admin.createTopic(
            { topic, num_partitions: firstPaintPartitions, replication_factor: 1, config: { 'retention.ms': '-1' } },
            15_000,
            done,
          ),
        );
        return;
      } catch (error) {
        if (attempt >= 30) throw error; // a topic being deleted cannot be created again at once
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    admin.disconnect();
  }
}

/** Creates and fills each topic once; reuses it while it holds exactly its count from offset 0. */
async function ensureTopics(): Promise<void> {
  const producer = new Producer({
    'bootstrap.servers': bootstrapServers,
    'client.id': 'kafka-consumer-lab-bench-first-paint-producer',
    acks: 1,
    'linger.ms': 20,
    'batch.num.messages': 10_000,
    'queue.buffering.max.messages': 200_000,
  });
  await call<void>('producer connect', (done) => producer.connect({ timeout: 15_000 }, (err) => done(err)));
  try {
    for (const topic of firstPaintTopics) {
      const count = await countOf(producer, topic.name);
      if (count === topic.messages) continue;
      log(count === undefined ? `creating ${topic.name}` : `${topic.name} holds ${count}: recreating it`);
      await recreate(topic.name, count !== undefined);
      const firstTimestamp = Date.now() - topic.messages;
      for (let i = 0; i < topic.messages; i++) {
        for (;;) {
          try {
            producer.produce(
              topic.name,
              i % firstPaintPartitions,
              benchValue(i),
              Buffer.from(`k-${i % 16}`),
              firstTimestamp + i,
            );
            break;
          } catch (error) {
            if ((error as { code?: number }).code !== -184) throw error; // queue full: let it drain
            producer.poll();
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
      }
      await call<void>('flush', (done) => producer.flush(120_000, done));
      const after = await countOf(producer, topic.name);
      if (after !== topic.messages)
        throw new Error(`${topic.name} holds ${after} messages after producing ${topic.messages}`);
    }
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

function runWorker(args: FirstPaintArgs): Promise<FirstPaintResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [workerScript, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), runTimeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(firstPaintResultPrefix));
      if (code !== 0 || !line) {
        reject(
          new Error(
            `first paint of ${args.topic} ended with ${signal ?? `code ${code}`}: ${stderr.trim() || stdout.trim()}`,
          ),
        );
        return;
      }
      resolve(JSON.parse(line.slice(firstPaintResultPrefix.length)) as FirstPaintResult);
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const bench: Bench = {
  key: 'viewer-first-paint',
  needsServices: true,
  async run(): Promise<Comparison> {
    await ensureTopics();
    const results = new Map<string, FirstPaintResult[]>(firstPaintTopics.map((t) => [t.name, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const topic of firstPaintTopics) {
        const r = await runWorker({ bootstrapServers, topic: topic.name, messages: topic.messages });
        results.get(topic.name)!.push(r);
        const steps = Object.entries(r.steps)
          .map(([name, ms]) => `${name} ${ms}`)
          .join(', ');
        log(
          `round ${round} ${topic.label.padEnd(16)} first page ${r.firstPageMs.toFixed(0).padStart(5)} ms (cpu ${r.firstPageCpuMs.toFixed(0)} ms)  caught up ${r.caughtUpMs.toFixed(0)} ms (cpu ${r.caughtUpCpuMs.toFixed(0)} ms)  timer lag p95 ${r.timerLagP95Ms.toFixed(0)} / max ${r.timerLagMaxMs.toFixed(0)} ms  page while reading p95 ${r.pageWhileReadingP95Ms.toFixed(1)} / max ${r.pageWhileReadingMaxMs.toFixed(1)} ms  [${steps}]`,
        );
      }
    }
    const measurements: Measurement[] = [];
    const ratios: Record<string, number> = {};
    const targets: Record<string, number> = {};
    const notes: string[] = [];
    for (const topic of firstPaintTopics) {
      const runs = results.get(topic.name)!;
      const m = (pick: (r: FirstPaintResult) => number): number => median(runs.map(pick));
      const firstPage = m((r) => r.firstPageMs);
      measurements.push({
        name: `${topic.label}: open → first page of rows, median of ${rounds}`,
        perSecond: 1000 / firstPage,
        items: 1,
        seconds: firstPage / 1000,
        cpuSecondsPerMillion: (m((r) => r.firstPageCpuMs) / 1000) * 1e6,
      });
      const budget = `first paint budget ${TARGET_MS} ms / host time to the first page, ${topic.label}`;
      ratios[budget] = TARGET_MS / firstPage;
      targets[budget] = 1;
      notes.push(
        `${topic.label}: first page ${firstPage.toFixed(0)} ms (CPU ${m((r) => r.firstPageCpuMs).toFixed(0)} ms), runs ${runs.map((r) => r.firstPageMs.toFixed(0)).join(' / ')} ms; caught up ${m((r) => r.caughtUpMs).toFixed(0)} ms (CPU ${m((r) => r.caughtUpCpuMs).toFixed(0)} ms); event-loop timer lag while reading p95 ${m((r) => r.timerLagP95Ms).toFixed(0)} ms, max ${m((r) => r.timerLagMaxMs).toFixed(0)} ms; a page asked while reading waited p95 ${m((r) => r.pageWhileReadingP95Ms).toFixed(1)} ms, max ${m((r) => r.pageWhileReadingMaxMs).toFixed(1)} ms`,
      );
    }
    notes.push(
      'host side only: from creating the MessageViewer (native client already loaded, as in the extension host) to viewer.page() answering the first screen after the first change notification; the webview load and its ready handshake are measured in real VS Code by the viewer extension test (logged, not asserted)',
      `machine load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${os.cpus().length} CPUs`,
    );
    return {
      key: 'viewer-first-paint',
      description: `message viewer: host time from opening to the first page of rows (empty, 1,000 and 100,000 messages of 256 B over ${firstPaintPartitions} partitions), target ≤ ${TARGET_MS} ms`,
      measurements,
      ratios,
      targets,
      notes,
    };
  },
};
