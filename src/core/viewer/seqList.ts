/**
 * Sequence numbers in ascending order (a filter's matches, in arrival order), as one growable
 * Float64Array: appended at the tail as messages arrive, cut at the head as the ring drops them.
 */
export class SeqList {
  private items: Float64Array;
  private head = 0;
  private tail = 0;

  constructor(initial = 1024) {
    this.items = new Float64Array(Math.max(16, initial));
  }

  get length(): number {
    return this.tail - this.head;
  }

  at(index: number): number {
    return this.items[this.head + index]!;
  }

  push(seq: number): void {
    if (this.tail === this.items.length) this.grow();
    this.items[this.tail++] = seq;
  }

  /** Drops the seqs below `first` (they left the ring); they are at the head. */
  dropBelow(first: number): void {
    while (this.head < this.tail && this.items[this.head]! < first) this.head++;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  clear(): void {
    this.head = this.tail = 0;
  }

  /** A copy of the seqs from index `from` on (for a snapshot or a sort). */
  slice(from = 0, to = this.length): Float64Array {
    return this.items.slice(this.head + from, this.head + to);
  }

  /** The index of the first seq ≥ `seq` (binary search). */
  lowerBound(seq: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }

  private grow(): void {
    const live = this.tail - this.head;
    // Compact in place when at least half is dropped head; otherwise double.
    const target = live * 2 <= this.items.length ? this.items : new Float64Array(this.items.length * 2);
    if (target === this.items) this.items.copyWithin(0, this.head, this.tail);
    else target.set(this.items.subarray(this.head, this.tail));
    this.items = target;
    this.head = 0;
    this.tail = live;
  }
}
