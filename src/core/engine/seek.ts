import type { ConsumerPort } from './consumerPort';
import { OFFSET_BEGINNING, OFFSET_END } from './consumerPort';
import { BROKER_CALL_TIMEOUT_MS } from './limits';
import type { OffsetTracker } from './offsetTracker';
import type { PartitionPauses } from './pauses';
import type { PartitionQueues, PartitionState } from './partitionQueues';
import type { SeekTarget } from './types';

/**
 * Moves a partition's fetch position. Everything fetched before is dropped (queued) or abandoned
 * (in flight, waiting for a decision, in backoff or blocked in the DLQ path), and the watermark
 * restarts, so nothing from before the seek is processed or committed after it. Returns the offset
 * sought to (OFFSET_BEGINNING or OFFSET_END for those targets).
 */
export async function seekPartition(
  consumer: ConsumerPort,
  ps: PartitionState,
  target: SeekTarget,
  parts: {
    queues: PartitionQueues;
    pauses: PartitionPauses;
    tracker: OffsetTracker;
    abandon(ps: PartitionState): void;
  },
): Promise<number> {
  const { topic, partition } = ps;
  let offset: number;
  if (target.kind === 'offset') offset = target.offset;
  else if (target.kind === 'beginning') offset = OFFSET_BEGINNING;
  else if (target.kind === 'end') offset = OFFSET_END;
  else
    offset =
      (await consumer.offsetsForTimes([{ topic, partition, offset: target.timestamp }], BROKER_CALL_TIMEOUT_MS))[0]
        ?.offset ?? OFFSET_END;
  parts.queues.clearQueue(ps);
  parts.abandon(ps);
  parts.pauses.clearForSeek(ps);
  parts.tracker.resetPartition(topic, partition);
  await consumer.seek({ topic, partition, offset }, BROKER_CALL_TIMEOUT_MS);
  // A partition paused only by what the seek dropped (a retry, a blocked DLQ write) fetches again.
  parts.pauses.resumeIfFree(ps);
  ps.nextOffset = offset >= 0 ? offset : undefined;
  ps.startOffset = ps.nextOffset;
  return offset;
}
