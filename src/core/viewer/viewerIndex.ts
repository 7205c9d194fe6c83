import { Bitset } from './bitset';
import type { MessageStore } from './messageStore';
import { SeqList } from './seqList';
import { SortedView } from './sortedView';
import type { SlotPredicate } from './viewerFilter';
import type { SortOrder } from './types';

/** Messages a filter scan tests between two yields to the event loop (the extension host stays responsive). */
const SCAN_CHUNK = 65_536;

/**
 * The filtered and sorted view over the store: which buffered messages match (a bitset by slot,
 * and their seqs in arrival order), and their order. New messages are tested as they arrive; a
 * filter change scans the buffer once and never re-reads the topic.
 */
export class ViewerIndex {
  private predicate: SlotPredicate | undefined;
  private matches: Bitset | undefined;
  private matched = new SeqList();
  private matchedCount = 0;
  private order: SortOrder = 'arrival';
  private sorted: SortedView | undefined;

  constructor(private readonly store: MessageStore) {}

  get filtered(): boolean {
    return this.predicate !== undefined;
  }

  /** The bitset of matching slots; undefined when every message matches. */
  get matchSet(): Bitset | undefined {
    return this.matches;
  }

  get matchCount(): number {
    return this.predicate ? this.matchedCount : this.store.size;
  }

  get sortOrder(): SortOrder {
    return this.order;
  }

  /** Call before the store appends: accounts for the message the ring is about to drop. */
  beforeAppend(): void {
    const store = this.store;
    if (this.matches && store.size === store.capacity && this.matches.has(store.slotOf(store.firstSeq)))
      this.matchedCount--;
  }

  /** Call after the store appended `seq`: tests it against the filter. */
  afterAppend(seq: number): void {
    const predicate = this.predicate;
    if (!predicate) return;
    const slot = this.store.slotOf(seq);
    const match = predicate(slot);
    this.matches!.assign(slot, match);
    if (match) {
      this.matched.dropBelow(this.store.firstSeq);
      this.matched.push(seq);
      this.matchedCount++;
    }
  }

  /**
   * Tests every buffered message against a new filter (undefined: none), in chunks, then swaps
   * the result in. `isCurrent` says whether a newer filter superseded this one (then it stops).
   * The caller holds ingest while it runs, so the buffer does not change under the scan.
   */
  async applyFilter(predicate: SlotPredicate | undefined, isCurrent: () => boolean): Promise<boolean> {
    if (!predicate) {
      this.predicate = undefined;
      this.matches = undefined;
      this.matched = new SeqList();
      this.matchedCount = 0;
      this.sorted = undefined;
      return true;
    }
    const store = this.store;
    const matches = new Bitset(store.capacity);
    const matched = new SeqList(Math.min(store.size, 1 << 16));
    let count = 0;
    const end = store.nextSeq;
    for (let from = store.firstSeq; from < end; from += SCAN_CHUNK) {
      const to = Math.min(end, from + SCAN_CHUNK);
      let slot = store.slotOf(from);
      for (let seq = from; seq < to; seq++) {
        if (predicate(slot)) {
          matches.set(slot);
          matched.push(seq);
          count++;
        }
        if (++slot === store.capacity) slot = 0;
      }
      if (to < end) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (!isCurrent()) return false;
      }
    }
    if (!isCurrent()) return false;
    this.predicate = predicate;
    this.matches = matches;
    this.matched = matched;
    this.matchedCount = count;
    this.sorted = undefined;
    return true;
  }

  setOrder(order: SortOrder): void {
    if (order !== 'arrival' && order !== 'time' && order !== 'partitionOffset')
      throw new RangeError(`Unknown sort order "${String(order)}": use arrival, time or partitionOffset.`);
    if (order === this.order) return;
    this.order = order;
    this.sorted = undefined;
  }

  /** Rows in the view now (brings a sorted view up to date first). */
  total(): number {
    if (this.order !== 'arrival') return this.sortedView().length;
    if (!this.predicate) return this.store.size;
    this.matched.dropBelow(this.store.firstSeq);
    return this.matched.length;
  }

  /** The seq of row `index` of the view; call `total()` first. */
  seqAt(index: number): number {
    if (this.order !== 'arrival') return this.sorted!.at(index);
    return this.predicate ? this.matched.at(index) : this.store.firstSeq + index;
  }

  /** The view's seqs in order, as a copy (an export walks it while the buffer may move on). */
  snapshot(): Float64Array {
    const total = this.total();
    if (this.order !== 'arrival') return this.sorted!.snapshot();
    if (this.predicate) return this.matched.slice();
    const out = new Float64Array(total);
    const first = this.store.firstSeq;
    for (let i = 0; i < total; i++) out[i] = first + i;
    return out;
  }

  clear(): void {
    this.matches?.clearAll();
    this.matched = new SeqList();
    this.matchedCount = 0;
    this.sorted = undefined;
  }

  private sortedView(): SortedView {
    const order = this.order as Exclude<SortOrder, 'arrival'>;
    const view = (this.sorted ??= new SortedView(order, this.store));
    view.refresh((from, to) => {
      if (this.predicate) {
        this.matched.dropBelow(this.store.firstSeq);
        return this.matched.slice(this.matched.lowerBound(from), this.matched.lowerBound(to));
      }
      const out = new Float64Array(to - from);
      for (let i = 0; i < out.length; i++) out[i] = from + i;
      return out;
    });
    return view;
  }
}
