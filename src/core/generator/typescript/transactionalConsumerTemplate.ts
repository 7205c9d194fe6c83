import type { GeneratorInput } from '../generatorInput';

/**
 * src/consumer.ts of the exactly-once variant: a transactional producer, the handler's outputs and
 * the input offsets committed in one transaction, abort and seek back on a failure.
 */
export function transactionalConsumerTs(_input: GeneratorInput): string {
  return `import {
  KafkaConsumer,
  type LibrdKafkaError,
  type Message,
  Producer,
  type TopicPartition,
  type TopicPartitionOffset,
} from '@confluentinc/kafka-javascript';
import { type Settings, consumerConfig, loadSettings, producerConfig } from './config';
import { type HandlerContext, HandlerDeadLetter, HandlerRetry, type OutputRecord, isRetriable } from './contract';
import { buildEnvelope, deadLetterHeaders } from './deadLetter';
import { ValueDecoder } from './decode';
import { handle } from './handler';
import { type EncodedOutput, encodeOutput, refusal, requireTopic } from './outputs';

const ERR_ASSIGN_PARTITIONS = -175;
const ERR_REVOKE_PARTITIONS = -174;
/** Fencing (librdkafka's and the broker's codes): a newer instance has this transactional.id. */
const FENCING_CODES = new Set([-144, 90, 47, 52]);
const CONSUME_BATCH = 500;
const CONSUME_TIMEOUT_MS = 100;
const CALL_TIMEOUT_MS = 30_000;
type Consumer = KafkaConsumer & {
  incrementalAssign(partitions: TopicPartition[]): void;
  incrementalUnassign(partitions: TopicPartition[]): void;
  assignmentLost(): boolean;
  rebalanceProtocol(): string;
};

/** The producer cannot go on (fenced by a newer instance, a fatal client error): the process exits. */
export class FatalTransactionError extends Error {
  override readonly name = 'FatalTransactionError';
}

class PartitionState {
  /** The first offset not committed yet: where an abort seeks back to. */
  committed: number | undefined;
  /** The offset after the last message of the open transaction. */
  pending: number | undefined;
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

/** A failed offset, kept across its redeliveries: how many attempts, and whether it goes to the DLQ next. */
interface Failure {
  readonly attempts: number;
  readonly error: unknown;
  readonly deadLetter: boolean;
}

const keyOf = (topic: string, partition: number): string => topic + '\\u0000' + partition;
const where = (m: Message): string => m.topic + '/' + m.partition + '@' + m.offset;
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
function promised(run: (cb: (err: LibrdKafkaError | null | undefined) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => run((err) => (err ? reject(err) : resolve())));
}

/**
 * One member of the group, exactly-once for Kafka outputs: each transaction holds the handler's
 * output records, the dead letters and the input offsets (sendOffsetsToTransaction with the
 * consumer's group metadata), and commits them all or none. The input is read read_committed.
 */
export class GroupConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly decoder: ValueDecoder;
  private readonly partitions = new Map<string, PartitionState>();
  private readonly failures = new Map<string, Failure>();
  private inTransaction = 0;
  private transactionStartedAt = Date.now();
  private resumeAt = 0;
  /** Counts the aborts: a batch stops at one (the rest of it is read again after the seek back). */
  private aborts = 0;
  private stopping = false;
  private fatal: Error | undefined;
  /** Transactions, rebalances and the handler run one at a time, in order. */
  private serial: Promise<unknown> = Promise.resolve();

  constructor(private readonly settings: Settings) {
    this.decoder = new ValueDecoder(settings.schemaRegistry);
    this.producer = new Producer(producerConfig(settings));
    this.producer.on('event.error', (error) => console.error('producer:', error.message));
    this.consumer = new KafkaConsumer(
      {
        ...consumerConfig(settings),
        rebalance_cb: (err: LibrdKafkaError, assignment: TopicPartition[]) => {
          void this.exclusive(() => this.onRebalance(err, assignment)).catch((error) => this.fail(error));
        },
      },
      { 'auto.offset.reset': settings.autoOffsetReset },
    ) as Consumer;
    this.consumer.on('event.error', (error) => console.error('kafka:', error.message));
  }

  async run(): Promise<void> {
    const { producer, consumer, settings } = this;
    await promised((cb) => producer.connect({ timeout: CALL_TIMEOUT_MS }, (err) => cb(err)));
    producer.setPollInterval(100);
    for (const topic of [settings.outputTopic, settings.dlqTopic]) await requireTopic(producer, topic, CALL_TIMEOUT_MS);
    // Registers the transactional id: an older instance with it is fenced, its open transaction aborted.
    await this.call('initTransactions', (cb) => producer.initTransactions(CALL_TIMEOUT_MS, cb));
    await this.call('beginTransaction', (cb) => producer.beginTransaction(cb));
    await promised((cb) => consumer.connect({ timeout: CALL_TIMEOUT_MS }, (err) => cb(err)));
    consumer.setDefaultConsumeTimeout(CONSUME_TIMEOUT_MS);
    consumer.subscribe(settings.topics);
    console.log('consuming', settings.topics.join(', '), 'as group', settings.groupId, 'exactly-once, transactional.id', settings.transactionalId);
    try {
      while (!this.stopping) {
        const batch = await this.poll();
        await this.exclusive(() => this.handleBatch(batch));
      }
      if (!this.fatal) await this.exclusive(() => this.commit());
    } catch (error) {
      this.fail(error);
    }
    await this.shutdown();
    if (this.fatal) throw this.fatal;
  }

  /** Stops polling; the open transaction commits and the member leaves the group. */
  stop(): void {
    this.stopping = true;
  }
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.serial.then(work);
    this.serial = next.catch(() => undefined);
    return next;
  }

  private fail(error: unknown): void {
    if (this.fatal) return;
    this.fatal = error instanceof Error ? error : new Error(String(error));
    console.error('fatal: ' + this.fatal.message);
    this.stopping = true;
  }
  private poll(): Promise<Message[]> {
    if (this.resumeAt && Date.now() >= this.resumeAt) {
      this.resumeAt = 0;
      this.setPaused(false);
    }
    return new Promise((resolve) =>
      this.consumer.consume(CONSUME_BATCH, (err, messages) => {
        if (err && !this.stopping) console.error('consume failed:', err.message);
        resolve(messages ?? []);
      }),
    );
  }

  private async handleBatch(batch: Message[]): Promise<void> {
    // Where each partition stands before anything of this batch is handled: an abort goes back there.
    for (const m of batch) {
      const state = this.partitions.get(keyOf(m.topic, m.partition));
      if (state && state.committed === undefined) state.committed = m.offset;
    }
    const aborts = this.aborts;
    for (const message of batch) {
      if (this.stopping || this.aborts !== aborts) break; // uncommitted: read again (seek back) or by the next owner
      const state = this.partitions.get(keyOf(message.topic, message.partition));
      if (!state) continue; // revoked meanwhile: the next owner's
      const floor = state.pending ?? state.committed;
      if (floor !== undefined && message.offset < floor) continue; // already handled in this transaction
      if (!(await this.handleOne(message))) break;
      state.pending = message.offset + 1;
      if (this.inTransaction++ === 0) this.transactionStartedAt = Date.now();
    }
    const { everyMessages, everyMs } = this.settings.commit;
    if (this.inTransaction >= everyMessages || (this.inTransaction > 0 && Date.now() - this.transactionStartedAt >= everyMs))
      await this.commit();
  }

  /** Handles one message into the open transaction; false when it failed and the transaction was aborted. */
  private async handleOne(message: Message): Promise<boolean> {
    const id = where(message);
    const failure = this.failures.get(id);
    if (failure?.deadLetter) {
      if (!(await this.queue(message, failure.attempts, () => this.deadLetter(message, failure.error, failure.attempts)))) return false;
      this.failures.delete(id);
      return true;
    }
    const attempt = (failure?.attempts ?? 0) + 1;
    let decoded;
    try {
      decoded = await this.decoder.decode(message);
    } catch (error) {
      if (!isRetriable(error)) return this.queue(message, 0, () => this.deadLetter(message, error, 0));
      return this.failed(message, error, attempt);
    }
    const context: HandlerContext = {
      attempt,
      replay: false,
      signal: new AbortController().signal,
      log: (...args: unknown[]) => console.log('[' + id + ']', ...args),
    };
    let outputs: EncodedOutput[] = [];
    let dead: HandlerDeadLetter | undefined;
    try {
      const result = await handle(decoded, context);
      if (Array.isArray(result)) outputs = (result as readonly OutputRecord[]).map((o) => encodeOutput(o, this.settings.outputTopic));
      else if (result && 'decision' in result) {
        if (result.decision === 'retry') throw new HandlerRetry(result.reason ?? 'the handler asked for a retry');
        if (result.decision === 'deadLetter') dead = new HandlerDeadLetter(result.reason ?? 'the handler dead-lettered it');
      }
    } catch (error) {
      return this.failed(message, error, attempt);
    }
    const queued = await this.queue(message, attempt, () => {
      for (const o of outputs) this.producer.produce(o.topic, o.partition, o.value, o.key, Date.now(), undefined, o.headers);
      if (dead) this.deadLetter(message, dead, attempt);
    });
    if (queued) this.failures.delete(id);
    return queued;
  }

  /** Hands records to the open transaction. A refusal aborts it: a record the broker could never take is the handler's failure; anything else (the transaction must abort) reads the messages again. */
  private async queue(message: Message, attempt: number, produce: () => void): Promise<boolean> {
    try {
      produce();
      return true;
    } catch (error) {
      const kind = refusal(error);
      if (kind === 'fatal') throw new FatalTransactionError('the transactional producer ' + this.settings.transactionalId + ' cannot go on (' + messageOf(error) + '); nothing of the open transaction was committed. Restart the consumer.');
      if (kind === 'record') return this.failed(message, error, attempt);
      console.error('the producer refused a record of the transaction (' + messageOf(error) + '): aborting it, the messages since the last commit are read again');
      await this.abort(this.settings.retry.capMs);
      return false;
    }
  }

  /** A failure aborts the transaction and seeks back; the message's next delivery retries it or dead-letters it. */
  private async failed(message: Message, error: unknown, attempt: number): Promise<boolean> {
    const retry = isRetriable(error) && attempt < this.settings.retry.maxAttempts;
    this.failures.set(where(message), { attempts: attempt, error, deadLetter: !retry });
    console.warn((retry ? 'retrying ' : 'dead-lettering ') + where(message) + ' (attempt ' + attempt + '), aborting the transaction:', messageOf(error));
    const { baseMs, capMs } = this.settings.retry;
    const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
    await this.abort(retry ? Math.round(ceiling / 2 + (Math.random() * ceiling) / 2) : 0);
    return false;
  }

  /** The dead letter goes in the transaction too: it commits with the input's offset, or neither does. */
  private deadLetter(message: Message, error: unknown, attempts: number): void {
    const envelope = buildEnvelope(message, error, attempts);
    this.producer.produce(this.settings.dlqTopic, null, Buffer.from(JSON.stringify(envelope)), message.key ?? null, Date.now(), undefined, deadLetterHeaders(message, envelope, error));
    console.warn('dead-lettered ' + where(message) + ':', messageOf(error));
  }

  /** Commits the outputs and the offsets of the open transaction together, then opens the next. */
  private async commit(): Promise<void> {
    if (this.inTransaction === 0) return;
    const states = [...this.partitions.values()].filter((s) => s.pending !== undefined);
    const offsets: TopicPartitionOffset[] = states.map((s) => ({ topic: s.topic, partition: s.partition, offset: s.pending as number }));
    try {
      if (offsets.length > 0)
        await this.call('sendOffsetsToTransaction', (cb) => this.producer.sendOffsetsToTransaction(offsets, this.consumer, CALL_TIMEOUT_MS, cb));
      await this.call('commitTransaction', (cb) => this.producer.commitTransaction(CALL_TIMEOUT_MS, cb));
    } catch (error) {
      if (error instanceof FatalTransactionError) throw error;
      // Nothing of it counts: the messages since the last commit are read and handled again.
      console.error('the transaction did not commit, aborting it:', messageOf(error));
      await this.abort(0);
      return;
    }
    for (const s of states) {
      s.committed = s.pending;
      s.pending = undefined;
    }
    this.inTransaction = 0;
    await this.call('beginTransaction', (cb) => this.producer.beginTransaction(cb));
  }

  /** Aborts the open transaction and seeks every partition back to its last committed offset. */
  private async abort(backoffMs: number): Promise<void> {
    // Delivered first, then aborted: records purged in flight make the client bump its epoch, which races the next abort.
    await promised((cb) => this.producer.flush(CALL_TIMEOUT_MS, (err) => cb(err))).catch(() => undefined);
    await this.call('abortTransaction', (cb) => this.producer.abortTransaction(CALL_TIMEOUT_MS, cb));
    this.aborts++;
    this.inTransaction = 0;
    for (const s of this.partitions.values()) {
      s.pending = undefined;
      if (s.committed === undefined) continue;
      const target = { topic: s.topic, partition: s.partition, offset: s.committed };
      await promised((cb) => this.consumer.seek(target, CALL_TIMEOUT_MS, cb)).catch((error: Error) => {
        // Going on from where it is would commit past the aborted messages: stop instead (a restart resumes from the commit).
        throw new FatalTransactionError('could not seek ' + s.topic + '/' + s.partition + ' back to ' + s.committed + ' after an abort (' + error.message + '); stopping without committing');
      });
    }
    // A backoff without sleeping: the partitions are paused, the loop keeps polling.
    if (backoffMs > 0) {
      this.resumeAt = Date.now() + backoffMs;
      this.setPaused(true);
    }
    await this.call('beginTransaction', (cb) => this.producer.beginTransaction(cb));
  }

  private setPaused(paused: boolean): void {
    const list = [...this.partitions.values()].map((s) => ({ topic: s.topic, partition: s.partition }));
    try {
      if (list.length > 0) this.consumer[paused ? 'pause' : 'resume'](list);
    } catch (error) {
      console.error('pause/resume failed:', messageOf(error));
    }
  }
  private async onRebalance(err: LibrdKafkaError, assignment: TopicPartition[]): Promise<void> {
    const cooperative = this.consumer.rebalanceProtocol() === 'COOPERATIVE';
    const names = assignment.map((tp) => tp.topic + '/' + tp.partition).join(', ');
    if (err.code === ERR_ASSIGN_PARTITIONS) {
      for (const tp of assignment) this.partitions.set(keyOf(tp.topic, tp.partition), new PartitionState(tp.topic, tp.partition));
      console.log('assigned', names);
      if (cooperative) this.consumer.incrementalAssign(assignment);
      else this.consumer.assign(assignment);
      return;
    }
    if (err.code !== ERR_REVOKE_PARTITIONS) {
      console.error('rebalance failed:', err.message);
      return;
    }
    const lost = this.consumer.assignmentLost();
    console.log(lost ? 'lost' : 'revoked', names);
    const forget = (): void => {
      for (const tp of assignment) this.partitions.delete(keyOf(tp.topic, tp.partition));
    };
    try {
      // Lost: another member may own them already, so their work is aborted, never committed.
      if (lost) forget();
      // Revoked: the open transaction commits before the partitions move.
      if (!this.fatal && this.inTransaction > 0) await (lost ? this.abort(0) : this.commit());
    } finally {
      forget();
      if (cooperative) this.consumer.incrementalUnassign(assignment);
      else this.consumer.unassign();
    }
  }

  /** A transactional call; fencing and fatal errors become FatalTransactionError, saying what to do. */
  private async call(operation: string, run: (cb: (err: LibrdKafkaError) => void) => void): Promise<void> {
    try {
      await promised(run);
    } catch (error) {
      const e = error as Partial<LibrdKafkaError>;
      if (FENCING_CODES.has(e.code as number))
        throw new FatalTransactionError(
          'the transactional producer ' + this.settings.transactionalId + ' was fenced in ' + operation + ' (' + e.message + '): another instance runs with the same transactional.id. This one stops without committing; give each instance its own KAFKA_INSTANCE_ID.',
        );
      if (e.isFatal)
        throw new FatalTransactionError('the transactional producer ' + this.settings.transactionalId + ' failed in ' + operation + ' and cannot go on (' + e.message + '); nothing of the open transaction was committed. Restart the consumer.');
      throw error;
    }
  }
  private async shutdown(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 15_000);
      this.consumer.disconnect(() => (clearTimeout(timer), resolve()));
    });
    await this.serial;
    if (this.fatal === undefined || !(this.fatal instanceof FatalTransactionError))
      await promised((cb) => this.producer.abortTransaction(5_000, cb)).catch(() => undefined);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      // Stop polling first: a poll while the disconnect destroys the handle can crash the process.
      this.producer.setPollInterval(0);
      this.producer.disconnect(5_000, () => (clearTimeout(timer), resolve()));
    });
    console.log('stopped');
  }
}

export async function main(): Promise<void> {
  const consumer = new GroupConsumer(loadSettings());
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      console.error('second ' + signal + ': exiting without waiting (the open transaction is aborted by the broker)');
      process.exit(130);
    }
    console.log(signal + ': committing the open transaction and leaving the group');
    consumer.stop();
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
