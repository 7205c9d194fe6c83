import type { MessageStore } from './messageStore';
import type { SortOrder } from './types';

/** Orders two buffered seqs: by time (messages without one last), or by partition and offset; ties by arrival. */
export function comparatorFor(
  order: Exclude<SortOrder, 'arrival'>,
  store: MessageStore,
): (a: number, b: number) => number {
  const cap = store.capacity;
  if (order === 'time') {
    const ts = store.timestamp;
    return (a, b) => {
      const ta = ts[a % cap]!;
      const tb = ts[b % cap]!;
      if (ta !== tb) {
        if (Number.isNaN(ta)) return Number.isNaN(tb) ? a - b : 1;
        if (Number.isNaN(tb)) return -1;
        return ta - tb;
      }
      return a - b;
    };
  }
  const partition = store.partition;
  const offset = store.offset;
  return (a, b) => {
    const sa = a % cap;
    const sb = b % cap;
    return partition[sa]! - partition[sb]! || offset[sa]! - offset[sb]! || a - b;
  };
}

/** Merges two sorted runs into a new array. */
export function mergeSorted(a: Float64Array, b: Float64Array, compare: (x: number, y: number) => number): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compare(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/**
 * The buffered (or matched) seqs in a sort order other than arrival. Built once by a full sort;
 * afterwards, messages that arrived are sorted among themselves and merged in, and the ones the
 * ring dropped are cut out, both in one linear pass when a page is asked for.
 */
export class SortedView {
  private seqs: Float64Array = new Float64Array(0);
  /** Seqs below this were considered (incorporated or not matching). */
  private upTo = 0;
  private first = 0;
  private readonly compare: (a: number, b: number) => number;

  constructor(
    readonly order: Exclude<SortOrder, 'arrival'>,
    private readonly store: MessageStore,
  ) {
    this.compare = comparatorFor(order, store);
  }

  get length(): number {
    return this.seqs.length;
  }

  at(index: number): number {
    return this.seqs[index]!;
  }

  /** A copy of the order, for an export. */
  snapshot(): Float64Array {
    return this.seqs.slice();
  }

  /**
   * Brings the view up to the store: `newSeqs` gives the matching seqs in [from, to) in arrival
   * order (all of them without a filter).
   */
  refresh(newSeqs: (from: number, to: number) => Float64Array): void {
    const first = this.store.firstSeq;
    const next = this.store.nextSeq;
    if (first > this.first) {
      let k = 0;
      const seqs = this.seqs;
      for (let i = 0; i < seqs.length; i++) if (seqs[i]! >= first) seqs[k++] = seqs[i]!;
      this.seqs = k === seqs.length ? seqs : seqs.slice(0, k);
      this.first = first;
    }
    const from = Math.max(this.upTo, first);
    if (next > from) {
      const added = newSeqs(from, next);
      added.sort(this.compare);
      this.seqs = this.seqs.length === 0 ? added : mergeSorted(this.seqs, added, this.compare);
    }
    this.upTo = next;
  }
}
