// Shared shape of the benchmarks run by `npm run bench` (bench/run.ts).
export interface Measurement {
  /** What was measured, e.g. "engine, no-op handler". */
  readonly name: string;
  /** Work items per second (messages, records). */
  readonly perSecond: number;
  readonly items: number;
  readonly seconds: number;
  /** Peak resident set size during the measurement, when it was sampled. */
  readonly peakRssMiB?: number;
  /** CPU seconds (user + system, all threads) per million items, when it was measured. */
  readonly cpuSecondsPerMillion?: number;
}

export interface Comparison {
  /** A stable key naming the comparison in bench/results/latest.json, e.g. "engine-vs-raw-consume". */
  readonly key: string;
  readonly description: string;
  readonly measurements: readonly Measurement[];
  /** Named ratios, e.g. { "engine/raw": 0.93 }. */
  readonly ratios: Readonly<Record<string, number>>;
  /** Target ratio per named ratio, when an issue sets one. */
  readonly targets?: Readonly<Record<string, number>>;
  readonly notes?: readonly string[];
  /** CPU time per million items of the compared sides, and their ratio, when measured (steadier than wall time). */
  readonly cpu?: {
    readonly rawSecondsPerMillion: number;
    readonly engineSecondsPerMillion: number;
    /** Engine CPU over raw CPU per message: below 1/0.9 ≈ 1.11 matches the throughput target. */
    readonly engineOverRaw: number;
    readonly engineOverRawPaired: number;
  };
}

export interface Bench {
  readonly key: string;
  /** Whether it needs the local broker/registry (then `npm run bench` starts them). */
  readonly needsServices: boolean;
  run(): Promise<Comparison>;
}

/** Samples process RSS every `intervalMs` until stopped; returns the peak in MiB. */
export function sampleRss(intervalMs = 50): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
    return peak / (1024 * 1024);
  };
}

/** Runs `fn` and returns items/s; `fn` returns the number of items it processed. */
export async function measure(name: string, fn: () => Promise<number> | number, withRss = false): Promise<Measurement> {
  const stopRss = withRss ? sampleRss() : undefined;
  const started = process.hrtime.bigint();
  const items = await fn();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakRssMiB = stopRss?.();
  return { name, items, seconds, perSecond: items / seconds, ...(peakRssMiB !== undefined ? { peakRssMiB } : {}) };
}
