import type { BrowsingConsumer } from './browsingConsumer';
import type { StartPosition } from './types';
import type { ViewerProblem } from './viewerState';

/** librdkafka's logical offsets. */
export const OFFSET_BEGINNING = -2;
export const OFFSET_END = -1;

export interface StartPlan {
  /** Where each chosen partition starts (a real offset, or a logical one). */
  readonly offsets: ReadonlyMap<number, number>;
  /** Set when a partition cannot start yet (an offset past its end): the viewer retries. */
  readonly problem?: ViewerProblem;
  /** Adjustments worth a log line (an offset below the partition's start, moved up to it). */
  readonly notes: readonly string[];
}

export function validateStart(start: StartPosition): void {
  const whole = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  switch (start?.kind) {
    case 'beginning':
    case 'end':
      return;
    case 'offset':
      if (start.offset !== undefined && !whole(start.offset))
        throw new RangeError(`The start offset must be a whole number ≥ 0 (got ${start.offset}).`);
      for (const [p, o] of Object.entries(start.perPartition ?? {}))
        if (!whole(Number(p)) || !whole(o))
          throw new RangeError(`The start offset of partition ${p} must be a whole number ≥ 0 (got ${o}).`);
      return;
    case 'timestamp':
      if (typeof start.timestamp !== 'number' || !Number.isFinite(start.timestamp))
        throw new RangeError('The start time must be a time in milliseconds since the epoch.');
      return;
    case 'lastN':
      if (!whole(start.count) || start.count < 1)
        throw new RangeError(`The number of last messages must be a whole number ≥ 1 (got ${start.count}).`);
      return;
    default:
      throw new RangeError('Unknown start position: use beginning, end, offset, timestamp or lastN.');
  }
}

/** Resolves a start position into one offset per partition, against the partitions' watermarks. */
export async function planStart(
  consumer: BrowsingConsumer,
  topic: string,
  partitions: readonly number[],
  start: StartPosition,
  timeoutMs: number,
): Promise<StartPlan> {
  const offsets = new Map<number, number>();
  const notes: string[] = [];
  switch (start.kind) {
    case 'beginning':
      for (const p of partitions) offsets.set(p, OFFSET_BEGINNING);
      return { offsets, notes };
    case 'end':
      for (const p of partitions) offsets.set(p, OFFSET_END);
      return { offsets, notes };
    case 'timestamp': {
      const found = await consumer.offsetsForTimes(topic, partitions, start.timestamp, timeoutMs);
      // No message at or after the time: start at the end (only what arrives from now on).
      for (const p of partitions) {
        const offset = found.get(p);
        offsets.set(p, offset !== undefined && offset >= 0 ? offset : OFFSET_END);
      }
      return { offsets, notes };
    }
    case 'lastN':
      for (const p of partitions) {
        const { low, high } = await consumer.watermarks(topic, p, timeoutMs);
        offsets.set(p, Math.max(low, high - start.count));
      }
      return { offsets, notes };
    case 'offset': {
      const waiting: string[] = [];
      for (const p of partitions) {
        const wanted = start.perPartition?.[p] ?? start.offset;
        if (wanted === undefined) {
          offsets.set(p, OFFSET_BEGINNING);
          continue;
        }
        const { low, high } = await consumer.watermarks(topic, p, timeoutMs);
        if (wanted < low) {
          notes.push(
            `partition ${p} starts at offset ${low} (retention or compaction removed what was before); reading from there instead of ${wanted}`,
          );
          offsets.set(p, low);
        } else if (wanted > high) {
          waiting.push(`partition ${p} holds offsets ${low} to ${high - 1}, so offset ${wanted} is not written yet`);
          offsets.set(p, wanted);
        } else offsets.set(p, wanted);
      }
      if (waiting.length === 0) return { offsets, notes };
      return {
        offsets,
        notes,
        problem: {
          reason: 'offsetOutOfRange',
          message: `In topic "${topic}", ${waiting.join('; ')}. The viewer waits until it is, checking again with a growing interval; choose an earlier offset to read now.`,
          retrying: true,
        },
      };
    }
  }
}
