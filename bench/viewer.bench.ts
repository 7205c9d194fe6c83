// Issue 12, "Measured": the message viewer's host side on the local broker. `npm run bench -- viewer`.
//
// One topic of 2,000,000 JSON values of 256 B over 6 partitions, produced once and reused. Each run
// is a child process (bench/viewer/worker.ts, with --expose-gc): raw (the client's consume(1000)
// loop by assignment, nothing else, for 1,000,000 messages) and viewer (the MessageViewer with a
// 1,000,000 buffer reading from the beginning: ingest of the first million timed; memory after it
// and after the second million; then the text and expression filters, the histogram and paging
// over the full buffer). The sides alternate (raw, viewer; raw, viewer; ...).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdminClient, Producer } from '@confluentinc/kafka-javascript';
import type { Bench, Comparison, Measurement } from './harness';
import {
  benchValue,
  capacity,
  expressionFilter,
  ingestCount,
  messageCount,
  partitionCount,
  resultPrefix,
  type Side,
  textNeedle,
  valueBytes,
  viewerTopic,
  type WorkerArgs,
  type WorkerResult,
} from './viewer/settings';

const root = path.resolve(__dirname, '..', '..');
const servicesFile = process.env.KAFKA_LAB_SERVICES_JSON || path.join(root, 'test', 'services.json');
const bootstrapServers = (JSON.parse(fs.readFileSync(servicesFile, 'utf8')) as { kafka: { plaintext: string } }).kafka
  .plaintext;
const workerScript = path.join(__dirname, 'viewer', 'worker.js');
const rounds = Math.max(1, Number(process.env.BENCH_VIEWER_ROUNDS ?? 2) || 2);
const runTimeoutMs = 600_000;
const log = (line: string): void => console.log(`  [viewer bench] ${line}`);

async function highWatermarkSum(producer: Producer): Promise<number | undefined> {
  const metadata = await new Promise<{ topics: Array<{ name: string; partitions: unknown[] }> }>((resolve, reject) =>
    producer.getMetadata({ topic: viewerTopic, timeout: 10_000 }, (err, md) => (err ? reject(err) : resolve(md))),
  ).catch(() => undefined);
  const topic = metadata?.topics.find((t) => t.name === viewerTopic);
  if (!topic || topic.partitions.length !== partitionCount) return topic ? -1 : undefined;
  let sum = 0;
  for (let p = 0; p < partitionCount; p++) {
    const o = await new Promise<{ lowOffset: number; highOffset: number }>((resolve, reject) =>
      producer.queryWatermarkOffsets(viewerTopic, p, 10_000, (err, offsets) => (err ? reject(err) : resolve(offsets))),
    );
    if (o.lowOffset > 0) return -1;
    sum += o.highOffset;
  }
  return sum;
}

