import { partitionKey } from './offsetTracker';
import { Deque } from './deque';
import type { FetchedRecord } from './consumerPort';
import type { OutputDraft } from './outputs';
import type { ConsumedMessage } from './types';

/**
 * A message's life in a member: queued in its partition, then running (a handler), awaiting (a
 * decision), waiting for a retry, being written to the DLQ or blocked there, and finally finished.
 */
export type EntryState =
  | 'queued'
  | 'running'
  /** At-least-once: the handler returned and its outputs wait for the broker's acknowledgement. */
  | 'sending'
  | 'awaiting'
  | 'retryWait'
  | 'deadLettering'
  | 'dlqBlocked'
  | 'finished';

export type PauseReason = 'backpressure' | 'retry' | 'deadLetter' | 'mode';

/** The message a handler sees; only the engine counts its attempts. */
export type EngineMessage = { -readonly [K in keyof ConsumedMessage]: ConsumedMessage[K] };

let entrySeq = 0;

/** One fetched message and where it is in its life. Its state changes only through PartitionQueues.transition. */
export class Entry {
  state: EntryState = 'queued';
  /** Fetch order across the member, so stepping shows messages in the order they arrived. */
  readonly seq = entrySeq++;
  controller: AbortController | undefined = undefined;
  /** Called once if the running attempt is abandoned (HandlerContext.onAbandon). */
  onAbandon: (() => void) | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  lastError: unknown = undefined;
  /** The error a dead-letter write records (kept for a retry of a blocked write). */
  dlqError: unknown = undefined;
  /** The outputs of the running attempt (context.send, or returned); schema ones are encoded when it returns. */
  outputs: OutputDraft[] | undefined = undefined;
  /** Exactly-once: the handler failed on it in a transaction that was aborted; the policy meets it now. */
  failedBefore: unknown = undefined;

  constructor(
    readonly message: EngineMessage,
    readonly partition: PartitionState,
  ) {}
}

export class PartitionState {
  readonly key: string;
  /** Message ids are `<member>/<topic>/<partition>/<offset>`: the constant part, built once. */
  readonly idPrefix: string;
  readonly queue = new Deque<Entry>();
  /**
   * Entries taken off the queue and not finished: running, awaiting, in backoff or in the DLQ path.
   * At most partitionConcurrency of them: an array, because a Set hashes every new entry (the
   * hottest line of the profile).
   */
  readonly active: Entry[] = [];
  readonly pauseReasons = new Set<PauseReason>();
  paused = false;
  revoked = false;
  /** Exactly-once: being revoked while its transaction commits; nothing more of it is taken. */
  revoking = false;
  /** Active entries whose outputs are on their way (they hold no worker and do not block the next message). */
  sending = 0;
  blockedReason: string | undefined = undefined;
  /** Next offset to fetch, as far as this member knows (for lag). */
  nextOffset: number | undefined = undefined;
  /**
   * The first offset fetched since the assignment (or seek): what the group had committed then, or
   * where auto.offset.reset started it. Lag counts from it until this member commits.
   */
  startOffset: number | undefined = undefined;

  constructor(
    memberId: string,
    readonly topic: string,
    readonly partition: number,
  ) {
    this.key = partitionKey(topic, partition);
    this.idPrefix = `${memberId}/${topic}/${partition}/`;
  }
}

/** Removes an entry from a (small) active list; the order of the list does not matter. */
function removeActive(active: Entry[], entry: Entry): void {
  const index = active.indexOf(entry);
  if (index < 0) return;
  const last = active.pop() as Entry;
  if (index < active.length) active[index] = last;
}

/** States in which a worker is busy with the message: these count against the member's concurrency. */
const busy = (state: EntryState): boolean => state === 'running' || state === 'deadLettering';

/**
 * A member's partitions and their messages: the queue of each partition, the entries taken off it,
 * and the two counters (buffered: queued everywhere; inFlight: busy everywhere). Every change of an
 * entry's state goes through `transition`, which keeps the queues, the active sets and the counters
 * in step.
 */
export class PartitionQueues {
  private readonly byKey = new Map<string, PartitionState>();
  private inFlightCount = 0;
  private bufferedCount = 0;
  private sendingCount = 0;

  constructor(private readonly memberId: string) {}

  /** Messages queued and not yet taken, across the member's partitions. */
  get buffered(): number {
    return this.bufferedCount;
  }

  /** Handled messages whose outputs are on their way, across the member's partitions. */
  get sending(): number {
    return this.sendingCount;
  }

