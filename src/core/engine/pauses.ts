import type { Logger } from '../logging';
import type { ConsumerPort } from './consumerPort';
import type { PartitionQueues, PartitionState, PauseReason } from './partitionQueues';

/**
 * Fetch pauses of a member's partitions. A partition is paused while any reason holds (its buffer
 * is full, a message waits for a retry or a DLQ write, the session is paused) and resumed when the
 * last one goes. The poll loop keeps running throughout, so the membership stays alive.
 */
export class PartitionPauses {
  constructor(
    private readonly consumer: () => ConsumerPort | undefined,
    private readonly queues: PartitionQueues,
    private readonly maxBuffered: number,
    private readonly log: Logger,
  ) {}

  add(ps: PartitionState, reason: PauseReason): void {
    ps.pauseReasons.add(reason);
    const consumer = this.consumer();
    if (ps.paused || !consumer || ps.revoked) return;
    try {
      consumer.pause([{ topic: ps.topic, partition: ps.partition }]);
      ps.paused = true;
    } catch (error) {
      this.log.debug(`pause ${ps.topic}[${ps.partition}] failed: ${String(error)}`);
    }
  }

  remove(ps: PartitionState, reason: PauseReason): void {
    if (!ps.pauseReasons.delete(reason) || ps.pauseReasons.size > 0) return;
    this.resumeIfFree(ps);
  }

  /** Drops the reasons a seek ends (a pending retry or DLQ write of messages now gone). */
  clearForSeek(ps: PartitionState): void {
    ps.pauseReasons.delete('retry');
    ps.pauseReasons.delete('deadLetter');
    ps.blockedReason = undefined;
  }

  /** Resumes a partition that is paused without a reason left (after a seek). */
  resumeIfFree(ps: PartitionState): void {
    if (ps.pauseReasons.size > 0 || !ps.paused) return;
    const consumer = this.consumer();
    if (consumer && !ps.revoked) {
      try {
        consumer.resume([{ topic: ps.topic, partition: ps.partition }]);
      } catch (error) {
        this.log.debug(`resume ${ps.topic}[${ps.partition}] failed: ${String(error)}`);
      }
    }
    ps.paused = false;
  }

  /**
   * Backpressure, judged after a batch was dispatched and not per message: a handler that keeps
   * up empties the queues within the batch, and each pause makes librdkafka drop the prefetch.
   */
  applyBackpressure(): void {
    const limit = this.maxBuffered / Math.max(1, this.queues.size);
    for (const ps of this.queues.values()) if (ps.queue.length >= limit) this.add(ps, 'backpressure');
  }

  /** Resumes partitions whose queue drained below half its share. */
  releaseBackpressure(): void {
    const low = Math.max(1, this.maxBuffered / (2 * Math.max(1, this.queues.size)));
    for (const ps of this.queues.values())
      if (ps.pauseReasons.has('backpressure') && ps.queue.length < low) this.remove(ps, 'backpressure');
  }

  /** Paused mode: stop or restart fetching everywhere. */
  setFetching(enabled: boolean): void {
    for (const ps of this.queues.values()) {
      if (enabled) this.remove(ps, 'mode');
      else this.add(ps, 'mode');
    }
  }
}
