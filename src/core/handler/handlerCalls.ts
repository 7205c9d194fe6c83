import { HandlerProcessError } from './handlerErrors';
import type { EngineFrame, ErrorInfo, MessageFrame, ResultFrame } from './protocol';

interface Pending {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly map: ResultMap<unknown> | undefined;
  /** When its time limit passes (performance.now() milliseconds), or Infinity. */
  readonly deadline: number;
  readonly timeoutMs?: number;
  readonly message: Omit<MessageFrame, 'id'>;
  onAbort?: () => void;
  signal?: AbortSignal;
}

export interface CallOptions {
  /** Aborting it cancels the call (the handler's own signal aborts too). */
  readonly signal?: AbortSignal;
  /** The engine's cheaper cancel hook (a HandlerContext's onAbandon); used instead of `signal` when given. */
  readonly abandonable?: { onAbandon?(listener: () => void): void };
  /** No time limit when undefined (a debugger is attached). */
  readonly timeoutMs?: number;
}

/**
 * What a call's promise settles with, made where it settles: the caller's own mapping of a result
 * (and of a failure, which it throws), so that no second promise is chained per call.
 */
export interface ResultMap<T> {
  result(result: ResultFrame): T;
  failure(error: unknown): T;
}

let callSeq = 0;

/** The result of every call that returned: nothing reads its id, so one object serves them all. */
const OK: ResultFrame = Object.freeze({ id: '', outcome: 'ok' });

/**
 * The calls in flight on a handler channel: each waits for its result, its time limit or its
 * cancel. Calls asked in one turn of the event loop go out as one `handle` frame, cancels as one
 * `cancel` frame; results come back batched too.
 */
export class HandlerCalls {
  private readonly pending = new Map<string, Pending>();
  private outgoing: MessageFrame[] = [];
  private cancels: string[] = [];
  private flushScheduled = false;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private nextDeadline = Infinity;

  constructor(private readonly send: (frame: EngineFrame) => void) {}

  add(message: Omit<MessageFrame, 'id'>, options: CallOptions): Promise<ResultFrame>;
  add<T>(message: Omit<MessageFrame, 'id'>, options: CallOptions, map: ResultMap<T>): Promise<T>;
  add(message: Omit<MessageFrame, 'id'>, options: CallOptions, map?: ResultMap<unknown>): Promise<unknown> {
    const id = `m${++callSeq}`;
    return new Promise<unknown>((resolve, reject) => {
      const { signal, timeoutMs, abandonable } = options;
      const onAbandon = abandonable?.onAbandon;
      const entry: Pending = {
        resolve,
        reject,
        map,
        deadline: timeoutMs === undefined ? Infinity : performance.now() + timeoutMs,
        timeoutMs,
        message,
      };
      if (signal && !onAbandon) {
        if (signal.aborted) return reject(signal.reason);
        entry.signal = signal;
        entry.onAbort = () => this.settle(id, undefined, signal.reason, true);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.set(id, entry);
      if (entry.deadline < this.nextDeadline) this.armDeadline(entry.deadline);
      // The frame is the caller's own fresh object: it takes its id in place instead of a copy per message.
      (message as { id?: string }).id = id;
      this.outgoing.push(message as MessageFrame);
      this.scheduleFlush();
      onAbandon?.call(abandonable, () =>
        this.settle(
          id,
          undefined,
          new HandlerProcessError('closed', 'the attempt was abandoned (revoke, seek or stop)'),
          true,
        ),
      );
    });
  }

  /**
   * One timer for every call's time limit, set for the earliest deadline, instead of a timer per
   * call (thousands are in flight in running mode). When it fires, the calls past their limit fail
   * and it is set again for the earliest one left.
   */
  private armDeadline(deadline: number): void {
    clearTimeout(this.deadlineTimer);
    this.nextDeadline = deadline;
    this.deadlineTimer = setTimeout(() => this.expire(), Math.max(0, Math.ceil(deadline - performance.now())));
  }

  private expire(): void {
    this.deadlineTimer = undefined;
    this.nextDeadline = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [id, entry] of this.pending) {
      if (entry.deadline <= now) {
        const { topic, partition, offset } = entry.message;
        const where = `${topic}[${partition}]@${offset}`;
        this.settle(
          id,
          undefined,
          new HandlerProcessError('timeout', `the handler took longer than ${entry.timeoutMs} ms on ${where}`),
          true,
        );
      } else if (entry.deadline < next) next = entry.deadline;
    }
    if (next < Infinity) this.armDeadline(next);
  }

