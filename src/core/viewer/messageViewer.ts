import type { Message } from '@confluentinc/kafka-javascript';
import type { DecodeResult, DecodeTarget } from '../codec/decodeResult';
import type { PayloadDecoder } from '../codec/payloadDecoder';

import { type DeadLetterCounts, DeadLetterIndex } from '../dlq/deadLetterIndex';
import { detectDeadLetter } from '../dlq/detect';
import type { ClusterConnection } from '../kafka/connection';
import type { KafkaRecord } from '../kafka/record';
import type { Logger } from '../logging';
import { RegistryError } from '../registry/registryErrors';
import {
  BrowseError,
  type BrowsingConsumer,
  type BrowsingConsumerFactory,
  rdkafkaBrowsingConsumer,
} from './browsingConsumer';
import { histogram as countOverTime } from './histogram';
import { MessageStore, validateCapacity } from './messageStore';
import { OpeningTimeline } from './openingTimeline';
import { formatOf, payloadDetail, previewOf, statusOf } from './payloadView';
import { planStart, validateStart } from './startPositions';
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
  ViewerOptions,
  ViewerState,
} from './types';
import { compileExpression } from './expression';
import type { MessageViewer, ViewerChange } from './viewerApi';
import { ViewerExport } from './viewerExport';
import { compileFilter, type ExpressionCompiler } from './viewerFilter';
import { ViewerIndex } from './viewerIndex';
import { ViewerNotifier } from './viewerNotifier';
import {
  brokerUnreachable,
  initialFacts,
  problemOf,
  sameState,
  stateOf,
  topicNotFound,
  type ViewerFacts,
  type ViewerProblem,
} from './viewerState';

/** Time limits of the viewer's calls to the cluster, and its retry and repaint pacing. */
export interface ViewerTimings {
  readonly connectTimeoutMs: number;
  readonly callTimeoutMs: number;
  readonly disconnectTimeoutMs: number;
  /** How often the reader checks that the topic still exists and the brokers answer. */
  readonly probeIntervalMs: number;
  readonly retryBaseMs: number;
  readonly retryCapMs: number;
  /** Change notifications are sent at most this often (the panel repaints about 10 times a second). */
  readonly notifyIntervalMs: number;
}

export const DEFAULT_VIEWER_TIMINGS: ViewerTimings = Object.freeze({
  connectTimeoutMs: 10_000,
  callTimeoutMs: 5_000,
  disconnectTimeoutMs: 5_000,
  probeIntervalMs: 3_000,
  retryBaseMs: 1_000,
  retryCapMs: 30_000,
  notifyIntervalMs: 100,
});

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

/** Records asked of librdkafka per consume call, and how long a call waits for its first one. */
const CONSUME_BATCH = 1_000;
const CONSUME_TIMEOUT_MS = 100;
/**
 * Ingest yields to the event loop after this much work (checked every INGEST_CHECK records): a
 * batch of 1,000 large values can take 100 ms to decode on a loaded machine, and the panel's page
 * requests (the first rows above all) must not wait behind it.
 */
const INGEST_SLICE_MS = 8;
const INGEST_CHECK = 32;

/** Page requests larger than this are refused: the panel asks for the visible rows. */
export const MAX_PAGE_ROWS = 1_000;

class Stopped extends Error {}

/**
 * A message viewer that reads by assignment (never a group member, never a commit) into its own
 * ring buffer, and answers pages, filters, the histogram and exports from the buffer.
 */
class AssignmentViewer implements MessageViewer {
  readonly options: ViewerOptions;
  /** When each step of opening happened (the time to the first rows, logged by the panel). */
  readonly opening = new OpeningTimeline();
  private readonly topic: string;
  private readonly follow: boolean;
  private readonly store: MessageStore;
  private readonly index: ViewerIndex;
  /** The dead letters among the buffered records (core/dlq), for their columns, filter and counts. */
  private readonly deadLetters = new DeadLetterIndex();
  private readonly timings: ViewerTimings;
  private readonly logger: Logger;
  private readonly keyTarget: DecodeTarget;
  private readonly valueTarget: DecodeTarget;

  private facts: ViewerFacts = initialFacts;
  private shownState: ViewerState = stateOf(initialFacts);
  private readCount = 0;
  private readonly notifier: ViewerNotifier;

  private consumer: BrowsingConsumer | undefined;
  private loop: Promise<void> | undefined;
  private started = false;
  /** Wakes the loop from a pause, a hold or a retry wait. */
  private wake: () => void = () => undefined;
  /** Filter scans and exports running: ingest waits while any is. */
  private holds = 0;
  private filterGeneration = 0;