async function recreateTopic(exists: boolean): Promise<void> {
  const admin = AdminClient.create({
    'bootstrap.servers': bootstrapServers,
    'client.id': 'kafka-consumer-lab-bench-admin',
  });
  try {
    if (exists)
      await new Promise<void>((resolve, reject) =>
        admin.deleteTopic(viewerTopic, 15_000, (e) => (e ? reject(e) : resolve())),
      );
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) =>
          admin.createTopic(
            // Kept forever: retention must not remove the bench's messages while it reads them.
            {
              topic: viewerTopic,
              num_partitions: partitionCount,
              replication_factor: 1,
              config: { 'retention.ms': '-1' },
            },
            15_000,
            (e) => (e ? reject(e) : resolve()),
          ),
        );
        return;
      } catch (error) {
        if (attempt >= 30) throw new Error(`create ${viewerTopic}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    admin.disconnect();
  }
}

/** Produces the topic once; reuses it while it holds exactly `messageCount` messages from offset 0. */
async function ensureTopic(): Promise<boolean> {
  const producer = new Producer({
    'bootstrap.servers': bootstrapServers,
    'client.id': 'kafka-consumer-lab-bench-viewer-producer',
    acks: 1,
    'linger.ms': 20,
    'batch.size': 1024 * 1024,
    'batch.num.messages': 10_000,
    'compression.type': 'none',
    'queue.buffering.max.messages': 200_000,
    'queue.buffering.max.kbytes': 256 * 1024,
  });
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 15_000 }, (err) => (err ? reject(new Error(`producer: ${err.message}`)) : resolve())),
  );
  try {
    const sum = await highWatermarkSum(producer);
    if (sum === messageCount) return false;
    log(sum === undefined ? `creating ${viewerTopic}` : `${viewerTopic} has the wrong shape or count: recreating it`);
    await recreateTopic(sum !== undefined);
    // Timestamps of the last half hour, one millisecond apart (old ones would fall to retention checks).
    const firstTimestamp = Date.now() - messageCount;
    for (let i = 0; i < messageCount; i++) {
      const value = benchValue(i);
      for (;;) {
        try {
          producer.produce(viewerTopic, i % partitionCount, value, Buffer.from(`k-${i % 1000}`), firstTimestamp + i);
          break;
        } catch (error) {
          if ((error as { code?: number }).code !== -184) throw error;
          producer.poll();
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    }
    await new Promise<void>((resolve, reject) =>
      producer.flush(300_000, (err) => (err ? reject(new Error(`flush: ${err.message}`)) : resolve())),
    );
    const after = await highWatermarkSum(producer);
    if (after !== messageCount)
      throw new Error(`${viewerTopic} holds ${after} messages after producing ${messageCount}`);
    return true;
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

function runWorker(side: Side, round: number): Promise<WorkerResult> {
  const args: WorkerArgs = { side, bootstrapServers, topic: viewerTopic };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', workerScript, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), runTimeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(resultPrefix));
      if (code !== 0 || !line) {
        reject(
          new Error(`${side} run ${round} ended with ${signal ?? `code ${code}`}: ${stderr.trim() || stdout.trim()}`),
        );
        return;
      }
      resolve(JSON.parse(line.slice(resultPrefix.length)) as WorkerResult);
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export const bench: Bench = {
  key: 'viewer',
  needsServices: true,
  async run(): Promise<Comparison> {
    const produced = await ensureTopic();
    log(produced ? `produced ${viewerTopic}` : `reusing ${viewerTopic} (${messageCount} messages)`);
    const results: Record<Side, WorkerResult[]> = { raw: [], viewer: [] };
    for (let round = 1; round <= rounds; round++) {
      for (const side of ['raw', 'viewer'] as const) {
        const r = await runWorker(side, round);
        results[side].push(r);
        const v = r.viewer;
        log(
          `round ${round} ${side.padEnd(6)} ${fmt(r.perSecond).padStart(9)} msg/s  ${r.seconds.toFixed(2)} s  cpu ${r.cpuSeconds.toFixed(2)} s` +
            (v
              ? `  RSS +${v.rssGrowthMiB1M.toFixed(0)} MiB at 1M, +${v.rssGrowthMiB2M.toFixed(0)} MiB at 2M (heap +${v.heapGrowthMiB1M.toFixed(0)} / +${v.heapGrowthMiB2M.toFixed(0)}); text ${v.textFilterMs.toFixed(0)} ms, expression ${v.expressionFilterMs.toFixed(0)} ms, histogram ${v.histogramMs.toFixed(1)} ms, page p50 ${v.pageMedianMs.toFixed(2)} / p95 ${v.pageP95Ms.toFixed(2)} ms`
              : ''),
        );
      }
    }
    const raw = median(results.raw.map((r) => r.perSecond));
    const viewer = median(results.viewer.map((r) => r.perSecond));
    const cpuPerMillion = (r: WorkerResult): number => (r.cpuSeconds / r.items) * 1e6;
    const rawCpu = median(results.raw.map(cpuPerMillion));
    const viewerCpu = median(results.viewer.map(cpuPerMillion));
    const v = (pick: (f: NonNullable<WorkerResult['viewer']>) => number): number =>
      median(results.viewer.map((r) => pick(r.viewer!)));
    const figures = {
      rss1M: v((f) => f.rssGrowthMiB1M),
      rss2M: v((f) => f.rssGrowthMiB2M),
      heap1M: v((f) => f.heapGrowthMiB1M),
      heap2M: v((f) => f.heapGrowthMiB2M),
      ext1M: v((f) => f.externalGrowthMiB1M),
      ext2M: v((f) => f.externalGrowthMiB2M),
      text: v((f) => f.textFilterMs),
      textCpu: v((f) => f.textFilterCpuMs),
      expression: v((f) => f.expressionFilterMs),
      expressionCpu: v((f) => f.expressionFilterCpuMs),
      histogram: v((f) => f.histogramMs),
      histogramCpu: v((f) => f.histogramCpuMs),
      pageP50: v((f) => f.pageMedianMs),
      pageP95: v((f) => f.pageP95Ms),
      sortedP50: v((f) => f.sortedPageMedianMs),
      sortedP95: v((f) => f.sortedPageP95Ms),
      sort: v((f) => f.sortMs),
    };
    const last = results.viewer.at(-1)!.viewer!;
    const measurement = (name: string, runs: WorkerResult[]): Measurement => ({
      name,
      perSecond: median(runs.map((r) => r.perSecond)),
      items: ingestCount,
      seconds: ingestCount / median(runs.map((r) => r.perSecond)),
      cpuSecondsPerMillion: median(runs.map(cpuPerMillion)),
    });
    const timing = (name: string, ms: number, cpuMs: number): Measurement => ({
      name,
      perSecond: capacity / (ms / 1000),
      items: capacity,
      seconds: ms / 1000,
      cpuSecondsPerMillion: cpuMs / 1000,
    });
    return {
      key: 'viewer',
      description: `message viewer: ingest of ${fmt(ingestCount)} x ${valueBytes} B JSON into the buffer vs the raw consume loop, memory, filters, histogram and paging over ${fmt(capacity)} buffered`,
      measurements: [
        measurement(`raw consume(1000) loop by assignment, median of ${rounds}`, results.raw),
        measurement(`viewer ingest (read, decode, index), median of ${rounds}`, results.viewer),
        timing(`text filter "${textNeedle}" over ${fmt(capacity)}`, figures.text, figures.textCpu),
        timing(
          `expression filter ${expressionFilter} over ${fmt(capacity)}`,
          figures.expression,
          figures.expressionCpu,
        ),
        timing(`histogram (60 buckets) over ${fmt(capacity)}`, figures.histogram, figures.histogramCpu),
        ...results.raw.map((r, i) => ({ ...measurement(`raw run ${i + 1}`, [r]) })),
        ...results.viewer.map((r, i) => ({ ...measurement(`viewer run ${i + 1}`, [r]) })),
      ],
      ratios: {
        'viewer/raw': viewer / raw,
        'viewer/raw (median of per-round ratios)': median(
          results.viewer.map((r, i) => r.perSecond / results.raw[i]!.perSecond),
        ),
        'raw/viewer CPU per message': rawCpu / viewerCpu,
        // Budgets over measurements: ≥ 1 means the target is met.
        'memory budget 600 MiB / RSS growth at 1M': 600 / figures.rss1M,
        'memory budget 600 MiB / RSS growth at 2M': 600 / figures.rss2M,
        'text filter budget 500 ms / measured': 500 / figures.text,
        'histogram budget 200 ms / measured': 200 / figures.histogram,
        'page budget 20 ms / p95': 20 / figures.pageP95,
        'page budget 20 ms / p95, sorted by time': 20 / figures.sortedP95,
      },
      targets: {
        'viewer/raw': 0.5,
        'memory budget 600 MiB / RSS growth at 1M': 1,
        'memory budget 600 MiB / RSS growth at 2M': 1,
        'text filter budget 500 ms / measured': 1,
        'histogram budget 200 ms / measured': 1,
        'page budget 20 ms / p95': 1,
        'page budget 20 ms / p95, sorted by time': 1,
      },
      cpu: {
        rawSecondsPerMillion: rawCpu,
        engineSecondsPerMillion: viewerCpu,
        engineOverRaw: viewerCpu / rawCpu,
        engineOverRawPaired: median(results.viewer.map((r, i) => cpuPerMillion(r) / cpuPerMillion(results.raw[i]!))),
      },
      notes: [
        `topic ${viewerTopic}: ${fmt(messageCount)} JSON values of ${valueBytes} B, keys k-0..k-999, over ${partitionCount} partitions, produced once and reused; the 'engine' CPU figures above are the viewer's`,
        `ingest: from the first message to the millionth, the viewer reading from the beginning with capacity ${fmt(capacity)} (decode at ingest: JSON parse with exact longs), one child process per run; sides alternate raw, viewer in each of ${rounds} rounds`,
        `memory growth from before start (after a GC) to just after the first million (after a GC), and after the second million (buffer full, ${fmt(last.dropped)} dropped): RSS +${figures.rss1M.toFixed(0)} / +${figures.rss2M.toFixed(0)} MiB, V8 heap used +${figures.heap1M.toFixed(0)} / +${figures.heap2M.toFixed(0)} MiB, external (the byte slabs) +${figures.ext1M.toFixed(0)} / +${figures.ext2M.toFixed(0)} MiB; RSS includes librdkafka's prefetch queue (16 MiB bound)`,
        `text filter (case-insensitive, over key, value and headers): ${figures.text.toFixed(0)} ms wall, ${figures.textCpu.toFixed(0)} ms CPU, ${fmt(last.textMatches)} matches; expression filter (CEL, decodes each message again): ${figures.expression.toFixed(0)} ms wall, ${figures.expressionCpu.toFixed(0)} ms CPU, ${fmt(last.expressionMatches)} matches; histogram ${figures.histogram.toFixed(1)} ms wall, ${figures.histogramCpu.toFixed(1)} ms CPU`,
        `paging, 400 pages of 100 rows at random positions over ${fmt(capacity)}: arrival order p50 ${figures.pageP50.toFixed(2)} ms, p95 ${figures.pageP95.toFixed(2)} ms; sorted by time p50 ${figures.sortedP50.toFixed(2)} ms, p95 ${figures.sortedP95.toFixed(2)} ms (the sort itself, once, ${figures.sort.toFixed(0)} ms)`,
        `machine load average at the end: ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} on ${os.cpus().length} CPUs`,
      ],
    };
  },
};
