import type { PayloadEncoder } from '../codec/payloadEncoder';
import { ProduceError } from './produceErrors';
import { type FileFormat, isFault, readEntries, type SourceFault } from './recordSource';
import type { RecordProducer } from './recordProducer';
import { type FailureStage, type ImportPayloadMode, parseRecord, type RecordFailure } from './importRecord';

export type { FailureStage, ImportPayloadMode, RecordFailure };

export interface ImportOptions {
  readonly topic: string;
  readonly format: FileFormat;
  readonly key?: ImportPayloadMode;
  readonly value?: ImportPayloadMode;
  /** On a record that cannot be sent: skip it and go on, or stop there (the records before it went). */
  readonly onBadRecord: 'skip' | 'stop';
  /** Check and encode every record, send none. */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  /** Called at most every `progressEveryRecords` records read, and once at the end. */
  readonly onProgress?: (progress: ImportProgress) => void;
  readonly progressEveryRecords?: number;
  /** How many failures the summary lists (it always counts all). Default 1,000. */
  readonly maxListedFailures?: number;
}

export interface ImportProgress {
  readonly read: number;
  readonly sent: number;
  readonly failed: number;
}

/** Inclusive ranges of record numbers (0-based), in order. */
export type IndexRanges = ReadonlyArray<readonly [number, number]>;

export interface ImportSummary {
  readonly outcome: 'complete' | 'completeWithErrors' | 'stopped' | 'cancelled' | 'fileError';
  readonly dryRun: boolean;
  /** Records found in the file (up to where reading stopped). */
  readonly read: number;
  /** Acknowledged by the broker (or, in a dry run, ready to send). */
  readonly sent: number;
  readonly sentRanges: IndexRanges;
  readonly failed: number;
  /** The first `maxListedFailures` failures, in file order. */
  readonly failures: readonly RecordFailure[];
  /** Records read but never handed to the producer (after a stop or cancel). */
  readonly notAttemptedRanges: IndexRanges;
  /** The file's own structure is broken here: nothing after it was read. */
  readonly fileFault?: SourceFault;
  /** Per partition written: how many records and the offsets they got. */
  readonly partitions: ReadonlyArray<{ partition: number; count: number; firstOffset: number; lastOffset: number }>;
}

const NOT_ATTEMPTED = 0;
const QUEUED = 1;
const SENT = 2;
const FAILED = 3;

/** Per-record state, one byte each, growing as the file is read. */
class StatusTable {
  private bytes = new Uint8Array(1024);
  length = 0;
  set(index: number, status: number): void {
    if (index >= this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size <= index) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.bytes);
      this.bytes = next;
    }
    this.bytes[index] = status;
    if (index >= this.length) this.length = index + 1;
  }
  ranges(status: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let start = -1;
    for (let i = 0; i < this.length; i++) {
      if (this.bytes[i] === status) {
        if (start < 0) start = i;
      } else if (start >= 0) {
        out.push([start, i - 1]);
        start = -1;
      }
    }
    if (start >= 0) out.push([start, this.length - 1]);
    return out;
  }
}

/**
 * Produces every record of a streamed `.json` array or `.ndjson` file (or an editor's text), one
 * entry in memory at a time beyond what the producer holds in flight. Each record goes, or is
 * listed with its line, column and why not; the summary says exactly which went.
 */
