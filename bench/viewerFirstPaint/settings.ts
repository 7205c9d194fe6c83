// Shared by viewerFirstPaint.bench.ts (the parent: topics, rounds, report) and
// bench/viewerFirstPaint/worker.ts (one child process per measured open).

/** The topics opened: empty, 1,000 and 100,000 JSON values of 256 B, over 3 partitions (as in the extension test). */
export const firstPaintTopics = [
  { name: 'bench.viewer.firstpaint.empty', label: 'empty topic', messages: 0 },
  { name: 'bench.viewer.firstpaint.1k', label: '1,000 messages', messages: 1_000 },
  { name: 'bench.viewer.firstpaint.100k', label: '100,000 messages', messages: 100_000 },
] as const;
export const firstPaintPartitions = 3;
/** Rows in the first page the webview asks for (a screen and its overscan). */
export const firstPageRows = 60;

export interface FirstPaintArgs {
  readonly bootstrapServers: string;
  readonly topic: string;
  readonly messages: number;
}

export interface FirstPaintResult {
  /** From creating the viewer to the first page of rows answered (the empty topic: to caught up). */
  readonly firstPageMs: number;
  /** CPU (user + system, all threads) over the same span. */
  readonly firstPageCpuMs: number;
  /** The viewer's own steps, in ms since it was created. */
  readonly steps: Record<string, number>;
  /** From creating the viewer to every message read (caught up). */
  readonly caughtUpMs: number;
  readonly caughtUpCpuMs: number;
  /** How late a 10 ms timer fired while the viewer read (the extension host's responsiveness), p95 and max. */
  readonly timerLagP95Ms: number;
  readonly timerLagMaxMs: number;
  /** How long page requests waited for an answer while the viewer read (p95 and max): the panel's paging during ingest. */
  readonly pageWhileReadingP95Ms: number;
  readonly pageWhileReadingMaxMs: number;
  readonly read: number;
}

export const firstPaintResultPrefix = 'FIRST_PAINT_RESULT ';
