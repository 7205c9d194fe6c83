import type { KafkaRecord } from '../kafka/record';
import { type DeadLetterInfo, detectDeadLetter } from './detect';
import type { DeadLetterCounts } from './deadLetterTypes';
import { errorTypeKey } from './errorTypes';

export type { DeadLetterCounts };

/**
 * The dead letters among a viewer's buffered records, by sequence number: only each one's error
 * type is kept (interned), so a million buffered records cost a map entry each at most; the rest
 * is read again from the record when a row is shown. Sequence numbers only grow, so the map's
 * insertion order is their order and dropping the oldest is a walk from its start.
 */
export class DeadLetterIndex {
  private readonly types = new Map<number, string>();
  private readonly counts = new Map<string, number>();

  /** Notes a record just buffered under `seq`; returns what it says when it is a dead letter. */
  note(seq: number, record: KafkaRecord): DeadLetterInfo | undefined {
    const info = detectDeadLetter(record);
    if (!info) return undefined;
    const key = errorTypeKey(info);
    this.types.set(seq, key);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return info;
  }

  /** Forgets the records the buffer dropped (every seq below `firstSeq`). */
  dropBelow(firstSeq: number): void {
    for (const [seq, key] of this.types) {
      if (seq >= firstSeq) break;
      this.types.delete(seq);
      const n = (this.counts.get(key) ?? 1) - 1;
      if (n > 0) this.counts.set(key, n);
      else this.counts.delete(key);
    }
  }

  errorTypeOf(seq: number): string | undefined {
    return this.types.get(seq);
  }

  get size(): number {
    return this.types.size;
  }

  snapshot(): DeadLetterCounts {
    return {
      deadLetters: this.types.size,
      byErrorType: [...this.counts]
        .map(([errorType, count]) => ({ errorType, count }))
        .sort((a, b) => b.count - a.count || (a.errorType < b.errorType ? -1 : a.errorType > b.errorType ? 1 : 0)),
    };
  }

  clear(): void {
    this.types.clear();
    this.counts.clear();
  }
}
