import type { DeadLetterCounts } from '../dlq/deadLetterIndex';
import { detectDeadLetter } from '../dlq/detect';
import type { KafkaRecord } from '../kafka/record';
import { histogram as countOverTime } from './histogram';
import { payloadDetail, previewOf } from './payloadView';
import type {
  ExportFormat,
  HistogramBucket,
  MessageDetail,
  MessageRow,
  Page,
  PageRequest,
  SortOrder,
  ViewerCounts,
  ViewerFilter,
} from './types';
import type { ViewerContext } from './viewerContext';
import { ViewerExport } from './viewerExport';
import { compileFilter, type ExpressionCompiler } from './viewerFilter';

/** Page requests larger than this are refused: the panel asks for the visible rows. */
export const MAX_PAGE_ROWS = 1_000;

/** What holds the buffer still while a filter scan or an export runs: the reader. */
export interface BufferHold {
  hold(): void;
  release(): void;
}

/** The buffer's views: pages, sorting, filters, the histogram and exports, all answered from the ring buffer. */
export class BufferViews {
  private filterGeneration = 0;

  constructor(
    private readonly ctx: ViewerContext,
    private readonly reader: BufferHold,
    private readonly compileExpression: ExpressionCompiler,
    private readonly counts: () => ViewerCounts,
  ) {}

  /** A filter scan under way stops and is not applied (the viewer stops). */
  cancelFilters(): void {
    this.filterGeneration++;
  }

  /** Tests the buffer again against the current filter (what it depends on may be decoded now). */
  async refilter(): Promise<void> {
    if (this.ctx.index.filtered && this.currentFilter) await this.setFilter(this.currentFilter);
  }

  private currentFilter: ViewerFilter | undefined;

  async setFilter(filter: ViewerFilter): Promise<ViewerCounts> {
    const { errorTypes, ...rest } = filter ?? {};
    const base = compileFilter(rest, {
      store: this.ctx.store,
      topic: this.ctx.topic,
      decoder: this.ctx.decoder,
      compileExpression: this.compileExpression,
    });
    const predicate = this.withErrorTypes(base, errorTypes);
    const generation = ++this.filterGeneration;
    this.reader.hold();
    try {
      const applied = await this.ctx.index.applyFilter(predicate, () => generation === this.filterGeneration);
      if (applied) this.currentFilter = predicate ? filter : undefined;
    } finally {
      this.reader.release();
    }
    this.ctx.flush();
    return this.counts();
  }

  /** Adds the dead-letter error-type test (a map lookup by seq) after the viewer's own filter. */
  private withErrorTypes(
    base: ((slot: number) => boolean) | undefined,
    errorTypes: readonly string[] | undefined,
  ): ((slot: number) => boolean) | undefined {
    if (!errorTypes || errorTypes.length === 0) return base;
    const wanted = new Set(errorTypes);
    const store = this.ctx.store;
    const deadLetters = this.ctx.deadLetters;
    return (slot) => {
      if (base && !base(slot)) return false;
      // The slot's seq: slots are filled in seq order around the ring from firstSeq's slot.
      const first = store.slotOf(store.firstSeq);
      const seq = store.firstSeq + ((slot - first + store.capacity) % store.capacity);
      const type = deadLetters.errorTypeOf(seq);
      return type !== undefined && wanted.has(type);
    };
  }

  matchingSeqs(): readonly number[] {
    return Array.from(this.ctx.index.snapshot());
  }

  deadLetterCounts(): DeadLetterCounts {
    return this.ctx.deadLetters.snapshot();
  }

  setSort(order: SortOrder): void {
    this.ctx.index.setOrder(order);
  }

