import type { Message } from '@confluentinc/kafka-javascript';
import type { DecodeResult } from '../codec/decodeResult';
import type { ClusterConnection } from '../kafka/connection';
import type { KafkaRecord } from '../kafka/record';
import type { Logger } from '../logging';
import {
  BrowseError,
  type BrowsingConsumer,
  type BrowsingConsumerFactory,
  rdkafkaBrowsingConsumer,
} from './browsingConsumer';
import type { OpeningTimeline } from './openingTimeline';
import { formatOf, statusOf } from './payloadView';
import { planStart } from './startPositions';
import type { IngestEasing } from './ingestEasing';
import type { ViewerOptions } from './types';
import type { ViewerContext, ViewerTimings } from './viewerContext';
import { brokerUnreachable, problemOf, topicNotFound, type ViewerFacts, type ViewerProblem } from './viewerState';

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

class Stopped extends Error {}

export interface ViewerReaderDeps {
  readonly connection: ClusterConnection;
  readonly options: ViewerOptions;
  readonly consumerFactory?: BrowsingConsumerFactory;
  /** Extra librdkafka fetch properties (prefetch bounds). */
  readonly fetchSettings?: Readonly<Record<string, string | number | boolean>>;
  readonly opening: OpeningTimeline;
  /** While it is active, ingest waits 8 ms after each 8 ms slice (a page is loading). */
  readonly easing?: IngestEasing;
  /** Each record appended, with its decode results: the registry re-decoding looks for an outage. */
  readonly noteRegistry: (seq: number, key: DecodeResult, value: DecodeResult) => void;
}

/**
 * The viewer's reader: a browsing consumer that reads by assignment (never a group member, never a
 * commit), reconnects from where it was, and appends what it reads to the buffer in slices so that
 * page requests are answered meanwhile. Filter scans and exports hold it while they need the buffer
 * to keep still.
 */
export class ViewerReader {
  private readonly topic: string;
  private readonly follow: boolean;
  private readonly timings: ViewerTimings;
  private readonly logger: Logger;
  private readCount = 0;

  private consumer: BrowsingConsumer | undefined;
  private loop: Promise<void> | undefined;
  /** Wakes the loop from a pause, a hold or a retry wait. */
  private wake: () => void = () => undefined;
  /** Filter scans and exports running: ingest waits while any is. */
  private holds = 0;

  private partitions: number[] = [];
  /** Next offset to read per partition (after the last record read): a reconnect goes on from there. */
  private readonly positions = new Map<number, number>();
  private planned: ReadonlyMap<number, number> | undefined;
  /** Partitions at their end, with the end offset the client reported (partition EOF). */
  private readonly ended = new Map<number, number>();
  private reopen = false;
  private probing = false;
  private lastProbe = 0;

  constructor(
    private readonly ctx: ViewerContext,
    private readonly deps: ViewerReaderDeps,
  ) {
    this.topic = ctx.topic;
    this.follow = deps.options.follow ?? true;
    this.timings = ctx.timings;
    this.logger = ctx.logger;
  }

  /** Records read since the viewer opened (also those the ring has dropped since). */
  get read(): number {
    return this.readCount;
  }

  private get facts(): ViewerFacts {
    return this.ctx.facts();
  }

  private update(change: Partial<ViewerFacts>): void {
    this.ctx.update(change);
  }

  start(): void {
    this.loop = this.run().catch((error: unknown) => {
      this.logger.error(`the reader stopped unexpectedly: ${(error as Error)?.message ?? String(error)}`);
    });
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

  /** Called once the facts say stopped: wakes the loop, waits for it (bounded) and closes the consumer. */
  async stop(): Promise<void> {
    this.wake();
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
  }

  /** A filter scan or an export needs the buffer to hold still: ingest waits until each is released. */
  hold(): void {
    this.holds++;
  }

  release(): void {
    this.holds--;
    if (this.holds === 0) this.wake();
  }

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
      ...(this.deps.options.isolation ? { isolation: this.deps.options.isolation } : {}),
    });
    this.consumer = consumer;
    consumer.onEnd((end) => this.partitionEnded(end.partition, end.offset));
    consumer.onError((error) => this.clientError(error));
    this.update({ phase: 'connecting' });
    this.logger.debug(`connecting to ${this.deps.connection.bootstrapServers}`);
    await consumer.connect(this.timings.connectTimeoutMs);
    this.checkStopped();
    this.deps.opening.mark('connected');
    const all = await consumer.partitions(this.topic, callTimeoutMs);
    this.checkStopped();
    this.deps.opening.mark('partitions');
    this.logger.debug(`connected; the topic has partitions ${all?.join(', ') ?? '(none)'}`);
    if (!all) throw new ProblemError(topicNotFound(this.topic));
    const wanted = this.deps.options.partitions ?? all;
    const missing = wanted.filter((p) => !all.includes(p));
    if (missing.length > 0)
      throw new ProblemError({
        reason: 'other',
        message: `Topic "${this.topic}" has partitions ${all[0]} to ${all[all.length - 1]}; partition ${missing.join(', ')} does not exist. Choose other partitions; the viewer checks again in case partitions are added.`,
        retrying: true,
      });
    this.partitions = [...wanted].sort((a, b) => a - b);
    if (!this.planned) {
      const plan = await planStart(consumer, this.topic, this.partitions, this.deps.options.start, callTimeoutMs);
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
    this.deps.opening.mark('assigned');
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
        this.deps.opening.mark('firstBatch');
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
      this.deps.opening.mark('caughtUp');
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
    const { store, index, decoder, deadLetters } = this.ctx;
    let sliceStart = performance.now();
    for (let i = 0; i < batch.length; i++) {
      if (i > 0 && i % INGEST_CHECK === 0 && performance.now() - sliceStart >= INGEST_SLICE_MS) {
        // What is in the buffer is shown now (the first rows at once), and requests get their turn.
        this.ctx.changed();
        // Eased while a page loads; the first rows are read at full speed.
        if (this.readCount > 0 && this.deps.easing?.active) await this.sleep(INGEST_SLICE_MS);
        await this.yieldToRequests();
        if (this.facts.stopped) return;
        sliceStart = performance.now();
      }
      const m = batch[i]!;
      if (m.topic !== this.topic) continue;
      const key = (m.key as Buffer | null | undefined) ?? null;
      const value = m.value ?? null;
      let keyResult = decoder.decodeIfReady(key, this.ctx.keyTarget);
      let valueResult = decoder.decodeIfReady(value, this.ctx.valueTarget);
      if (!keyResult) keyResult = await decoder.decode(key, this.ctx.keyTarget);
      if (!valueResult) valueResult = await decoder.decode(value, this.ctx.valueTarget);
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
      deadLetters.dropBelow(store.firstSeq);
      deadLetters.note(seq, record);
      index.afterAppend(seq);
      this.readCount++;
      this.positions.set(m.partition, m.offset + 1);
      // The client reports a partition's end before handing over the batch that reached it: only
      // a record at or past the reported end means the partition has more.
      const end = this.ended.get(m.partition);
      if (end !== undefined && m.offset >= end) this.ended.delete(m.partition);
      this.deps.noteRegistry(seq, keyResult, valueResult);
    }
    this.ctx.changed();
  }

  /**
   * Lets the event loop run what waits (page requests, a filter, an export), then, if a filter
   * scan or an export started meanwhile, waits until it ends: they need the buffer to hold still.
   */
  private async yieldToRequests(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.holds > 0 && !this.facts.stopped) await this.sleep(this.timings.probeIntervalMs);
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
