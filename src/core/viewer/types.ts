/**
 * The message viewer's contract: what the host side (src/core/viewer, vscode-free) offers the
 * viewer panel (src/webviews/viewerPanel). Browsing reads by assignment: it never joins a group and
 * never commits. The host keeps every message it read in a bounded ring buffer and answers pages,
 * filters, the histogram and exports from it, so changing a filter never re-reads the topic.
 */
import type { PayloadFormat } from '../codec/payloadFormat';
import type { DeadLetterInfo } from '../dlq/deadLetterTypes';

/** Where a viewer starts reading. */
export type StartPosition =
  | { readonly kind: 'beginning' }
  /** From the end: only what arrives from now on (live tail). */
  | { readonly kind: 'end' }
  /** One offset for every chosen partition, or one per partition (a partition not named starts at its beginning). */
  | { readonly kind: 'offset'; readonly offset?: number; readonly perPartition?: Readonly<Record<number, number>> }
  /** The first offset at or after this time (ms since the epoch), per partition (offsetsForTimes). */
  | { readonly kind: 'timestamp'; readonly timestamp: number }
  /** The last N messages of each chosen partition (then live). */
  | { readonly kind: 'lastN'; readonly count: number };

export interface ViewerOptions {
  readonly topic: string;
  /** Partitions to read; all when undefined. */
  readonly partitions?: readonly number[];
  readonly start: StartPosition;
  /** Ring buffer capacity: default 100,000, at most 1,000,000. */
  readonly capacity?: number;
  /** Keep reading new messages after reaching the end (live tail). Default true. */
  readonly follow?: boolean;
  /**
   * read_uncommitted (the default) shows what is on the log, aborted transactions included;
   * read_committed shows only committed records, as a transactional consumer reads them.
   */
  readonly isolation?: ViewerIsolation;
}

export type ViewerIsolation = 'read_committed' | 'read_uncommitted';

/** The viewer's state, as the panel shows it. Every error state says what happened and what to do. */
export type ViewerState =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'reading' }
  /** Caught up with the end of every chosen partition (and following, when follow is on). */
  | { readonly kind: 'caughtUp' }
  | { readonly kind: 'paused' }
  | { readonly kind: 'stopped' }
  | {
      readonly kind: 'error';
      readonly reason:
        'topicNotFound' | 'notAuthorized' | 'offsetOutOfRange' | 'brokerUnreachable' | 'registryUnavailable' | 'other';
      readonly message: string;
      /** True while it keeps trying (it recovers by itself when the cause goes away). */
      readonly retrying: boolean;
    };

export type DecodeStatus = 'ok' | 'error' | 'null';

/** One row of the list: small, JSON-safe, already bounded for display. */
export interface MessageRow {
  /** The message's sequence number in this viewer (stable while it stays in the buffer). */
  readonly seq: number;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | undefined;
  /** A short preview of the key (at most 200 characters). */
  readonly key: string;
  /** A short preview of the value (at most 200 characters, JSON compacted). */
  readonly value: string;
  /** Key + value + headers, in bytes as stored. */
  readonly size: number;
  readonly format: PayloadFormat;
  readonly status: DecodeStatus;
  /** What a dead-lettered record says about its failure (core/dlq/detect.ts); absent for an ordinary record. */
  readonly dlq?: DeadLetterInfo;
}

/** The filters; all given ones must match. Applied in the host, over the buffer. */
export interface ViewerFilter {
  /** Case-insensitive text across key, value (decoded text/JSON) and header names and values. */
  readonly text?: string;
  readonly key?: { readonly equals?: string; readonly contains?: string };
  readonly header?: { readonly name: string; readonly equals?: string };
  readonly partitions?: readonly number[];
  readonly offsets?: { readonly from?: number; readonly to?: number };
  /** Inclusive, ms since the epoch. */
  readonly time?: { readonly from?: number; readonly to?: number };
  readonly decodeErrorsOnly?: boolean;
  /**
   * A CEL expression over the decoded message: `key`, `value`, `headers` (map of string to
   * string), `partition`, `offset`, `timestamp` (a CEL timestamp), `size`. Never eval; bounded in
   * time per message.
   */
  readonly expression?: string;
  /** Dead letters of any of these error types only (core/dlq/errorTypes.ts; UNKNOWN_ERROR_TYPE for none). */
  readonly errorTypes?: readonly string[];
}

export type SortOrder = 'arrival' | 'time' | 'partitionOffset';

export interface PageRequest {
  /** The first row of the page, in the filtered and sorted view. */
  readonly start: number;
  readonly count: number;
}

export interface Page {
  readonly start: number;
  readonly rows: readonly MessageRow[];
  /** Rows in the filtered view. */
  readonly total: number;
}

export interface ViewerCounts {
  /** Messages read since the viewer started. */
  readonly read: number;
  /** Messages in the buffer now. */
  readonly buffered: number;
  /** The oldest messages dropped to keep the bound. */
  readonly dropped: number;
  /** Rows matching the filter (= buffered without a filter). */
  readonly matched: number;
}

export interface HistogramBucket {
  /** The bucket's start, ms since the epoch. */
  readonly from: number;
  readonly to: number;
  readonly count: number;
  /** Of those, the ones matching the current filter. */
  readonly matched: number;
}

/** The whole of one message, for the detail view. Values are JSON-safe and exact (longs as strings). */
export interface MessageDetail {
  readonly seq: number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | undefined;
  readonly key: PayloadDetail;
  readonly value: PayloadDetail;
  readonly headers: ReadonlyArray<{ readonly key: string; readonly text: string; readonly hex: string }>;
}

export interface PayloadDetail {
  readonly format: PayloadFormat;
  /** The decoded value as the display model (see core/codec/displayModel), or undefined when it failed. */
  readonly decoded?: unknown;
  readonly schema?: { readonly id: number; readonly subject?: string; readonly version?: number };
  readonly error?: string;
  /** The raw bytes as hex and as text (bounded; `truncated` when cut). */
  readonly hex: string;
  readonly text: string;
  readonly size: number;
  readonly truncated: boolean;
}

export type ExportFormat = 'json' | 'ndjson' | 'csv';
