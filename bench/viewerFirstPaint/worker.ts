// One measured open of viewerFirstPaint.bench.ts, in its own process:
//   node out/bench/viewerFirstPaint/worker.js '<FirstPaintArgs as JSON>'
// The native client is loaded first (the extension host has it loaded by the time a topic is
// browsed); then the viewer is created and started, and a listener does what the panel and its
// webview do: on the first change with rows, a page request (as a separate task, like a message
// from the webview) for the first screen. Meanwhile a 10 ms timer measures how late the event loop
// answers, and every 100 ms asks a page at a random position (the webview, while the topic is read).
import { PayloadDecoder } from '../../src/core/codec/payloadDecoder';
import { loadNativeClient } from '../../src/core/kafka/nativeClient';
import { silentLogger } from '../../src/core/logging';
import { createMessageViewer } from '../../src/core/viewer/messageViewer';
import { type FirstPaintArgs, type FirstPaintResult, firstPageRows, firstPaintResultPrefix } from './settings';

const TIMEOUT_MS = 120_000;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const elapsedMs = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e6;
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

async function run(args: FirstPaintArgs): Promise<FirstPaintResult> {
  loadNativeClient();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const viewer = createMessageViewer({
    connection: { bootstrapServers: args.bootstrapServers, clientId: 'kafka-consumer-lab-bench-first-paint' },
    decoder: new PayloadDecoder(),
    logger: silentLogger,
    options: { topic: args.topic, start: { kind: 'beginning' } },
  });
  let firstPage: { ms: number; cpuMs: number } | undefined;
  let caughtUp: { ms: number; cpuMs: number } | undefined;
  let asked = false;
  const lags: number[] = [];
  const pages: number[] = [];

  const finished = new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(
      () => reject(new Error(`no first page and catch-up within ${TIMEOUT_MS} ms: ${viewer.opening?.describe()}`)),
      TIMEOUT_MS,
    );
    const settle = (): void => {
      if (firstPage && caughtUp) {
        clearTimeout(timeout);
        resolve();
      }
    };
    viewer.onChange(({ state, counts }) => {
      if (state.kind === 'error') {
        clearTimeout(timeout);
        reject(new Error(`the viewer reports ${state.reason}: ${state.message}`));
        return;
      }
      if (!asked && counts.matched > 0) {
        asked = true;
        setImmediate(() => {
          const page = viewer.page({ start: 0, count: firstPageRows });
          if (page.rows.length === 0) throw new Error('the first page had no rows although the viewer had some');
          firstPage = { ms: elapsedMs(t0), cpuMs: cpuMs(cpu0) };
          settle();
        });
      }
      if (!caughtUp && state.kind === 'caughtUp' && counts.read >= args.messages) {
        caughtUp = { ms: elapsedMs(t0), cpuMs: cpuMs(cpu0) };
        // An empty topic has no rows: its first paint is the caught-up state with none.
        if (args.messages === 0) firstPage = caughtUp;
        settle();
      }
    });
  });

  // The event loop's responsiveness while the viewer opens and reads: a timer every 10 ms, and on
  // every 10th a page at a random position (the panel asks about 10 a second while a topic is read).
  let expected = Date.now() + 10;
  let ticks = 0;
  const lagTimer = setInterval(() => {
    const now = Date.now();
    const lag = Math.max(0, now - expected);
    lags.push(lag);
    expected = now + 10;
    const total = viewer.counts.matched;
    if (total > 0 && ++ticks % 10 === 0) {
      const start = Math.floor(Math.random() * Math.max(1, total - firstPageRows));
      const t = process.hrtime.bigint();
      viewer.page({ start, count: firstPageRows });
      pages.push(lag + elapsedMs(t)); // late by the lag, then answered: how long a webview's request waited
    }
  }, 10);

  await viewer.start();
  try {
    await finished;
  } finally {
    clearInterval(lagTimer);
  }
  const steps = Object.fromEntries((viewer.opening?.snapshot() ?? []).map((m) => [m.name, Math.round(m.ms)]));
  const read = viewer.counts.read;
  await viewer.stop();
  return {
    firstPageMs: firstPage!.ms,
    firstPageCpuMs: firstPage!.cpuMs,
    steps,
    caughtUpMs: caughtUp!.ms,
    caughtUpCpuMs: caughtUp!.cpuMs,
    timerLagP95Ms: percentile(lags, 0.95),
    timerLagMaxMs: Math.max(0, ...lags),
    pageWhileReadingP95Ms: percentile(pages, 0.95),
    pageWhileReadingMaxMs: Math.max(0, ...pages),
    read,
  };
}

void run(JSON.parse(process.argv[2] ?? '') as FirstPaintArgs).then(
  (result) => {
    process.stdout.write(`${firstPaintResultPrefix}${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
