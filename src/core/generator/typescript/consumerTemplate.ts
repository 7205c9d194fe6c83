import type { GeneratorInput } from '../generatorInput';

/** src/consumer.ts: the poll loop, rebalances, retries by pause/resume, commits and shutdown. */
export function consumerTs(_input: GeneratorInput): string {
  return `import {
  KafkaConsumer,
  type LibrdKafkaError,
  type Message,
  type TopicPartition,
  type TopicPartitionOffset,
} from '@confluentinc/kafka-javascript';
import { type Settings, consumerConfig, loadSettings } from './config';
import { type HandlerContext, HandlerDeadLetter, type HandlerMessage, HandlerRetry, isRetriable } from './contract';
import { DeadLetterProducer } from './deadLetter';
import { ValueDecoder } from './decode';
import { handle } from './handler';
import type { Value } from './types';
import { Watermark } from './watermark';

const ERR_ASSIGN_PARTITIONS = -175;
const ERR_REVOKE_PARTITIONS = -174;
/** A partition holding more fetched messages than this is paused until its queue halves. */
const MAX_QUEUED_PER_PARTITION = 1000;
const CONSUME_BATCH = 500;
const CONSUME_TIMEOUT_MS = 100;

/** Methods the binding has at run time that its type declarations omit. */
type Consumer = KafkaConsumer & {
  incrementalAssign(partitions: TopicPartition[]): void;
  incrementalUnassign(partitions: TopicPartition[]): void;
  assignmentLost(): boolean;
  rebalanceProtocol(): string;
};

interface Job {
  readonly message: Message;
  attempt: number;
}

class PartitionState {
  readonly watermark = new Watermark();
  readonly queue: Message[] = [];
  readonly abort = new AbortController();
  inFlight = 0;
  /** Messages waiting for a retry (or for their dead-letter write to succeed): they block the partition. */
  waiting = 0;
  readonly timers = new Set<NodeJS.Timeout>();
  paused = false;
  lastCommitted = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

const keyOf = (topic: string, partition: number): string => topic + '\\u0000' + partition;

/**
 * One member of the group. Commits are never automatic: an offset is committed only once every
 * message before it is done (handled, skipped or acknowledged by the dead-letter topic).
 */
export class GroupConsumer {
  private readonly consumer: Consumer;
  private readonly partitions = new Map<string, PartitionState>();
  private readonly deadLetters: DeadLetterProducer;
  private readonly decoder: ValueDecoder;
  private inFlight = 0;
  private completedSinceCommit = 0;
  private lastCommitAt = Date.now();
  private stopping = false;
  private rebalances: Promise<void> = Promise.resolve();
  private readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(private readonly settings: Settings) {
    this.deadLetters = new DeadLetterProducer(settings);
    this.decoder = new ValueDecoder(settings.schemaRegistry);
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.consumer = new KafkaConsumer(
      {
        ...consumerConfig(settings),
        rebalance_cb: (err: LibrdKafkaError, assignment: TopicPartition[]) => {
          // Callbacks are answered in order, each after the one before it.
          this.rebalances = this.rebalances.then(() => this.onRebalance(err, assignment)).catch((error) =>
            console.error('rebalance handling failed:', error),
          );
        },
      },
      { 'auto.offset.reset': settings.autoOffsetReset },
    ) as Consumer;
    this.consumer.on('event.error', (error) => console.error('kafka:', error.message));
  }

  async run(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(new Error('could not connect: ' + err.message)) : resolve())),
    );
    this.consumer.setDefaultConsumeTimeout(CONSUME_TIMEOUT_MS);
    this.consumer.subscribe(this.settings.topics);
    console.log('consuming', this.settings.topics.join(', '), 'as group', this.settings.groupId);
    // The loop never waits on a handler: polling goes on during handlers and backoffs, so the
    // member stays within max.poll.interval.ms whatever the handlers do.
    while (!this.stopping) {
      const batch = await this.poll();
      for (const message of batch) this.enqueue(message);
      this.dispatch();
      this.maybeCommit(false);
    }
    await this.shutdown();
  }

  /** Stops polling, lets the handlers in flight finish (bounded), commits what is done and leaves the group. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.stopped;
  }

  private poll(): Promise<Message[]> {
    return new Promise((resolve) =>
      this.consumer.consume(CONSUME_BATCH, (err, messages) => {
        if (err && !this.stopping) console.error('consume failed:', err.message);
        resolve(messages ?? []);
      }),
    );
  }

  private enqueue(message: Message): void {
    const state = this.partitions.get(keyOf(message.topic, message.partition));
    // A message fetched for a partition given up in the meantime is the next owner's.
    if (!state) return;
    state.watermark.track(message.offset);
    state.queue.push(message);
    this.updatePause(state);
  }

  private dispatch(): void {
    if (this.stopping) return;
    // Round robin over the partitions, so that one busy partition does not starve the others.
    for (let started = true; started && this.inFlight < this.settings.concurrency; ) {
      started = false;
      for (const state of this.partitions.values()) {
        if (state.waiting > 0 || state.queue.length === 0 || this.inFlight >= this.settings.concurrency) continue;
        this.start(state, { message: state.queue.shift() as Message, attempt: 1 });
        started = true;
      }
    }
    for (const state of this.partitions.values()) this.updatePause(state);
  }

  private start(state: PartitionState, job: Job): void {
    state.inFlight++;
    this.inFlight++;
    void this.process(state, job).finally(() => {
      state.inFlight--;
      this.inFlight--;
      this.dispatch();
    });
  }

  private async process(state: PartitionState, job: Job): Promise<void> {
    const { message } = job;
    let decoded: HandlerMessage<Value | null>;
    try {
      decoded = await this.decoder.decode(message);
    } catch (error) {
      if (isRetriable(error)) return this.retryLater(state, job, error);
      return this.deadLetter(state, job, error, 0);
    }
    const context: HandlerContext = {
      attempt: job.attempt,
      replay: false,
      signal: state.abort.signal,
      log: (...args: unknown[]) => console.log('[' + message.topic + '/' + message.partition + '@' + message.offset + ']', ...args),
    };
    try {
      const result = await handle(decoded, context);
      if (state.abort.signal.aborted) return; // revoked meanwhile: the next owner handles it again
      if (result?.decision === 'retry') throw new HandlerRetry(result.reason ?? 'the handler asked for a retry');
      if (result?.decision === 'deadLetter')
        return this.deadLetter(state, job, new HandlerDeadLetter(result.reason ?? 'the handler dead-lettered it'), job.attempt);
      this.complete(state, message);
    } catch (error) {
      if (state.abort.signal.aborted) return;
      if (isRetriable(error) && job.attempt < this.settings.retry.maxAttempts) return this.retryLater(state, job, error);
      return this.deadLetter(state, job, error, job.attempt);
    }
  }

  /** Backoff without sleeping: the partition is paused, the loop keeps polling, a timer brings the message back. */
  private retryLater(state: PartitionState, job: Job, error: unknown): void {
    const { baseMs, capMs } = this.settings.retry;
    const ceiling = Math.min(capMs, baseMs * 2 ** (job.attempt - 1));
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    console.warn(
      'retrying ' + job.message.topic + '/' + job.message.partition + '@' + job.message.offset + ' in ' + delay + ' ms (attempt ' + job.attempt + '):',
      error instanceof Error ? error.message : error,
    );
    this.later(state, delay, () => {
      job.attempt++;
      this.start(state, job);
    });
  }

  private async deadLetter(state: PartitionState, job: Job, error: unknown, attempts: number): Promise<void> {
    try {
      // Resolves only once the broker acknowledged the envelope: the offset is committed after that, never before.
      await this.deadLetters.write(job.message, error, attempts);
      console.warn('dead-lettered ' + job.message.topic + '/' + job.message.partition + '@' + job.message.offset + ':', error instanceof Error ? error.message : error);
      this.complete(state, job.message);
    } catch (writeError) {
      // Never lose the message: keep it uncommitted and try the write again after a backoff.
      console.error('dead-letter write failed, the message stays uncommitted:', (writeError as Error).message);
      this.later(state, this.settings.retry.capMs, () => {
        state.inFlight++;
        this.inFlight++;
        void this.deadLetter(state, job, error, attempts).finally(() => {
          state.inFlight--;
          this.inFlight--;
          this.dispatch();
        });
      });
    }
  }

  /** Runs \`then\` after a delay, the partition paused meanwhile; not at all once the partition is gone or the consumer stops. */
  private later(state: PartitionState, delayMs: number, then: () => void): void {
    state.waiting++;
    this.updatePause(state);
    const timer = setTimeout(() => {
      state.timers.delete(timer);
      state.waiting--;
      if (!state.abort.signal.aborted && !this.stopping) then();
    }, delayMs);
    state.timers.add(timer);
  }

  private complete(state: PartitionState, message: Message): void {
    state.watermark.finish(message.offset);
    this.completedSinceCommit++;
    this.maybeCommit(false);
  }

  private maybeCommit(force: boolean, only?: readonly PartitionState[]): void {
    const { everyMessages, everyMs } = this.settings.commit;
    const due =
      force || this.completedSinceCommit >= everyMessages || (this.completedSinceCommit > 0 && Date.now() - this.lastCommitAt >= everyMs);
    if (!due) return;
    const offsets: TopicPartitionOffset[] = [];
    const states = only ?? [...this.partitions.values()];
    for (const state of states) {
      const next = state.watermark.committable();
      if (next !== undefined && next > state.lastCommitted)
        offsets.push({ topic: state.topic, partition: state.partition, offset: next });
    }
    if (!only) {
      this.completedSinceCommit = 0;
      this.lastCommitAt = Date.now();
    }
    if (offsets.length === 0) return;
    try {
      this.consumer.commitSync(offsets);
      for (const o of offsets) {
        const state = this.partitions.get(keyOf(o.topic, o.partition));
        if (state) state.lastCommitted = o.offset;
      }
    } catch (error) {
      // Not fatal: the same offsets (or later ones) are committed next time.
      console.error('commit failed:', (error as Error).message);
    }
  }

  private updatePause(state: PartitionState): void {
    if (!this.partitions.has(keyOf(state.topic, state.partition))) return;
    const full = state.queue.length >= MAX_QUEUED_PER_PARTITION;
    const wanted = state.waiting > 0 || full || (state.paused && state.queue.length > MAX_QUEUED_PER_PARTITION / 2);
    if (wanted === state.paused) return;
    const tp = [{ topic: state.topic, partition: state.partition }];
    try {
      if (wanted) this.consumer.pause(tp);
      else this.consumer.resume(tp);
      state.paused = wanted;
    } catch (error) {
      console.error('pause/resume failed:', (error as Error).message);
    }
  }

  private async onRebalance(err: LibrdKafkaError, assignment: TopicPartition[]): Promise<void> {
    const cooperative = this.consumer.rebalanceProtocol() === 'COOPERATIVE';
    if (err.code === ERR_ASSIGN_PARTITIONS) {
      for (const tp of assignment) this.partitions.set(keyOf(tp.topic, tp.partition), new PartitionState(tp.topic, tp.partition));
      console.log('assigned', assignment.map((tp) => tp.topic + '/' + tp.partition).join(', '));
      if (cooperative) this.consumer.incrementalAssign(assignment);
      else this.consumer.assign(assignment);
      return;
    }
    if (err.code !== ERR_REVOKE_PARTITIONS) {
      console.error('rebalance failed:', err.message);
      return;
    }
    const lost = this.consumer.assignmentLost();
    const states = assignment
      .map((tp) => this.partitions.get(keyOf(tp.topic, tp.partition)))
      .filter((s): s is PartitionState => s !== undefined);
    console.log(lost ? 'lost' : 'revoked', assignment.map((tp) => tp.topic + '/' + tp.partition).join(', '));
    for (const state of states) {
      state.queue.length = 0;
      for (const timer of state.timers) clearTimeout(timer);
    }
    if (lost) {
      // Another member may own them already: committing now could move its offsets backwards.
      for (const state of states) state.abort.abort();
    } else {
      await this.drain(states, this.settings.shutdownTimeoutMs);
      this.maybeCommit(true, states);
      for (const state of states) state.abort.abort();
    }
    for (const state of states) this.partitions.delete(keyOf(state.topic, state.partition));
    if (cooperative) this.consumer.incrementalUnassign(assignment);
    else this.consumer.unassign();
  }

  /** Waits, bounded, for the handlers in flight on these partitions. */
  private async drain(states: readonly PartitionState[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (states.some((s) => s.inFlight > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  private async shutdown(): Promise<void> {
    const states = [...this.partitions.values()];
    for (const state of states) {
      for (const timer of state.timers) clearTimeout(timer);
      state.queue.length = 0;
    }
    await this.drain(states, this.settings.shutdownTimeoutMs);
    this.maybeCommit(true);
    for (const state of states) state.abort.abort();
    await this.rebalances;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 15_000);
      this.consumer.disconnect(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await this.deadLetters.close();
    console.log('stopped');
    this.resolveStopped();
  }
}

export async function main(): Promise<void> {
  const consumer = new GroupConsumer(loadSettings());
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      console.error('second ' + signal + ': exiting without waiting');
      process.exit(130);
    }
    console.log(signal + ': finishing the messages in flight, committing and leaving the group');
    void consumer.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await consumer.run();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
`;
}
