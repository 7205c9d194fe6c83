import type { DecodeTarget } from '../codec/decodeResult';
import type { PayloadDecoder } from '../codec/payloadDecoder';
import { type DeadLetterCounts, DeadLetterIndex } from '../dlq/deadLetterIndex';
import type { ClusterConnection } from '../kafka/connection';
import type { KafkaRecord } from '../kafka/record';
import type { Logger } from '../logging';
import type { BrowsingConsumerFactory } from './browsingConsumer';
import { BufferViews } from './bufferViews';
import { compileExpression } from './expression';
import { MessageStore, validateCapacity } from './messageStore';
import { IngestEasing } from './ingestEasing';
import { OpeningTimeline } from './openingTimeline';
import { RegistryRedecoder } from './registryRedecode';
import { validateStart } from './startPositions';
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
import type { MessageViewer, ViewerChange } from './viewerApi';
import { DEFAULT_VIEWER_TIMINGS, type ViewerContext, type ViewerTimings } from './viewerContext';
import type { ExpressionCompiler } from './viewerFilter';
import { ViewerIndex } from './viewerIndex';
import { ViewerNotifier } from './viewerNotifier';
import { ViewerReader } from './viewerReader';
import { initialFacts, sameState, stateOf, type ViewerFacts } from './viewerState';

// The viewer's timings and page bound live with its parts; exported here too, as they always were.
export { DEFAULT_VIEWER_TIMINGS, type ViewerTimings } from './viewerContext';
export { MAX_PAGE_ROWS } from './bufferViews';

export interface MessageViewerDeps {
  readonly connection: ClusterConnection;
  readonly decoder: PayloadDecoder;
  readonly logger: Logger;
  readonly options: ViewerOptions;
  /** The CEL evaluator; core/viewer/expression.ts unless a test gives another. */
  readonly compileExpression?: ExpressionCompiler;
  readonly consumerFactory?: BrowsingConsumerFactory;
  readonly timings?: Partial<ViewerTimings>;
  /** Extra librdkafka fetch properties (prefetch bounds). */
  readonly fetchSettings?: Readonly<Record<string, string | number | boolean>>;
}

export function createMessageViewer(deps: MessageViewerDeps): MessageViewer {
  return new AssignmentViewer(deps);
}
/**
 * A message viewer that reads by assignment (never a group member, never a commit) into its own
 * ring buffer, and answers pages, filters, the histogram and exports from the buffer. It wires three
 * parts over one buffer and one state machine: the reader (viewerReader.ts), the buffer's views
 * (bufferViews.ts) and registry re-decoding (registryRedecode.ts).
 */
class AssignmentViewer implements MessageViewer {
  readonly options: ViewerOptions;
  /** When each step of opening happened (the time to the first rows, logged by the panel). */
  readonly opening = new OpeningTimeline();
  private readonly easing = new IngestEasing();
  private readonly store: MessageStore;
  private readonly index: ViewerIndex;
  /** The dead letters among the buffered records (core/dlq), for their columns, filter and counts. */
  private readonly deadLetters = new DeadLetterIndex();

  private facts: ViewerFacts = initialFacts;
  private shownState: ViewerState = stateOf(initialFacts);
  private started = false;
  private readonly notifier: ViewerNotifier;
  private readonly reader: ViewerReader;
  private readonly views: BufferViews;
  private readonly registry: RegistryRedecoder;

