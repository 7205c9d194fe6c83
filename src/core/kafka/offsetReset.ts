import { KafkaClientError } from '../errors';

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** Which of a group's partitions a reset moves. */
export type ResetScope =
  | { readonly kind: 'group' }
  | { readonly kind: 'topic'; readonly topic: string }
  | { readonly kind: 'partitions'; readonly partitions: readonly TopicPartitionRef[] };

/** Where a reset moves them. `timestamp` is epoch milliseconds; `shiftBy` moves from the committed offset. */
export type ResetTarget =
  'earliest' | 'latest' | { readonly timestamp: number } | { readonly offset: number } | { readonly shiftBy: number };

/** What is known about one partition when planning. */
export interface PartitionPosition extends TopicPartitionRef {
  /** The group's committed offset, or null when it has none. */
  readonly current: number | null;
  readonly low: number;
  readonly high: number;
  /** For a timestamp target: the first offset at or after it, or null when every message is older. */
  readonly timestampOffset?: number | null;
}

export interface ResetRow extends TopicPartitionRef {
  readonly current: number | null;
  readonly next: number;
  /** next − current; null when there was no committed offset. */
  readonly delta: number | null;
  readonly low: number;
  readonly high: number;
}

export interface ResetPlan {
  readonly groupId: string;
  readonly target: ResetTarget;
  readonly rows: readonly ResetRow[];
}

export function clampOffset(offset: number, low: number, high: number): number {
  return Math.min(Math.max(offset, low), Math.max(low, high));
}

export function describeTarget(target: ResetTarget): string {
  if (target === 'earliest' || target === 'latest') return target;
  if ('timestamp' in target)
    return `timestamp ${Number.isFinite(target.timestamp) && Math.abs(target.timestamp) <= 8.64e15 ? new Date(target.timestamp).toISOString() : String(target.timestamp)}`;
  if ('offset' in target) return `offset ${target.offset}`;
  return `shift by ${target.shiftBy >= 0 ? '+' : ''}${target.shiftBy}`;
}

/** The offset a target names for one partition, before clamping. */
export function targetOffset(target: ResetTarget, position: PartitionPosition): number {
  if (target === 'earliest') return position.low;
  if (target === 'latest') return position.high;
  if ('timestamp' in target) {
    const found = position.timestampOffset;
    return found === undefined || found === null || found < 0 ? position.high : found;
  }
  if ('offset' in target) return target.offset;
  if (position.current === null) {
    throw new KafkaClientError(
      'invalidRequest',
      `Cannot shift ${position.topic}[${position.partition}]: the group has no committed offset there. Reset it to earliest, latest, a timestamp or an offset instead.`,
    );
  }
  return position.current + target.shiftBy;
}

export function validateTarget(target: ResetTarget): void {
  const value =
    target === 'earliest' || target === 'latest'
      ? 0
      : 'timestamp' in target
        ? target.timestamp
        : 'offset' in target
          ? target.offset
          : target.shiftBy;
  if (!Number.isSafeInteger(value) || (typeof target === 'object' && !('shiftBy' in target) && value < 0)) {
    throw new KafkaClientError(
      'invalidRequest',
      `Reset target ${describeTarget(target)} is not valid; use a whole number (offsets and timestamps are not negative).`,
    );
  }
}

/** One row per partition: the committed offset, the new one (clamped to [low, high]) and the difference. */
export function planRows(target: ResetTarget, positions: readonly PartitionPosition[]): ResetRow[] {
  validateTarget(target);
  return positions
    .map((p) => {
      const next = clampOffset(targetOffset(target, p), p.low, p.high);
      return {
        topic: p.topic,
        partition: p.partition,
        current: p.current,
        next,
        delta: p.current === null ? null : next - p.current,
        low: p.low,
        high: p.high,
      };
    })
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/** The partitions a scope selects, out of those the group has committed offsets for (`known`) and the topics' partition counts. */
export function scopePartitions(
  scope: ResetScope,
  known: readonly TopicPartitionRef[],
  partitionCount: (topic: string) => number,
): TopicPartitionRef[] {
  switch (scope.kind) {
    case 'group':
      return [...known];
    case 'topic':
      return Array.from({ length: partitionCount(scope.topic) }, (_, partition) => ({ topic: scope.topic, partition }));
    case 'partitions': {
      for (const p of scope.partitions) {
        const count = partitionCount(p.topic);
        if (!Number.isInteger(p.partition) || p.partition < 0 || p.partition >= count) {
          throw new KafkaClientError(
            'invalidRequest',
            `Partition ${p.topic}[${p.partition}] does not exist (the topic has ${count} partitions); choose partitions from the list.`,
          );
        }
      }
      const seen = new Set<string>();
      return scope.partitions.filter((p) => {
        const key = `${p.topic}\u0000${p.partition}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
  }
}