export async function importRecords(
  chunks: AsyncIterable<Buffer | string>,
  options: ImportOptions,
  deps: { readonly producer: RecordProducer; readonly encoder: PayloadEncoder },
): Promise<ImportSummary> {
  const status = new StatusTable();
  const failures: RecordFailure[] = [];
  const maxListed = options.maxListedFailures ?? 1000;
  const every = options.progressEveryRecords ?? 1000;
  const offsets = new Map<number, { count: number; firstOffset: number; lastOffset: number }>();
  let failed = 0;
  let sent = 0;
  let read = 0;
  let stopped = false;
  let cancelled = false;
  let fileFault: SourceFault | undefined;
  const dryRun = options.dryRun ?? false;
  const keyMode = options.key ?? { kind: 'auto' };
  const valueMode = options.value ?? { kind: 'auto' };

  const fail = (failure: RecordFailure): void => {
    failed++;
    status.set(failure.index, FAILED);
    if (failures.length < maxListed) failures.push(failure);
    if (options.onBadRecord === 'stop') stopped = true;
  };
  const progress = (): void => options.onProgress?.({ read, sent, failed });

  // The topic is checked once, before anything is sent: a missing topic is one error, not a million.
  // A refused one is different: the file is still read, and each record is listed as not written,
  // with the broker's reason, so the summary accounts for every record.
  let partitions = Number.MAX_SAFE_INTEGER;
  let denied: ProduceError | undefined;
  try {
    partitions = (await deps.producer.topic(options.topic)).partitions;
  } catch (error) {
    if (!(error instanceof ProduceError) || error.reason !== 'notAuthorized') throw error;
    denied = error;
  }

  for await (const item of readEntries(chunks, options.format)) {
    if (isFault(item)) {
      fileFault = item;
      break;
    }
    read++;
    if (options.signal?.aborted) {
      cancelled = true;
      status.set(item.index, NOT_ATTEMPTED);
      break;
    }
    if (stopped) {
      status.set(item.index, NOT_ATTEMPTED);
      break;
    }
    const parsed = await parseRecord(item, options.topic, partitions, keyMode, valueMode, deps.encoder);
    if ('failure' in parsed) {
      fail(parsed.failure);
    } else if (denied) {
      const { index, line, column } = item;
      fail({ index, line, column, stage: 'deliver', reason: denied.reason, message: denied.message });
    } else if (dryRun) {
      status.set(item.index, SENT);
      sent++;
    } else {
      const index = item.index;
      const { line, column } = item;
      status.set(index, QUEUED);
      try {
        await deps.producer.enqueue(parsed.record, (error, delivered) => {
          if (error || !delivered) {
            fail({
              index,
              line,
              column,
              stage: 'deliver',
              reason: error?.reason ?? 'rejected',
              message: error?.message ?? 'The record was not acknowledged.',
            });
            return;
          }
          sent++;
          status.set(index, SENT);
          const p = offsets.get(delivered.partition);
          if (!p)
            offsets.set(delivered.partition, { count: 1, firstOffset: delivered.offset, lastOffset: delivered.offset });
          else {
            p.count++;
            if (delivered.offset < p.firstOffset) p.firstOffset = delivered.offset;
            if (delivered.offset > p.lastOffset) p.lastOffset = delivered.offset;
          }
        });
      } catch (error) {
        if (!(error instanceof ProduceError)) throw error;
        fail({ index, line, column, stage: 'deliver', reason: error.reason, message: error.message });
      }
    }
    if (read % every === 0) progress();
  }
  if (!dryRun) {
    try {
      await deps.producer.flush();
    } catch (error) {
      if (!(error instanceof ProduceError)) throw error;
      // Still unacknowledged after the bound: closing fails them, each with its own callback.
      await deps.producer.close();
    }
  }
  progress();
  const outcome: ImportSummary['outcome'] = fileFault
    ? 'fileError'
    : cancelled
      ? 'cancelled'
      : stopped
        ? 'stopped'
        : failed > 0
          ? 'completeWithErrors'
          : 'complete';
  failures.sort((a, b) => a.index - b.index);
  return {
    outcome,
    dryRun,
    read,
    sent,
    sentRanges: status.ranges(SENT),
    failed,
    failures,
    notAttemptedRanges: status.ranges(NOT_ATTEMPTED),
    ...(fileFault ? { fileFault } : {}),
    partitions: [...offsets.entries()].sort((a, b) => a[0] - b[0]).map(([partition, p]) => ({ partition, ...p })),
  };
}