  private partitions: number[] = [];
  /** Next offset to read per partition (after the last record read): a reconnect goes on from there. */
  private readonly positions = new Map<number, number>();
  private planned: ReadonlyMap<number, number> | undefined;
  /** Partitions at their end, with the end offset the client reported (partition EOF). */
  private readonly ended = new Map<number, number>();
  private reopen = false;
  private probing = false;
  private lastProbe = 0;
  /** Messages whose schema could not be fetched (registry down): decoded again when it answers. */
  private readonly undecided: number[] = [];
  private registryRetry: NodeJS.Timeout | undefined;
  private registryAttempt = 0;

  constructor(private readonly deps: MessageViewerDeps) {
    this.options = deps.options;
    this.topic = deps.options.topic;
    if (typeof this.topic !== 'string' || this.topic.length === 0)
      throw new RangeError('The viewer needs a topic name.');
    validateStart(deps.options.start);
    if (deps.options.partitions !== undefined) {
      if (!deps.options.partitions.every((p) => Number.isInteger(p) && p >= 0) || deps.options.partitions.length === 0)
        throw new RangeError('The partitions to read must be a non-empty list of partition numbers (or all).');
    }
    this.follow = deps.options.follow ?? true;
    this.store = new MessageStore(validateCapacity(deps.options.capacity));
    this.index = new ViewerIndex(this.store);
    this.timings = { ...DEFAULT_VIEWER_TIMINGS, ...deps.timings };
    this.logger = deps.logger.child(`viewer ${this.topic}`);
    this.keyTarget = { topic: this.topic, role: 'key' };
    this.valueTarget = { topic: this.topic, role: 'value' };
    this.notifier = new ViewerNotifier(
      this.timings.notifyIntervalMs,
      (): ViewerChange => ({ state: this.shownState, counts: this.counts }),
      this.logger,
      (change) => {
        if (change.counts.buffered > 0) this.opening.mark('firstNotify');
      },
    );
  }

  get state(): ViewerState {
    return this.shownState;
  }

