// One measured run of viewer.bench.ts, in its own process (run with --expose-gc):
//   node --expose-gc out/bench/viewer/worker.js '<WorkerArgs as JSON>'
//   raw:    a KafkaConsumer by assignment (the viewer's fetch settings), consume(1000) in a tight loop,
//           nothing else, until 1,000,000 messages.
//   viewer: the message viewer (capacity 1,000,000) from the beginning: ingest of the first million
//           timed, memory after it and after the second million, then filters, histogram and paging.
import { KafkaConsumer, type Message } from '@confluentinc/kafka-javascript';
import { PayloadDecoder } from '../../src/core/codec/payloadDecoder';
import { silentLogger } from '../../src/core/logging';
import { BROWSE_FETCH_SETTINGS } from '../../src/core/viewer/browsingConsumer';
import { createMessageViewer } from '../../src/core/viewer/messageViewer';
import {
  capacity,
  expressionFilter,
  ingestCount,
  messageCount,
  partitionCount,
  resultPrefix,
  textNeedle,
  type ViewerFigures,
  type WorkerArgs,
  type WorkerResult,
} from './settings';

const mib = (bytes: number): number => bytes / (1024 * 1024);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};

async function runRaw(args: WorkerArgs): Promise<WorkerResult> {
  const consumer = new KafkaConsumer(
    {
      ...BROWSE_FETCH_SETTINGS,
      'bootstrap.servers': args.bootstrapServers,
      'client.id': 'kafka-consumer-lab-bench-viewer-raw',
      'group.id': `bench-viewer-raw-${Date.now()}`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(new Error(err.message)) : resolve())),
  );
  consumer.setDefaultConsumeTimeout(100);
  (
    consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(b: boolean): void }
  ).setDefaultIsTimeoutOnlyForFirstMessage(true);
  consumer.assign(
    Array.from({ length: partitionCount }, (_, partition) => ({ topic: args.topic, partition, offset: -2 })),
  );
  let seen = 0;
  let started: bigint | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  while (seen < ingestCount) {
    const batch = await new Promise<Message[]>((resolve, reject) =>
      consumer.consume(1000, (err, messages) => (err ? reject(new Error(err.message)) : resolve(messages))),
    );
    if (batch.length === 0) continue;
    if (started === undefined) {
      started = process.hrtime.bigint();
      cpu = process.cpuUsage();
    }
    seen += batch.length;
  }
  const seconds = Number(process.hrtime.bigint() - started!) / 1e9;
  const cpuUsed = cpuSeconds(cpu!);
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  return { side: 'raw', items: ingestCount, seconds, perSecond: ingestCount / seconds, cpuSeconds: cpuUsed };
}

function timed<T>(fn: () => T): { value: T; ms: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Number(process.hrtime.bigint() - t) / 1e6, cpuMs: cpuSeconds(cpu) * 1000 };
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - t) / 1e6, cpuMs: cpuSeconds(cpu) * 1000 };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function pageTimes(viewer: ReturnType<typeof createMessageViewer>, rounds: number): number[] {
  const total = viewer.page({ start: 0, count: 0 }).total;
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = Math.floor(Math.random() * Math.max(1, total - 100));
    const t = process.hrtime.bigint();
    const page = viewer.page({ start, count: 100 });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (page.rows.length !== 100) throw new Error(`a page at ${start} had ${page.rows.length} rows`);
  }
  return times;
}

async function runViewer(args: WorkerArgs): Promise<WorkerResult> {
  const viewer = createMessageViewer({
    connection: { bootstrapServers: args.bootstrapServers, clientId: 'kafka-consumer-lab-bench-viewer' },
    decoder: new PayloadDecoder(),
    logger: silentLogger,
    options: { topic: args.topic, start: { kind: 'beginning' }, capacity, follow: false },
  });
  gc();
  const before = process.memoryUsage();
  let started: bigint | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  let ingest: { seconds: number; cpuSeconds: number } | undefined;
  let atMillion: NodeJS.MemoryUsage | undefined;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const read = viewer.counts.read;
      if (started === undefined && read > 0) {
        started = process.hrtime.bigint();
        cpu = process.cpuUsage();
      }
      if (!ingest && read >= ingestCount) {
        ingest = { seconds: Number(process.hrtime.bigint() - started!) / 1e9, cpuSeconds: cpuSeconds(cpu!) };
        // The viewer waits while the memory is measured: it holds a filter-less scan.
      }
      if (read >= messageCount) {
        clearInterval(timer);
        resolve();
      }
      if (viewer.state.kind === 'error') {
        clearInterval(timer);
        reject(new Error(`viewer: ${JSON.stringify(viewer.state)}`));
      }
    }, 1);
  });
  await viewer.start();
  // The first million is timed by a poll every millisecond; the memory at the million is taken
  // right after (a GC first), while reading goes on towards the second million.
  const million = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (ingest) {
        clearInterval(timer);
        gc();
        atMillion = process.memoryUsage();
        resolve();
      }
    }, 5);
  });
  await million;
  await done;
  gc();
  const atTwoMillion = process.memoryUsage();
  const counts = viewer.counts;

  const text = await timedAsync(() => viewer.setFilter({ text: textNeedle }));
  const expression = await timedAsync(() => viewer.setFilter({ expression: expressionFilter }));
  await viewer.setFilter({});
  const histogram = timed(() => viewer.histogram({ buckets: 60 }));
  if (histogram.value.reduce((n, b) => n + b.count, 0) !== counts.buffered)
    throw new Error('histogram does not add up');
  pageTimes(viewer, 20); // warm
  const pages = pageTimes(viewer, 400);
  viewer.setSort('time');
  const sort = timed(() => viewer.page({ start: 0, count: 100 }));
  const sortedPages = pageTimes(viewer, 400);
  await viewer.stop();

  const figures: ViewerFigures = {
    rssGrowthMiB1M: mib(atMillion!.rss - before.rss),
    heapGrowthMiB1M: mib(atMillion!.heapUsed - before.heapUsed),
    externalGrowthMiB1M: mib(atMillion!.external - before.external),
    rssGrowthMiB2M: mib(atTwoMillion.rss - before.rss),
    heapGrowthMiB2M: mib(atTwoMillion.heapUsed - before.heapUsed),
    externalGrowthMiB2M: mib(atTwoMillion.external - before.external),
    buffered: counts.buffered,
    dropped: counts.dropped,
    textFilterMs: text.ms,
    textFilterCpuMs: text.cpuMs,
    textMatches: text.value.matched,
    expressionFilterMs: expression.ms,
    expressionFilterCpuMs: expression.cpuMs,
    expressionMatches: expression.value.matched,
    histogramMs: histogram.ms,
    histogramCpuMs: histogram.cpuMs,
    pageMedianMs: percentile(pages, 0.5),
    pageP95Ms: percentile(pages, 0.95),
    sortedPageMedianMs: percentile(sortedPages, 0.5),
    sortedPageP95Ms: percentile(sortedPages, 0.95),
    sortMs: sort.ms,
  };
  return {
    side: 'viewer',
    items: ingestCount,
    seconds: ingest!.seconds,
    perSecond: ingestCount / ingest!.seconds,
    cpuSeconds: ingest!.cpuSeconds,
    viewer: figures,
  };
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '') as WorkerArgs;
  const result = args.side === 'raw' ? await runRaw(args) : await runViewer(args);
  process.stdout.write(`${resultPrefix}${JSON.stringify(result)}\n`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
