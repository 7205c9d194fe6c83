// What a session processed and committed during a failover, and the two rules it is held to:
// no commit ever passes what was processed, and a message is delivered again only if it lies in the
// in-flight window, at or past the partition's last acknowledged commit (a redelivery from before
// it would mean a committed offset was lost or the engine went back on its own).
import type { CommitEvent } from '../../../src/core/engine/types';

export class Ledger {
  /** Offsets in the order processed, per partition (with redeliveries). */
  readonly processed = new Map<number, number[]>();
  private readonly seen = new Map<number, Set<number>>();
  /** The highest offset the broker acknowledged as committed, per partition. */
  private readonly acked = new Map<number, number>();
  readonly violations: string[] = [];
  readonly duplicates: string[] = [];
  count = 0;

  constructor(private readonly topic: string) {}

  record(partition: number, offset: number): void {
    const list = this.processed.get(partition) ?? this.processed.set(partition, []).get(partition)!;
    const seen = this.seen.get(partition) ?? this.seen.set(partition, new Set()).get(partition)!;
    if (seen.has(offset)) {
      const committed = this.acked.get(partition) ?? -1;
      this.duplicates.push(`${partition}@${offset}`);
      if (offset < committed)
        this.violations.push(
          `partition ${partition}: offset ${offset} delivered again although ${committed} was committed and acknowledged`,
        );
    }
    list.push(offset);
    seen.add(offset);
    this.count++;
  }

  has(partition: number, offset: number): boolean {
    return this.seen.get(partition)?.has(offset) ?? false;
  }

  /** The first offset of `partition` not yet processed (everything below it was). */
  contiguous(partition: number): number {
    const seen = this.seen.get(partition);
    let c = 0;
    while (seen?.has(c)) c++;
    return c;
  }

  /** For session.on('committed'): every commit the engine sent is checked against what was processed. */
  readonly onCommitted = (event: CommitEvent): void => {
    for (const o of event.offsets) {
      if (o.topic !== this.topic) continue;
      const limit = this.contiguous(o.partition);
      if (o.offset > limit)
        this.violations.push(
          `${event.reason} commit of ${o.partition}@${o.offset} passed the processed watermark ${limit}`,
        );
      if (!event.error) this.acked.set(o.partition, Math.max(this.acked.get(o.partition) ?? -1, o.offset));
    }
  };

  committedAck(partition: number): number {
    return this.acked.get(partition) ?? -1;
  }

  /** Offsets of a partition in processing order never skip ahead (a redelivery goes back, never forward past a gap). */
  skips(): string[] {
    const out: string[] = [];
    for (const [p, list] of this.processed)
      for (let i = 1; i < list.length; i++)
        if (list[i] > list[i - 1] + 1) out.push(`partition ${p}: ${list[i]} processed after ${list[i - 1]}`);
    return out;
  }
}
