/**
 * Per-partition commit watermark. Offsets enter in fetch order (increasing, possibly with gaps from
 * compaction or transaction markers) and complete in any order. The commit position is one past the
 * highest offset such that it and every tracked offset before it are done: never past a message that
 * is unfinished or failed.
 */
export class PartitionOffsets {
  /** Tracked offsets not yet behind the watermark, ascending. `head` skips the consumed prefix. */
  private offsets: number[] = [];
  private done: boolean[] = [];
  private head = 0;
  private doneCount = 0;
  /** One past the highest contiguous done offset, or undefined before anything completed. */
  private position: number | undefined;

  /** Starts tracking a fetched offset. Offsets must arrive in increasing order. */
  track(offset: number): void {
    const last = this.offsets.length > this.head ? this.offsets[this.offsets.length - 1] : undefined;
    if (last !== undefined && offset <= last) {
      throw new RangeError(
        `offset ${offset} tracked after ${last}: fetches must arrive in offset order (reset the partition after a seek)`,
      );
    }
    if (this.position !== undefined && offset < this.position) {
      throw new RangeError(
        `offset ${offset} is behind the committed position ${this.position}; reset the partition after a seek`,
      );
    }
    this.offsets.push(offset);
    this.done.push(false);
  }

  /** Marks a tracked offset done. Returns true if the commit position moved. */
  complete(offset: number): boolean {
    const index = this.indexOf(offset);
    if (index < 0) {
      // Already behind the watermark: completed before, nothing changes.
      if (this.position !== undefined && offset < this.position) return false;
      throw new RangeError(`offset ${offset} is not in flight`);
    }
    if (this.done[index]) return false;
    this.done[index] = true;
    this.doneCount++;
    if (index !== this.head) return false;
    while (this.head < this.offsets.length && this.done[this.head]) {
      this.position = this.offsets[this.head] + 1;
      this.head++;
      this.doneCount--;
    }
    this.compact();
    return true;
  }

  /** The offset to commit (last contiguous done + 1), or undefined when nothing completed. */
  commitPosition(): number | undefined {
    return this.position;
  }

  /** Offsets tracked but not yet behind the watermark (in flight, or done after an unfinished one). */
  pendingCount(): number {
    return this.offsets.length - this.head;
  }

  /** Done but held back by an earlier unfinished offset. */
  doneAheadCount(): number {
    return this.doneCount;
  }

  /** The lowest offset not done yet, if any. */
  firstUnfinished(): number | undefined {
    return this.head < this.offsets.length ? this.offsets[this.head] : undefined;
  }

  /** Forgets in-flight offsets (after a seek or a revoke). The commit position stays. */
  reset(): void {
    this.offsets = [];
    this.done = [];
    this.head = 0;
    this.doneCount = 0;
  }

  private indexOf(offset: number): number {
    let lo = this.head;
    let hi = this.offsets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.offsets[mid];
      if (value === offset) return mid;
      if (value < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Drops the consumed prefix once it is large, keeping complete() amortised O(log n). */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.offsets.length) {
      this.offsets = this.offsets.slice(this.head);
      this.done = this.done.slice(this.head);
      this.head = 0;
    }
  }
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

interface TrackedPartition {
  tp: TopicPartition;
  offsets: PartitionOffsets;
  committed: number | undefined;
}

/** Watermarks for every partition a member owns, plus what was last committed. */
export class OffsetTracker {
  private readonly partitions = new Map<string, TrackedPartition>();
  /** The partition of the last track or complete: they come in runs of one partition (a fetch batch). */
  private last: TrackedPartition | undefined;

  /** The tracked partition, without building its key when it is the last one used. */
  private find(topic: string, partition: number): TrackedPartition | undefined {
    const last = this.last;
    if (last !== undefined && last.tp.partition === partition && last.tp.topic === topic) return last;
    const entry = this.partitions.get(partitionKey(topic, partition));
    if (entry) this.last = entry;
    return entry;
  }

  private entry(topic: string, partition: number): TrackedPartition {
    let entry = this.find(topic, partition);
    if (!entry) {
      entry = { tp: { topic, partition }, offsets: new PartitionOffsets(), committed: undefined };
      this.partitions.set(partitionKey(topic, partition), entry);
    }
    return entry;
  }

  track(topic: string, partition: number, offset: number): void {
    this.entry(topic, partition).offsets.track(offset);
  }

  complete(topic: string, partition: number, offset: number): boolean {
    const entry = this.find(topic, partition);
    if (!entry) throw new RangeError(`${topic}[${partition}] is not tracked`);
    return entry.offsets.complete(offset);
  }

  /**
   * Positions that moved past what was committed: what a commit should send now. With `all`, every
   * known position, also those marked committed by a commit not yet answered (a revoke must not rely
   * on an asynchronous commit that may still fail).
   */
  uncommitted(filter?: (tp: TopicPartition) => boolean, all = false): Array<TopicPartition & { offset: number }> {
    const out: Array<TopicPartition & { offset: number }> = [];
    for (const { tp, offsets, committed } of this.partitions.values()) {
      const position = offsets.commitPosition();
      if (position === undefined || (!all && committed !== undefined && position <= committed)) continue;
      if (filter && !filter(tp)) continue;
      out.push({ ...tp, offset: position });
    }
    return out;
  }

  markCommitted(topic: string, partition: number, offset: number): void {
    const entry = this.entry(topic, partition);
    if (entry.committed === undefined || offset > entry.committed) entry.committed = offset;
  }

  /** Forgets what was marked committed (an asynchronous commit failed), so the next commit resends it. */
  resetCommitted(topic: string, partition: number): void {
    const entry = this.partitions.get(partitionKey(topic, partition));
    if (entry) entry.committed = undefined;
  }

  committed(topic: string, partition: number): number | undefined {
    return this.partitions.get(partitionKey(topic, partition))?.committed;
  }

  get(topic: string, partition: number): PartitionOffsets | undefined {
    return this.partitions.get(partitionKey(topic, partition))?.offsets;
  }

  /** Forgets a partition entirely (revoked or lost): its in-flight work will not be committed. */
  drop(topic: string, partition: number): void {
    this.partitions.delete(partitionKey(topic, partition));
    this.last = undefined;
  }

  /** Restarts a partition at a new fetch position (after a seek), keeping nothing in flight. */
  resetPartition(topic: string, partition: number): void {
    const entry = this.partitions.get(partitionKey(topic, partition));
    if (entry) {
      entry.offsets = new PartitionOffsets();
      entry.committed = undefined;
    }
  }

  snapshot(): Array<
    TopicPartition & { position: number | undefined; committed: number | undefined; pending: number; doneAhead: number }
  > {
    return [...this.partitions.values()].map(({ tp, offsets, committed }) => ({
      ...tp,
      position: offsets.commitPosition(),
      committed,
      pending: offsets.pendingCount(),
      doneAhead: offsets.doneAheadCount(),
    }));
  }
}
