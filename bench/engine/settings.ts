// Settings shared by engine.bench.ts (the parent: topic setup, alternation, report) and
// bench/engine/worker.ts (one child process per measured run, so each side's RSS is its own).
import { defaultBatchPolicy } from '../../src/core/engine/commitPolicy';
import { CONSUME_BATCH, CONSUME_TIMEOUT_MS } from '../../src/core/engine/limits';

/** The fixed bench topic, produced once and reused while its high watermarks still sum to `messageCount`. */
export const benchTopic = 'bench.engine.256b.500k';
export const partitionCount = 6;
export const messageCount = 500_000;
export const valueBytes = 256;

/** Messages asked of librdkafka per consume(n) call, on both sides (the engine's own batch size). */
export const consumeBatch = CONSUME_BATCH;
/** consume(n) waits this long for the first message only (the engine's settings, used by raw too). */
export const consumeTimeoutMs = CONSUME_TIMEOUT_MS;

/**
 * librdkafka fetch/prefetch settings, identical for both sides. They bound the prefetch memory:
 * the consumer queue holds at most `queued.max.messages.kbytes` (and pre-fetches while a partition
 * holds fewer than `queued.min.messages`), and one fetch response is at most `fetch.max.bytes`.
 * The defaults (64 MiB, 100k messages per partition) would prefetch this whole topic.
 */
export const fetchSettings: Readonly<Record<string, string | number | boolean>> = {
  'queued.max.messages.kbytes': 16_384,
  'queued.min.messages': 20_000,
  'fetch.max.bytes': 8 * 1024 * 1024,
  'max.partition.fetch.bytes': 1024 * 1024,
  'fetch.wait.max.ms': 100,
  // Once a partition's queue passes those thresholds librdkafka postpones its next fetch by this
  // long (default 1000 ms, which alone caps a fast consumer at a fraction of its speed).
  'fetch.queue.backoff.ms': 10,
};

/** Consumer properties the engine forces (memberConsumerConfig in rdkafkaConsumer.ts); the raw side sets the same for a fair comparison. */
export const engineEquivalentSettings: Readonly<Record<string, string | number | boolean>> = {
  'enable.auto.commit': false,
  'enable.auto.offset.store': false,
  'partition.assignment.strategy': 'cooperative-sticky',
  'isolation.level': 'read_committed',
  'enable.partition.eof': false,
};

/**
 * raw: the client's consume(n) loop, nothing else; rawCommits: the same plus an async commit of
 * the consumed positions every `commitEvery` messages (what the engine's default policy sends);
 * engine: the ConsumerSession; engineNoCommits: the same with a policy that never comes due during
 * the run (what the engine costs apart from its commits).
 */
export type Side = 'raw' | 'rawCommits' | 'engine' | 'engineNoCommits';

/** The engine's default batch policy commits every 500 completed messages (or 5 s). */
export const commitEvery = defaultBatchPolicy.maxMessages;

export interface WorkerArgs {
  readonly side: Side;
  readonly bootstrapServers: string;
  readonly topic: string;
  readonly expected: number;
  readonly groupId: string;
}

export interface WorkerResult {
  readonly side: Side;
  readonly items: number;
  /** From the first message delivered to the last expected one (group join excluded). */
  readonly seconds: number;
  readonly perSecond: number;
  /** From subscribe to the first message: the group join and first fetch (engine: start(), so its connect too). */
  readonly joinSeconds: number;
  /** Peak RSS of the child process over the whole run (start, join, consume, stop). */
  readonly peakRssMiB: number;
  /** Peak of V8's heap (heapTotal) over the same run: the rest of the RSS is native (librdkafka, Node). */
  readonly peakHeapTotalMiB: number;
  /** RSS just before subscribing (modules loaded, client created). */
  readonly baseRssMiB: number;
  /** CPU time of the child (all threads, librdkafka's included) during the timed window. */
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  /** Async commits the side sent during the run (0 for raw). */
  readonly commits: number;
}

export const resultPrefix = 'ENGINE_BENCH_RESULT ';