  /** The calls that returned, by id: each settles with the one shared `ok` result. */
  returned(ids: readonly unknown[]): void {
    for (const id of ids) if (typeof id === 'string') this.settle(id, OK, undefined, false);
  }

  /** Results from the process: each settles its call; one the protocol does not know fails it. */
  results(results: readonly unknown[]): void {
    for (const raw of results) {
      const result = raw as ResultFrame;
      if (!result || typeof result !== 'object' || typeof result.id !== 'string') continue;
      if (
        result.outcome === 'ok' ||
        (result.outcome === 'decision' && ['skip', 'retry', 'deadLetter'].includes(result.decision))
      ) {
        this.settle(result.id, result, undefined, false);
      } else if (result.outcome === 'error' && result.error) {
        this.settle(result.id, { id: result.id, outcome: 'error', error: toErrorInfo(result.error) }, undefined, false);
      } else {
        const text = JSON.stringify(raw).slice(0, 120);
        this.settle(
          result.id,
          undefined,
          new HandlerProcessError(
            'malformedFrame',
            `the handler process sent a result the protocol does not know (${text})`,
          ),
          false,
        );
      }
    }
  }

  /** Fails every call in flight (the process went away, the channel closed). */
  failAll(error: HandlerProcessError): void {
    const ids = [...this.pending.keys()];
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.nextDeadline = Infinity;
    this.outgoing = [];
    this.cancels = [];
    for (const id of ids) this.settle(id, undefined, error, false);
  }

  private settle(id: string, result: ResultFrame | undefined, error: unknown, cancel: boolean): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    if (cancel) {
      const queued = this.outgoing.findIndex((m) => m.id === id);
      if (queued >= 0) this.outgoing.splice(queued, 1);
      else {
        this.cancels.push(id);
        this.scheduleFlush();
      }
    }
    if (!entry.map) {
      if (result) entry.resolve(result);
      else entry.reject(error);
      return;
    }
    try {
      entry.resolve(result ? entry.map.result(result) : entry.map.failure(error));
    } catch (mapped) {
      entry.reject(mapped);
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** One `handle` frame for everything asked this turn, and one `cancel` frame. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.cancels.length) {
      const ids = this.cancels;
      this.cancels = [];
      this.send({ type: 'cancel', ids });
    }
    if (this.outgoing.length) {
      const messages = this.outgoing;
      this.outgoing = [];
      try {
        this.send({ type: 'handle', messages });
      } catch (error) {
        // A frame over the protocol's limit: those calls fail, the process stays.
        const failure = new HandlerProcessError(
          'frameTooLarge',
          error instanceof Error ? error.message : String(error),
        );
        for (const m of messages) this.settle(m.id, undefined, failure, false);
      }
    }
  }
}

/** An error as the process reported it, bounded and typed (it is untrusted input). */
export function toErrorInfo(raw: unknown): ErrorInfo {
  const e = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : undefined);
  return {
    type: text(e.type, 200) || 'Error',
    message: text(e.message, 16_384) ?? String(raw).slice(0, 16_384),
    ...(text(e.stack, 65_536) ? { stack: text(e.stack, 65_536) } : {}),
    ...(typeof e.retriable === 'boolean' ? { retriable: e.retriable } : {}),
  };
}
