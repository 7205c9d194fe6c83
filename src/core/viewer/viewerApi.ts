/**
 * The viewer as the extension host's side uses it (the panel host and the commands). Apart from the
 * data types in types.ts, which the webview imports too: this one names Node types (KafkaRecord).
 */
import type { DeadLetterCounts } from '../dlq/deadLetterTypes';
import type { KafkaRecord } from '../kafka/record';
import type { OpeningTimeline } from './openingTimeline';
import type {
  ExportFormat,
  HistogramBucket,
  MessageDetail,
  Page,
  PageRequest,
  SortOrder,
  ViewerCounts,
  ViewerFilter,
  ViewerOptions,
  ViewerState,
} from './types';

/** What changed since the last notification; the panel repaints at most about 10 times a second. */
export interface ViewerChange {
  readonly state: ViewerState;
  readonly counts: ViewerCounts;
}

/**
 * One open viewer: its own reader, buffer and filter. `stop` frees both its consumer and its memory.
 * Implemented by core/viewer/messageViewer.ts; the panel holds one per tab.
 */
export interface MessageViewer {
  readonly options: ViewerOptions;
  /** When each step of opening happened (absent in viewers that do not record it). */
  readonly opening?: OpeningTimeline;
  start(): Promise<void>;
  /** Stops fetching (live tail paused); the buffer stays. */
  pause(): void;
  resume(): void;
  /** Until `done` settles (at most `maxMs`, capped at 2 s), ingest works half the time: a loading page gets the CPU. */
  easeIngestUntil(done: Promise<unknown>, maxMs: number): void;
  stop(): Promise<void>;
  readonly state: ViewerState;
  readonly counts: ViewerCounts;
  /** Applies a filter over the buffer (never re-reads). Rejects with ExpressionError for a bad expression. */
  setFilter(filter: ViewerFilter): Promise<ViewerCounts>;
  setSort(order: SortOrder): void;
  page(request: PageRequest): Page;
  detail(seq: number): MessageDetail | undefined;
  /** Counts over time, `buckets` wide (default 60), over the buffer's time range or the given one. */
  histogram(options?: { buckets?: number; from?: number; to?: number }): readonly HistogramBucket[];
  /** Streams the filtered messages, in the current order, to `write`; resolves with how many were written. */
  exportTo(
    format: ExportFormat,
    write: (chunk: string) => Promise<void>,
    options?: { signal?: AbortSignal; onProgress?: (written: number, total: number) => void },
  ): Promise<number>;
  /** The stored record, for Start Session Here, Replay into Handler and Produce Copy. */
  record(seq: number): KafkaRecord | undefined;
  /** The buffered messages matching the filter, in the current order (for re-driving all that match). */
  matchingSeqs(): readonly number[];
  /** The dead letters in the buffer, grouped by error type. */
  deadLetterCounts(): DeadLetterCounts;
  onChange(listener: (change: ViewerChange) => void): { dispose(): void };
}
