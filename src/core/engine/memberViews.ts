import type { ConsumerPort } from './consumerPort';
import type { OffsetTracker } from './offsetTracker';
import type { PartitionQueues } from './partitionQueues';
import type { MemberSnapshot, PartitionLag } from './types';

/** What the views show of a member: its partitions, their positions, commits and queues. */
export function memberSnapshot(
  id: string,
  state: MemberSnapshot['state'],
  queues: PartitionQueues,
  tracker: OffsetTracker,
): MemberSnapshot {
  return {
    id,
    state,
    partitions: [...queues.values()].map((ps) => {
      const position = tracker.get(ps.topic, ps.partition)?.commitPosition();
      const committed = tracker.committed(ps.topic, ps.partition);
      return {
        topic: ps.topic,
        partition: ps.partition,
        position: ps.nextOffset,
        committed,
        doneUncommitted:
          position !== undefined && (committed === undefined || position > committed) ? position : undefined,
        inFlight: ps.active.length,
        buffered: ps.queue.length,
        paused: ps.paused,
        ...(ps.blockedReason ? { blockedReason: ps.blockedReason } : {}),
      };
    }),
  };
}

/** Per assigned partition: position, committed, high watermark (as last fetched) and the group's lag. */
export function memberLag(
  id: string,
  queues: PartitionQueues,
  tracker: OffsetTracker,
  consumer: ConsumerPort | undefined,
): PartitionLag[] {
  return [...queues.values()].map((ps) => {
    const high = consumer?.highWatermark(ps.topic, ps.partition);
    const committed = tracker.committed(ps.topic, ps.partition);
    const base = committed ?? ps.startOffset;
    return {
      memberId: id,
      topic: ps.topic,
      partition: ps.partition,
      position: ps.nextOffset,
      committed,
      highWatermark: high,
      // Group lag: the end minus what the group has committed (or had, when this member started).
      lag: high === undefined || base === undefined ? undefined : Math.max(0, high - base),
    };
  });
}
