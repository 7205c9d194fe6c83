import { HoldMessage } from './hold';
import { type OutputRecord, appendOutputs, returnedOutputs } from './outputs';
import type { PartitionPauses } from './pauses';
import type { Entry, PartitionQueues, PartitionState } from './partitionQueues';
import type { HandlerContext, HandlerReturn, MessageHandler, SessionMode } from './types';

export interface DispatcherHost {
  mode(): SessionMode;
  handler(): MessageHandler | undefined;
  /** Stepping: a member has a message that could become the current one. */
  stepCandidateAvailable(): void;
  /** The handler returned: the message is done. */
  handled(entry: Entry): void;
  /**
   * The handler threw or rejected (not a HoldMessage): the failure path decides. `again`: the
   * message failed before, in a transaction that was aborted, and comes back for the policy.
   */
  failed(entry: Entry, error: unknown, again?: boolean): void;
  /** The handler held the message: it is back at the head of its partition. */
  held(entry: Entry, hold: HoldMessage): void;
}

/**
 * What a handler gets with a message. The abort signal is made on first read: most handlers never
 * read it, and an AbortController per message cost more than the rest of the dispatch (profile of
 * bench/engine.bench.ts). Read while its attempt runs, it is the signal abandon() aborts; read
 * after the attempt is over, it comes already aborted. A class, not an object literal with a
 * getter: such a literal gets a map of its own each time, which floods the old space.
 */
class AttemptContext implements HandlerContext {
  readonly attempt: number;
  readonly #entry: Entry;
  #signal: AbortSignal | undefined;

  constructor(entry: Entry) {
    this.#entry = entry;
    this.attempt = entry.message.attempts;
  }

  onAbandon(listener: () => void): void {
    const entry = this.#entry;
    if (entry.state === 'running' && entry.message.attempts === this.attempt) entry.onAbandon = listener;
    else listener();
  }

  send(record: OutputRecord): void {
    const entry = this.#entry;
    if (entry.state !== 'running' || entry.message.attempts !== this.attempt)
      throw new Error('this attempt is over (abandoned, timed out or returned): its output was not sent');
    appendOutputs((entry.outputs ??= []), [record]);
  }

  get signal(): AbortSignal {
    if (!this.#signal) {
      const entry = this.#entry;
      if (entry.state === 'running' && entry.message.attempts === this.attempt)
        this.#signal = (entry.controller = new AbortController()).signal;
      else this.#signal = AbortSignal.abort();
    }
    return this.#signal;
  }
}

/**
 * The member's worker pool (kafkajs's runner and worker queue, in one small loop): in running mode
 * it hands queued messages to the handler, up to `concurrency` at once in the member and
 * `partitionConcurrency` per partition, in partition order; in stepping mode it tells the session
 * a message is there to be shown. Safe to call from anywhere; never recursive.
 */
export class Dispatcher {
  private dispatching = false;
  private again = false;

  constructor(
    private readonly host: DispatcherHost,
    private readonly queues: PartitionQueues,
    private readonly pauses: PartitionPauses,
    private readonly concurrency: number,
    private readonly partitionConcurrency: number,
  ) {}

  dispatch(): void {
    if (this.dispatching) {
      this.again = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.again = false;
        const mode = this.host.mode();
        if (mode === 'running') this.dispatchRunning();
        else if (mode === 'stepping') this.host.stepCandidateAvailable();
        this.pauses.releaseBackpressure();
      } while (this.again);
    } finally {
      this.dispatching = false;
    }
  }

  /** Whether the head of this partition may be taken now (by a handler or for a decision). */
  canStart(ps: PartitionState): boolean {
    return (
      !ps.revoked &&
      !ps.revoking &&
      ps.queue.length > 0 &&
      ps.active.length - ps.sending < this.partitionConcurrency &&
      ps.blockedReason === undefined
    );
  }

  private dispatchRunning(): void {
    const handler = this.host.handler();
    if (!handler) return;
    const queues = this.queues;
    let progressed = true;
    while (progressed && queues.inFlight < this.concurrency) {
      progressed = false;
      for (const ps of queues.values()) {
        // A handler may hold a message (and so switch the session to stepping) synchronously.
        while (queues.inFlight < this.concurrency && this.canStart(ps) && this.host.mode() === 'running') {
          this.run(ps.queue.peek() as Entry, handler);
          progressed = true;
        }
      }
    }
  }

  private run(entry: Entry, handler: MessageHandler): void {
    this.queues.transition(entry, 'running');
    const failedBefore = entry.failedBefore;
    if (failedBefore !== undefined) {
      // Its handler failed in an aborted transaction: the retry / dead-letter policy meets it now.
      entry.failedBefore = undefined;
      this.host.failed(entry, failedBefore, true);
      return;
    }
    entry.message.attempts++;
    entry.outputs = undefined;
    let result: HandlerReturn | Promise<HandlerReturn>;
    try {
      result = handler(entry.message, new AttemptContext(entry));
    } catch (error) {
      this.done(entry, error, true);
      return;
    }
    if (result && typeof (result as Promise<HandlerReturn>).then === 'function') {
      (result as Promise<HandlerReturn>).then(
        (value) => this.done(entry, undefined, false, value),
        (error: unknown) => this.done(entry, error ?? new Error('handler rejected without a reason'), true),
      );
    } else {
      this.done(entry, undefined, false, result as HandlerReturn);
    }
  }

  private done(entry: Entry, error: unknown, failed: boolean, returned?: HandlerReturn): void {
    if (entry.state !== 'running') return; // abandoned (revoke, seek, stop) meanwhile
    entry.controller = undefined;
    entry.onAbandon = undefined;
    if (!failed) {
      const outputs = returned ? returnedOutputs(returned) : undefined;
      if (outputs) {
        try {
          appendOutputs((entry.outputs ??= []), outputs);
        } catch (outputError) {
          this.host.failed(entry, outputError);
          return;
        }
      }
      this.host.handled(entry);
      return;
    }
    if (error instanceof HoldMessage) {
      // Not processed (unless the handler ran and failed): it goes back to the head of its partition.
      if (!error.afterHandler) entry.message.attempts--;
      else if (error.cause !== undefined) entry.lastError = error.cause;
      this.queues.transition(entry, 'queued');
      this.host.held(entry, error);
      this.dispatch();
      return;
    }
    this.host.failed(entry, error);
  }
}