  page(request: PageRequest): Page {
    const start = request?.start;
    const count = request?.count;
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(count) || count < 0 || count > MAX_PAGE_ROWS)
      throw new RangeError(`A page starts at a row ≥ 0 and has 0 to ${MAX_PAGE_ROWS} rows (got ${start}, ${count}).`);
    const total = this.ctx.index.total();
    const rows: MessageRow[] = [];
    for (let i = start; i < Math.min(total, start + count); i++) rows.push(this.row(this.ctx.index.seqAt(i)));
    return { start, rows, total };
  }

  private row(seq: number): MessageRow {
    const store = this.ctx.store;
    const slot = store.slotOf(seq);
    const decoder = this.ctx.decoder;
    const key = decoder.decodeIfReady(store.key(slot), this.ctx.keyTarget);
    const value = decoder.decodeIfReady(store.value(slot), this.ctx.valueTarget);
    const timestamp = store.timestamp[slot]!;
    return {
      seq,
      partition: store.partition[slot]!,
      offset: store.offset[slot]!,
      timestamp: Number.isNaN(timestamp) ? undefined : timestamp,
      key: key ? previewOf(key) : '',
      value: value ? previewOf(value) : '',
      size: store.sizeOf(slot),
      format: store.formatOf(slot),
      status: store.statusOf(slot),
      ...(this.ctx.deadLetters.errorTypeOf(seq) !== undefined ? this.dlqColumns(seq) : {}),
    };
  }

  /** A dead letter's columns, read again from the record (only its error type is kept per message). */
  private dlqColumns(seq: number): Pick<MessageRow, 'dlq'> {
    const record = this.ctx.store.record(seq, this.ctx.topic);
    const dlq = record ? detectDeadLetter(record) : undefined;
    return dlq ? { dlq } : {};
  }

  detail(seq: number): MessageDetail | undefined {
    const store = this.ctx.store;
    if (!store.has(seq)) return undefined;
    const slot = store.slotOf(seq);
    const decoder = this.ctx.decoder;
    const keyBytes = store.key(slot);
    const valueBytes = store.value(slot);
    const key = decoder.decodeIfReady(keyBytes, this.ctx.keyTarget);
    const value = decoder.decodeIfReady(valueBytes, this.ctx.valueTarget);
    // A schema that left the cache is fetched again, for the next time this message is opened.
    if (!key) void decoder.decode(keyBytes, this.ctx.keyTarget);
    if (!value) void decoder.decode(valueBytes, this.ctx.valueTarget);
    const timestamp = store.timestamp[slot]!;
    const headers: { key: string; text: string; hex: string }[] = [];
    store.someHeader(slot, (bytes, ns, ne, vs, ve) => {
      const shown = Math.min(ve, vs + 4096);
      headers.push({
        key: bytes.toString('utf8', ns, Math.min(ne, ns + 1024)),
        text: bytes.toString('utf8', vs, shown),
        hex: bytes.toString('hex', vs, shown),
      });
      return headers.length >= 1000;
    });
    return {
      seq,
      topic: this.ctx.topic,
      partition: store.partition[slot]!,
      offset: store.offset[slot]!,
      timestamp: Number.isNaN(timestamp) ? undefined : timestamp,
      key: key ? payloadDetail(key, keyBytes) : notCached(keyBytes),
      value: value ? payloadDetail(value, valueBytes) : notCached(valueBytes),
      headers,
    };
  }

  histogram(options?: { buckets?: number; from?: number; to?: number }): readonly HistogramBucket[] {
    return countOverTime(this.ctx.store, this.ctx.index.matchSet, options);
  }

  async exportTo(
    format: ExportFormat,
    write: (chunk: string) => Promise<void>,
    options: { signal?: AbortSignal; onProgress?: (written: number, total: number) => void } = {},
  ): Promise<number> {
    // Ingest waits while the export runs, so the ring cannot drop a message being exported;
    // reading goes on afterwards from the same position (nothing is lost on the topic).
    this.reader.hold();
    try {
      const job = new ViewerExport({
        store: this.ctx.store,
        topic: this.ctx.topic,
        decoder: this.ctx.decoder,
        seqs: this.ctx.index.snapshot(),
      });
      return await job.run(format, write, options);
    } finally {
      this.reader.release();
    }
  }

  record(seq: number): KafkaRecord | undefined {
    return this.ctx.store.record(seq, this.ctx.topic);
  }
}

function notCached(bytes: Buffer | null): ReturnType<typeof payloadDetail> {
  const raw = bytes ?? Buffer.alloc(0);
  return {
    format: bytes ? 'binary' : 'null',
    error:
      'The schema of this payload is not cached any more; it is being fetched. Open the message again in a moment.',
    hex: raw.subarray(0, 16 * 1024).toString('hex'),
    text: raw.subarray(0, 64 * 1024).toString('utf8'),
    size: raw.length,
    truncated: raw.length > 16 * 1024,
  };
}
