// Shared by viewer.bench.ts (the parent: topic, alternation, report) and bench/viewer/worker.ts
// (one child process per measured run, so each side's memory and CPU are its own).

/** 2,000,000 JSON values of 256 B over 6 partitions: the first million measures ingest, the second the bound. */
export const viewerTopic = 'bench.viewer.json256.2m';
export const partitionCount = 6;
export const messageCount = 2_000_000;
export const ingestCount = 1_000_000;
export const valueBytes = 256;
export const capacity = 1_000_000;

const kinds = ['order', 'payment', 'refund', 'shipment'];

/** Value number n: a 256-byte JSON object (padded with a note), exact and varied enough for filters. */
export function benchValue(n: number): Buffer {
  const head = `{"i":${n},"customer":"customer-${n % 5000}","kind":"${kinds[n % 4]}","amount":"${(n % 100_000) / 100}","note":"`;
  const tail = '"}';
  const pad = valueBytes - head.length - tail.length;
  return Buffer.from(head + 'x'.repeat(Math.max(0, pad)) + tail);
}

/** The text filter's needle: matches 1 value in 5,000 (customer-4242), in another case. */
export const textNeedle = 'CUSTOMER-4242"';
// Matches 400 values in a million (the refunds of customers 4242 and 4246). String tests: JSON numbers are doubles in CEL.
export const expressionFilter = 'value.kind == "refund" && value.customer.startsWith("customer-424")';

export type Side = 'raw' | 'viewer';

export interface WorkerArgs {
  readonly side: Side;
  readonly bootstrapServers: string;
  readonly topic: string;
}

export interface ViewerFigures {
  readonly rssGrowthMiB1M: number;
  readonly heapGrowthMiB1M: number;
  readonly externalGrowthMiB1M: number;
  readonly rssGrowthMiB2M: number;
  readonly heapGrowthMiB2M: number;
  readonly externalGrowthMiB2M: number;
  readonly buffered: number;
  readonly dropped: number;
  readonly textFilterMs: number;
  readonly textFilterCpuMs: number;
  readonly textMatches: number;
  readonly expressionFilterMs: number;
  readonly expressionFilterCpuMs: number;
  readonly expressionMatches: number;
  readonly histogramMs: number;
  readonly histogramCpuMs: number;
  readonly pageMedianMs: number;
  readonly pageP95Ms: number;
  readonly sortedPageMedianMs: number;
  readonly sortedPageP95Ms: number;
  readonly sortMs: number;
}

export interface WorkerResult {
  readonly side: Side;
  readonly items: number;
  /** From the first message to the millionth. */
  readonly seconds: number;
  readonly perSecond: number;
  readonly cpuSeconds: number;
  readonly viewer?: ViewerFigures;
}

export const resultPrefix = 'VIEWER_BENCH_RESULT ';