  /** Messages a worker is busy with (a handler running, a DLQ write in progress). */
  get inFlight(): number {
    return this.inFlightCount;
  }

  get size(): number {
    return this.byKey.size;
  }

  values(): IterableIterator<PartitionState> {
    return this.byKey.values();
  }

  get(topic: string, partition: number): PartitionState | undefined {
    return this.byKey.get(partitionKey(topic, partition));
  }

  /** Whether this is still the member's state for its partition (a state replaced or removed is marked revoked). */
  isCurrent(ps: PartitionState): boolean {
    return !ps.revoked;
  }

  assign(topic: string, partition: number): PartitionState {
    const ps = new PartitionState(this.memberId, topic, partition);
    const previous = this.byKey.get(ps.key);
    if (previous) previous.revoked = true;
    this.byKey.set(ps.key, ps);
    return ps;
  }

  /** Forgets a partition whose work was finished or abandoned. */
  remove(ps: PartitionState): void {
    ps.revoked = true;
    if (this.byKey.get(ps.key) === ps) this.byKey.delete(ps.key);
  }

  /** A fetched record enters its partition's queue, at the tail, as a message of this member. */
  enqueue(ps: PartitionState, record: FetchedRecord): Entry {
    // A copy with one fixed shape. Extending the records in place instead was tried: V8 then made
    // enqueue ten times slower in the engine's micro-benchmark.
    const message: EngineMessage = {
      id: ps.idPrefix + record.offset,
      memberId: this.memberId,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      key: record.key ?? null,
      value: record.value,
      headers: record.headers,
      size: record.size,
      attempts: 0,
    };
    const entry = new Entry(message, ps);
    ps.queue.push(entry);
    this.bufferedCount++;
    return entry;
  }

  /**
   * The one way an entry changes state. Leaving `queued` takes it off the head of its queue (only
   * the head may leave); entering `queued` puts it back at the head (its place in order); entering
   * `finished` is final.
   */
  transition(entry: Entry, to: EntryState): void {
    const from = entry.state;
    if (from === to) return;
    const ps = entry.partition;
    if (from === 'queued') {
      if (ps.queue.peek() !== entry) throw new Error(`message ${entry.message.id} is not at the head of its partition`);
      ps.queue.shift();
      this.bufferedCount--;
      if (to !== 'finished') ps.active.push(entry);
    } else if (from === 'finished') {
      throw new Error(`message ${entry.message.id} is finished; it cannot become ${to}`);
    } else {
      if (from === 'running' || from === 'deadLettering') this.inFlightCount--;
      else if (from === 'sending') {
        ps.sending--;
        this.sendingCount--;
      }
      if (to === 'queued' || to === 'finished') removeActive(ps.active, entry);
    }
    if (to === 'sending') {
      ps.sending++;
      this.sendingCount++;
    }
    if (to === 'queued') {
      ps.queue.unshift(entry);
      this.bufferedCount++;
    } else if (to === 'running' || to === 'deadLettering') {
      this.inFlightCount++;
    }
    entry.state = to;
    if (entry.timer !== undefined && (to === 'finished' || to === 'queued')) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
  }

  /** Drops a partition's queued messages (revoke, seek): they are fetched again by whoever owns it next. */
  clearQueue(ps: PartitionState): void {
    for (let head = ps.queue.peek(); head !== undefined; head = ps.queue.peek()) this.transition(head, 'finished');
  }

  /**
   * Gives up on a partition's unfinished work: aborted, never marked done, so never committed.
   * Returns the messages that were waiting for a decision.
   */
  abandon(ps: PartitionState): ConsumedMessage[] {
    const withdrawn: ConsumedMessage[] = [];
    for (const entry of [...ps.active]) {
      if (entry.state === 'awaiting') withdrawn.push(entry.message);
      this.transition(entry, 'finished');
      entry.controller?.abort();
      const onAbandon = entry.onAbandon;
      entry.onAbandon = undefined;
      onAbandon?.();
    }
    return withdrawn;
  }

  /** The entry of a message taken off its queue and not finished. */
  findActive(messageId: string): Entry | undefined {
    for (const ps of this.byKey.values()) {
      for (const entry of ps.active) if (entry.message.id === messageId) return entry;
    }
    return undefined;
  }

  /** Whether any of these partitions has work a worker is busy with, or outputs on their way. */
  busy(states: readonly PartitionState[]): boolean {
    for (const ps of states)
      for (const entry of ps.active) if (busy(entry.state) || entry.state === 'sending') return true;
    return false;
  }
}