  constructor(deps: MessageViewerDeps) {
    this.options = deps.options;
    const topic = deps.options.topic;
    if (typeof topic !== 'string' || topic.length === 0) throw new RangeError('The viewer needs a topic name.');
    validateStart(deps.options.start);
    if (deps.options.partitions !== undefined) {
      if (!deps.options.partitions.every((p) => Number.isInteger(p) && p >= 0) || deps.options.partitions.length === 0)
        throw new RangeError('The partitions to read must be a non-empty list of partition numbers (or all).');
    }
    this.store = new MessageStore(validateCapacity(deps.options.capacity));
    this.index = new ViewerIndex(this.store);
    const timings: ViewerTimings = { ...DEFAULT_VIEWER_TIMINGS, ...deps.timings };
    const logger = deps.logger.child(`viewer ${topic}`);
    const keyTarget: DecodeTarget = { topic, role: 'key' };
    const valueTarget: DecodeTarget = { topic, role: 'value' };
    this.notifier = new ViewerNotifier(
      timings.notifyIntervalMs,
      (): ViewerChange => ({ state: this.shownState, counts: this.counts }),
      logger,
      (change) => {
        if (change.counts.buffered > 0) this.opening.mark('firstNotify');
      },
    );
    const ctx: ViewerContext = {
      topic,
      store: this.store,
      index: this.index,
      deadLetters: this.deadLetters,
      decoder: deps.decoder,
      keyTarget,
      valueTarget,
      timings,
      logger,
      facts: () => this.facts,
      update: (change) => this.update(change),
      changed: () => this.notifier.changed(),
      flush: () => this.notifier.flush(),
    };
    this.reader = new ViewerReader(ctx, {
      ...deps,
      opening: this.opening,
      easing: this.easing,
      noteRegistry: (seq, key, value) => this.registry.note(seq, key, value),
    });
    this.views = new BufferViews(ctx, this.reader, deps.compileExpression ?? compileExpression, () => this.counts);
    this.registry = new RegistryRedecoder(ctx, () => this.views.refilter());
  }

  get state(): ViewerState {
    return this.shownState;
  }

  get counts(): ViewerCounts {
    return {
      read: this.reader.read,
      buffered: this.store.size,
      dropped: this.store.dropped,
      matched: this.index.matchCount,
    };
  }

  // ------------------------------------------------------------------ lifecycle

  start(): Promise<void> {
    if (this.started) return Promise.resolve();
    this.started = true;
    this.opening.mark('connecting');
    this.reader.start();
    return Promise.resolve();
  }

  pause(): void {
    this.reader.pause();
  }

  easeIngestUntil(done: Promise<unknown>, maxMs: number): void {
    this.easing.easeUntil(done, maxMs);
  }

  resume(): void {
    this.reader.resume();
  }

  async stop(): Promise<void> {
    if (this.facts.stopped) return;
    this.update({ stopped: true });
    this.views.cancelFilters();
    this.registry.stop();
    await this.reader.stop();
    this.store.clear();
    this.index.clear();
    this.deadLetters.clear();
    this.registry.clear();
    this.notifier.close();
  }

  onChange(listener: (change: ViewerChange) => void): { dispose(): void } {
    return this.notifier.add(listener);
  }

  // ------------------------------------------------------------------ the one state transition

  private update(change: Partial<ViewerFacts>): void {
    const facts = { ...this.facts, ...change };
    for (const key of Object.keys(change) as (keyof ViewerFacts)[])
      if (change[key] === undefined) delete (facts as Record<string, unknown>)[key];
    this.facts = facts;
    const next = stateOf(facts);
    if (sameState(next, this.shownState)) return;
    this.shownState = next;
    this.notifier.flush();
  }

  // ------------------------------------------------------------------ the buffer's views

  setFilter(filter: ViewerFilter): Promise<ViewerCounts> {
    return this.views.setFilter(filter);
  }

  matchingSeqs(): readonly number[] {
    return this.views.matchingSeqs();
  }

  deadLetterCounts(): DeadLetterCounts {
    return this.views.deadLetterCounts();
  }

  setSort(order: SortOrder): void {
    this.views.setSort(order);
  }

  page(request: PageRequest): Page {
    return this.views.page(request);
  }

  detail(seq: number): MessageDetail | undefined {
    return this.views.detail(seq);
  }

  histogram(options?: { buckets?: number; from?: number; to?: number }): readonly HistogramBucket[] {
    return this.views.histogram(options);
  }

  exportTo(
    format: ExportFormat,
    write: (chunk: string) => Promise<void>,
    options: { signal?: AbortSignal; onProgress?: (written: number, total: number) => void } = {},
  ): Promise<number> {
    return this.views.exportTo(format, write, options);
  }

  record(seq: number): KafkaRecord | undefined {
    return this.views.record(seq);
  }
}