  get counts(): ViewerCounts {
    return {
      read: this.readCount,
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
    this.loop = this.run().catch((error: unknown) => {
      this.logger.error(`the reader stopped unexpectedly: ${(error as Error)?.message ?? String(error)}`);
    });
    return Promise.resolve();
  }

  pause(): void {
    if (this.facts.stopped || this.facts.paused) return;
    this.update({ paused: true });
    try {
      if (this.consumer && this.partitions.length > 0) this.consumer.pause(this.topic, this.partitions);
    } catch (error) {
      this.logger.debug(`pause: ${(error as Error).message}`);
    }
  }

  resume(): void {
    if (this.facts.stopped || !this.facts.paused) return;
    try {
      if (this.consumer && this.partitions.length > 0) this.consumer.resume(this.topic, this.partitions);
    } catch (error) {
      this.logger.debug(`resume: ${(error as Error).message}`);
    }
    this.update({ paused: false });
    this.wake();
  }

  async stop(): Promise<void> {
    if (this.facts.stopped) return;
    this.update({ stopped: true });
    this.filterGeneration++;
    this.wake();
    clearTimeout(this.registryRetry);
    const loop = this.loop;
    if (loop) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        loop,
        new Promise((resolve) => (timer = setTimeout(resolve, this.timings.disconnectTimeoutMs * 2))),
      ]);
      clearTimeout(timer);
    }
    await this.closeConsumer();
    this.store.clear();
    this.index.clear();
    this.deadLetters.clear();
    this.undecided.length = 0;
    this.notifier.close();
  }

  onChange(listener: (change: ViewerChange) => void): { dispose(): void } {
    return this.notifier.add(listener);
  }

  // ------------------------------------------------------------------ the reader

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.facts.stopped) {
      try {
        await this.openAndRead(() => (attempt = 0));
        if (!this.facts.stopped) await this.closeConsumer();
        return;
      } catch (error) {
        if (this.facts.stopped || error instanceof Stopped) return;
        const problem = this.problemFor(error);
        this.logger.warn(problem.message);
        this.update({ readerProblem: problem });
        await this.closeConsumer();
        attempt++;
        const delay = Math.min(this.timings.retryCapMs, this.timings.retryBaseMs * 2 ** Math.min(attempt - 1, 10));
        await this.sleep(delay);
      }
    }
  }

  private problemFor(error: unknown): ViewerProblem {
    if (isProblem(error)) return error.problem;
    const servers = this.deps.connection.bootstrapServers;
    if (error instanceof BrowseError) return problemOf(error.code, error.message, this.topic, servers);
    return problemOf(undefined, (error as Error)?.message ?? String(error), this.topic, servers);
  }

  private async openAndRead(opened: () => void): Promise<void> {
    const { callTimeoutMs } = this.timings;
    const factory = this.deps.consumerFactory ?? rdkafkaBrowsingConsumer;
    const consumer = factory(this.deps.connection, {
      consumeTimeoutMs: CONSUME_TIMEOUT_MS,
      fetch: this.deps.fetchSettings,
      ...(this.options.isolation ? { isolation: this.options.isolation } : {}),
    });
    this.consumer = consumer;
    consumer.onEnd((end) => this.partitionEnded(end.partition, end.offset));
    consumer.onError((error) => this.clientError(error));
    this.update({ phase: 'connecting' });
    this.logger.debug(`connecting to ${this.deps.connection.bootstrapServers}`);
    await consumer.connect(this.timings.connectTimeoutMs);
    this.checkStopped();
    this.opening.mark('connected');
    const all = await consumer.partitions(this.topic, callTimeoutMs);
    this.checkStopped();
    this.opening.mark('partitions');
    this.logger.debug(`connected; the topic has partitions ${all?.join(', ') ?? '(none)'}`);
    if (!all) throw new ProblemError(topicNotFound(this.topic));
    const wanted = this.options.partitions ?? all;
    const missing = wanted.filter((p) => !all.includes(p));
    if (missing.length > 0)
      throw new ProblemError({
        reason: 'other',
        message: `Topic "${this.topic}" has partitions ${all[0]} to ${all[all.length - 1]}; partition ${missing.join(', ')} does not exist. Choose other partitions; the viewer checks again in case partitions are added.`,
        retrying: true,
      });
    this.partitions = [...wanted].sort((a, b) => a - b);
    if (!this.planned) {
      const plan = await planStart(consumer, this.topic, this.partitions, this.options.start, callTimeoutMs);
      this.checkStopped();
      for (const note of plan.notes) this.logger.info(note);
      if (plan.problem) throw new ProblemError(plan.problem);
      this.planned = plan.offsets;
    }
    const assignments = this.partitions.map((partition) => ({
      topic: this.topic,
      partition,
      offset: this.positions.get(partition) ?? this.planned!.get(partition)!,
    }));
    consumer.assign(assignments);
    this.opening.mark('assigned');
    if (this.facts.paused) consumer.pause(this.topic, this.partitions);
    this.ended.clear();
    this.reopen = false;
    this.lastProbe = Date.now();
    opened();
    this.update({ phase: this.facts.phase === 'caughtUp' ? 'caughtUp' : 'reading', readerProblem: undefined });
    this.logger.info(
      `reading ${this.partitions.length} partition(s) by assignment from ${assignments.map((a) => `${a.partition}@${a.offset}`).join(', ')}`,
    );

    for (;;) {
      this.checkStopped();
      if (this.reopen) throw new ProblemError(this.facts.readerProblem ?? topicNotFound(this.topic));
      if (this.facts.paused || this.holds > 0) {
        await this.sleep(this.timings.probeIntervalMs);
        continue;
      }
      if (Date.now() - this.lastProbe >= this.timings.probeIntervalMs) this.probe(consumer);
      const batch = await consumer.consume(CONSUME_BATCH);
      if (this.facts.stopped) return;
      if (batch.length > 0) {
        this.opening.mark('firstBatch');
        await this.ingest(batch);
        if (this.facts.readerProblem?.reason === 'brokerUnreachable') this.update({ readerProblem: undefined });
      }
      if (!this.follow && this.facts.phase === 'caughtUp') return;
    }
  }

  private checkStopped(): void {
    if (this.facts.stopped) throw new Stopped();
  }

  private partitionEnded(partition: number, offset: number): void {
    this.ended.set(partition, offset);
    if (this.facts.readerProblem?.reason === 'brokerUnreachable') this.update({ readerProblem: undefined });
    if (this.facts.phase !== 'caughtUp' && this.partitions.every((p) => this.ended.has(p))) {
      this.opening.mark('caughtUp');
      this.update({ phase: 'caughtUp' });
    }
  }

  private clientError(error: BrowseError): void {
    const problem = problemOf(error.code, error.message, this.topic, this.deps.connection.bootstrapServers);
    // Said once per problem, not once per event (librdkafka repeats them while it retries).
    if (problem.message !== this.facts.readerProblem?.message) this.logger.warn(problem.message);
    // librdkafka reports much in passing (one broker's connection failed, it retries by itself):
    // only what it names (brokers down, authentication, ...) changes the state; the rest is logged.
    if (problem.reason === 'other') return;
    // The client reconnects by itself; the probe (or the next record) clears the state.
    this.update({ readerProblem: problem });
  }

  /** Checks, off the read path, that the topic is there and the brokers answer (bounded). */
  private probe(consumer: BrowsingConsumer): void {
    if (this.probing) return;
    this.probing = true;
    this.lastProbe = Date.now();
    consumer
      .partitions(this.topic, this.timings.callTimeoutMs)
      .then(
        (partitions) => {
          if (consumer !== this.consumer || this.facts.stopped) return;
          if (!partitions) {
            this.update({ readerProblem: topicNotFound(this.topic) });
            this.reopen = true;
          } else if (this.facts.readerProblem) this.update({ readerProblem: undefined });
        },
        (error: unknown) => {
          if (consumer !== this.consumer || this.facts.stopped) return;
          const code = error instanceof BrowseError ? error.code : undefined;
          this.update({
            readerProblem:
              code === undefined
                ? brokerUnreachable(this.deps.connection.bootstrapServers, (error as Error).message)
                : problemOf(code, (error as Error).message, this.topic, this.deps.connection.bootstrapServers),
          });
        },
      )
      .finally(() => {
        this.probing = false;
        this.lastProbe = Date.now();
      });
  }

  private async closeConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await consumer.disconnect(this.timings.disconnectTimeoutMs);
  }

  /** Waits `ms`, or less when woken (resume, stop, a hold released). Only the read loop sleeps. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = () => undefined;
    });
  }

  // ------------------------------------------------------------------ ingest

  private async ingest(batch: readonly Message[]): Promise<void> {
    const store = this.store;
    const index = this.index;
    const decoder = this.deps.decoder;
    let sliceStart = performance.now();
    for (let i = 0; i < batch.length; i++) {
      if (i > 0 && i % INGEST_CHECK === 0 && performance.now() - sliceStart >= INGEST_SLICE_MS) {
        // What is in the buffer is shown now (the first rows at once), and requests get their turn.
        this.changed();
        await this.yieldToRequests();
        if (this.facts.stopped) return;
        sliceStart = performance.now();
      }
      const m = batch[i]!;
      if (m.topic !== this.topic) continue;
      const key = (m.key as Buffer | null | undefined) ?? null;
      const value = m.value ?? null;
      let keyResult = decoder.decodeIfReady(key, this.keyTarget);
      let valueResult = decoder.decodeIfReady(value, this.valueTarget);
      if (!keyResult) keyResult = await decoder.decode(key, this.keyTarget);
      if (!valueResult) valueResult = await decoder.decode(value, this.valueTarget);
      if (this.facts.stopped) return;
      const timestamp = m.timestamp !== undefined && m.timestamp >= 0 ? m.timestamp : undefined;
      const record: KafkaRecord = {
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        ...(timestamp !== undefined ? { timestamp } : {}),
        key,
        value,
        ...(m.headers && m.headers.length > 0 ? { headers: m.headers as KafkaRecord['headers'] } : {}),
      };
      index.beforeAppend();
      const seq = store.append(record, {
        keyFormat: formatOf(keyResult),
        valueFormat: formatOf(valueResult),
        status: statusOf(keyResult, valueResult),
      });
      this.deadLetters.dropBelow(store.firstSeq);
      this.deadLetters.note(seq, record);
      index.afterAppend(seq);
      this.readCount++;
      this.positions.set(m.partition, m.offset + 1);
      // The client reports a partition's end before handing over the batch that reached it: only
      // a record at or past the reported end means the partition has more.
      const end = this.ended.get(m.partition);
      if (end !== undefined && m.offset >= end) this.ended.delete(m.partition);
      this.noteRegistry(seq, keyResult, valueResult);
    }
    this.changed();
  }

  /**
   * Lets the event loop run what waits (page requests, a filter, an export), then, if a filter
   * scan or an export started meanwhile, waits until it ends: they need the buffer to hold still.
   */
  private async yieldToRequests(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.holds > 0 && !this.facts.stopped) await this.sleep(this.timings.probeIntervalMs);
  }

  /** A registry outage: the message is kept (shown as its bytes) and decoded again when the registry answers. */
  private noteRegistry(seq: number, key: DecodeResult, value: DecodeResult): void {
    const outage = registryOutage(key) ?? registryOutage(value);
    if (!outage) return;
    this.undecided.push(seq);
    if (!this.facts.registryProblem) {
      this.update({
        registryProblem: {
          reason: 'registryUnavailable',
          message: `The schema registry cannot be reached (${outage.message}). Messages go on arriving and are shown as their bytes; they are decoded when the registry answers again (retrying). Check the registry URL and credentials of the connection.`,
          retrying: true,
        },
      });
    }
    this.scheduleRegistryRetry();
  }

  private scheduleRegistryRetry(): void {
    if (this.registryRetry || this.facts.stopped) return;
    const delay = Math.min(this.timings.retryCapMs, this.timings.retryBaseMs * 2 ** Math.min(this.registryAttempt, 10));
    this.registryRetry = setTimeout(() => void this.retryRegistry(), delay);
    this.registryRetry.unref?.();
  }

  private async retryRegistry(): Promise<void> {
    this.registryRetry = undefined;
    const store = this.store;
    while (this.undecided.length > 0 && !store.has(this.undecided[0]!)) this.undecided.shift();
    if (this.undecided.length === 0 || this.facts.stopped) {
      this.registryAttempt = 0;
      this.update({ registryProblem: undefined });
      return;
    }
    const decoder = this.deps.decoder;
    const probeSlot = store.slotOf(this.undecided[0]!);
    const k = await decoder.decode(store.key(probeSlot), this.keyTarget);
    const v = await decoder.decode(store.value(probeSlot), this.valueTarget);
    if (this.facts.stopped) return;
    if (registryOutage(k) || registryOutage(v)) {
      this.registryAttempt++;
      this.scheduleRegistryRetry();
      return;
    }
    // The registry answers: decode the waiting messages again and correct their format and status.
    const waiting = this.undecided.splice(0, this.undecided.length);
    for (const seq of waiting) {
      if (!store.has(seq)) continue;
      const slot = store.slotOf(seq);
      const key = await decoder.decode(store.key(slot), this.keyTarget);
      const value = await decoder.decode(store.value(slot), this.valueTarget);
      if (this.facts.stopped) return;
      if (!store.has(seq)) continue;
      store.update(seq, { keyFormat: formatOf(key), valueFormat: formatOf(value), status: statusOf(key, value) });
      if (registryOutage(key) ?? registryOutage(value)) this.undecided.push(seq);
    }
    this.registryAttempt = 0;
    this.logger.info(`the schema registry answers again; ${waiting.length} message(s) decoded again`);
    // A filter may depend on what is now decoded: test the buffer again.
    if (this.index.filtered && this.currentFilter) await this.setFilter(this.currentFilter);
    if (this.undecided.length === 0) this.update({ registryProblem: undefined });
    else this.scheduleRegistryRetry();
    this.changed();
  }

  // ------------------------------------------------------------------ state and notifications

  private update(change: Partial<ViewerFacts>): void {
    const facts = { ...this.facts, ...change };
    for (const key of Object.keys(change) as (keyof ViewerFacts)[])
      if (change[key] === undefined) delete (facts as Record<string, unknown>)[key];
    this.facts = facts;
    const next = stateOf(facts);
    if (sameState(next, this.shownState)) return;
    this.shownState = next;
    this.flush();
  }

  /** Counts changed: the listeners are told (at once, or when the interval ends). */
  private changed(): void {
    this.notifier.changed();
  }

  private flush(): void {
    this.notifier.flush();
  }

  // ------------------------------------------------------------------ the buffer's views

  private currentFilter: ViewerFilter | undefined;

  async setFilter(filter: ViewerFilter): Promise<ViewerCounts> {
    const { errorTypes, ...rest } = filter ?? {};
    const base = compileFilter(rest, {
      store: this.store,
      topic: this.topic,
      decoder: this.deps.decoder,
      compileExpression: this.deps.compileExpression ?? compileExpression,
    });
    const predicate = this.withErrorTypes(base, errorTypes);
    const generation = ++this.filterGeneration;
    this.holds++;
    try {
      const applied = await this.index.applyFilter(predicate, () => generation === this.filterGeneration);
      if (applied) this.currentFilter = predicate ? filter : undefined;
    } finally {
      this.release();
    }
    this.flush();
    return this.counts;
  }

  /** Adds the dead-letter error-type test (a map lookup by seq) after the viewer's own filter. */
  private withErrorTypes(
    base: ((slot: number) => boolean) | undefined,
    errorTypes: readonly string[] | undefined,
  ): ((slot: number) => boolean) | undefined {
    if (!errorTypes || errorTypes.length === 0) return base;
    const wanted = new Set(errorTypes);
    const store = this.store;
    const deadLetters = this.deadLetters;
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
    return Array.from(this.index.snapshot());
  }

  deadLetterCounts(): DeadLetterCounts {
    return this.deadLetters.snapshot();
  }

  private release(): void {
    this.holds--;
    if (this.holds === 0) this.wake();
  }

  setSort(order: SortOrder): void {
    this.index.setOrder(order);
  }

  page(request: PageRequest): Page {
    const start = request?.start;
    const count = request?.count;
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(count) || count < 0 || count > MAX_PAGE_ROWS)
      throw new RangeError(`A page starts at a row ≥ 0 and has 0 to ${MAX_PAGE_ROWS} rows (got ${start}, ${count}).`);
    const total = this.index.total();
    const rows: MessageRow[] = [];
    for (let i = start; i < Math.min(total, start + count); i++) rows.push(this.row(this.index.seqAt(i)));
    return { start, rows, total };
  }

  private row(seq: number): MessageRow {
    const store = this.store;
    const slot = store.slotOf(seq);
    const decoder = this.deps.decoder;
    const key = decoder.decodeIfReady(store.key(slot), this.keyTarget);
    const value = decoder.decodeIfReady(store.value(slot), this.valueTarget);
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
      ...(this.deadLetters.errorTypeOf(seq) !== undefined ? this.dlqColumns(seq) : {}),
    };
  }

  /** A dead letter's columns, read again from the record (only its error type is kept per message). */
  private dlqColumns(seq: number): Pick<MessageRow, 'dlq'> {
    const record = this.store.record(seq, this.topic);
    const dlq = record ? detectDeadLetter(record) : undefined;
    return dlq ? { dlq } : {};
  }

  detail(seq: number): MessageDetail | undefined {
    const store = this.store;
    if (!store.has(seq)) return undefined;
    const slot = store.slotOf(seq);
    const decoder = this.deps.decoder;
    const keyBytes = store.key(slot);
    const valueBytes = store.value(slot);
    const key = decoder.decodeIfReady(keyBytes, this.keyTarget);
    const value = decoder.decodeIfReady(valueBytes, this.valueTarget);
    // A schema that left the cache is fetched again, for the next time this message is opened.
    if (!key) void decoder.decode(keyBytes, this.keyTarget);
    if (!value) void decoder.decode(valueBytes, this.valueTarget);
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
      topic: this.topic,
      partition: store.partition[slot]!,
      offset: store.offset[slot]!,
      timestamp: Number.isNaN(timestamp) ? undefined : timestamp,
      key: key ? payloadDetail(key, keyBytes) : notCached(keyBytes),
      value: value ? payloadDetail(value, valueBytes) : notCached(valueBytes),
      headers,
    };
  }

  histogram(options?: { buckets?: number; from?: number; to?: number }): readonly HistogramBucket[] {
    return countOverTime(this.store, this.index.matchSet, options);
  }

  async exportTo(
    format: ExportFormat,
    write: (chunk: string) => Promise<void>,
    options: { signal?: AbortSignal; onProgress?: (written: number, total: number) => void } = {},
  ): Promise<number> {
    // Ingest waits while the export runs, so the ring cannot drop a message being exported;
    // reading goes on afterwards from the same position (nothing is lost on the topic).
    this.holds++;
    try {
      const job = new ViewerExport({
        store: this.store,
        topic: this.topic,
        decoder: this.deps.decoder,
        seqs: this.index.snapshot(),
      });
      return await job.run(format, write, options);
    } finally {
      this.release();
    }
  }

  record(seq: number): KafkaRecord | undefined {
    return this.store.record(seq, this.topic);
  }
}

class ProblemError extends Error {
  constructor(readonly problem: ViewerProblem) {
    super(problem.message);
  }
}

function isProblem(error: unknown): error is ProblemError {
  return error instanceof ProblemError;
}

/** The registry-wide failure behind a decode result, if that is why it failed. */
function registryOutage(result: DecodeResult): RegistryError | undefined {
  return !result.ok && result.error instanceof RegistryError && result.error.isRegistryWide ? result.error : undefined;
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
