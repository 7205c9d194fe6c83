import type { Bitset } from './bitset';
import type { MessageStore } from './messageStore';
import type { HistogramBucket } from './types';

export const DEFAULT_BUCKETS = 60;
export const MAX_BUCKETS = 2_000;

/**
 * Message counts over time, `buckets` equal spans from `from` to `to` (inclusive; the buffer's
 * time range by default), with the matches of the current filter (`matches`, by slot; all match
 * without one). One pass over the timestamp column; messages without a timestamp are left out.
 */
export function histogram(
  store: MessageStore,
  matches: Bitset | undefined,
  options: { buckets?: number; from?: number; to?: number } = {},
): HistogramBucket[] {
  const buckets = options.buckets ?? DEFAULT_BUCKETS;
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS)
    throw new RangeError(`A histogram has 1 to ${MAX_BUCKETS} buckets (got ${buckets}).`);
  const ts = store.timestamp;
  const cap = store.capacity;
  const firstSeq = store.firstSeq;
  const nextSeq = store.nextSeq;
  let from = options.from;
  let to = options.to;
  if (from === undefined || to === undefined) {
    let min = Infinity;
    let max = -Infinity;
    for (let seq = firstSeq; seq < nextSeq; seq++) {
      const t = ts[seq % cap]!;
      if (t < min) min = t;
      if (t > max) max = t;
    }
    if (min === Infinity) return [];
    from ??= min;
    to ??= max;
  }
  if (!(to >= from)) throw new RangeError('The histogram range ends before it starts.');
  // Whole milliseconds per bucket, at least 1, so bucket edges are exact.
  const width = Math.max(1, Math.ceil((to - from + 1) / buckets));
  const lo = from;
  const hi = to;
  // A range narrower than `buckets` milliseconds has fewer (1 ms) buckets.
  const used = Math.min(buckets, Math.ceil((hi - lo + 1) / width));
  const counts = new Float64Array(used);
  const matched = new Float64Array(used);
  let slot = firstSeq % cap;
  for (let seq = firstSeq; seq < nextSeq; seq++) {
    const t = ts[slot]!;
    if (t >= lo && t <= hi) {
      const b = Math.min(used - 1, Math.floor((t - lo) / width));
      counts[b]!++;
      if (!matches || matches.has(slot)) matched[b]!++;
    }
    if (++slot === cap) slot = 0;
  }
  const out: HistogramBucket[] = [];
  for (let b = 0; b < used; b++) {
    const start = lo + b * width;
    out.push({ from: start, to: Math.min(hi, start + width - 1), count: counts[b]!, matched: matched[b]! });
  }
  return out;
}
