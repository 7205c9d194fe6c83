import type { TopicPartitionRef } from './offsetReset';

export type GroupState = 'Unknown' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead' | 'Empty';

/** librdkafka's rd_kafka_consumer_group_state_t, in order. */
const stateNames: readonly GroupState[] = [
  'Unknown',
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
  'Empty',
];

export function groupStateName(state: number | undefined): GroupState {
  return stateNames[state ?? 0] ?? 'Unknown';
}

export interface GroupSummary {
  readonly groupId: string;
  readonly state: GroupState;
  readonly protocolType: string;
  readonly isSimpleConsumerGroup: boolean;
}

export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly host: string;
  readonly groupInstanceId?: string;
  readonly assignments: readonly TopicPartitionRef[];
}

/** The group's protocol as the coordinator reports it: classic, or consumer (KIP-848). */
export type GroupType = 'classic' | 'consumer' | 'unknown';

/** librdkafka's rd_kafka_consumer_group_type_t: 0 unknown, 1 consumer, 2 classic. */
export function groupTypeName(type: number | undefined): GroupType {
  return type === 1 ? 'consumer' : type === 2 ? 'classic' : 'unknown';
}

export interface GroupDetail {
  readonly groupId: string;
  readonly state: GroupState;
  /** classic or consumer (KIP-848); unknown from a broker that does not say (before Kafka 3.8's DescribeGroups v6 / ConsumerGroupDescribe). */
  readonly type: GroupType;
  readonly protocolType: string;
  readonly assignor: string;
  readonly coordinator?: { readonly id: number; readonly host: string; readonly port: number };
  readonly members: readonly GroupMember[];
}

export interface GroupOffsetRow extends TopicPartitionRef {
  /** The committed offset, or null when the group has committed nothing for this partition. */
  readonly committed: number | null;
  /** The log end offset (high watermark). */
  readonly end: number;
  /** end − committed (never negative), or null when nothing was committed: no lag is better than a wrong one. */
  readonly lag: number | null;
}

export function lagOf(committed: number | null, end: number): number | null {
  return committed === null ? null : Math.max(0, end - committed);
}

/** A group with members, or rebalancing, must not have its offsets moved from outside. */
export function isGroupActive(detail: Pick<GroupDetail, 'state' | 'members'>): boolean {
  return (
    detail.members.length > 0 ||
    detail.state === 'Stable' ||
    detail.state === 'PreparingRebalance' ||
    detail.state === 'CompletingRebalance'
  );
}

/** A committed offset as the client reports it: negative values (OFFSET_INVALID, -1001) mean none. */
export function committedOrNull(offset: number | undefined | null): number | null {
  return offset === undefined || offset === null || offset < 0 ? null : offset;
}
