import type { ClusterConnection } from '../kafka/connection';
import type { KafkaRecord, TopicPartition, TopicPartitionOffset } from '../kafka/record';
import { resolveGroupProtocol } from './groupProtocol';
import type { AssignmentStrategy, AutoOffsetReset, GroupProtocol, IsolationLevel, SessionConfig } from './types';

/** A record as the consumer delivers it: the record plus its size on the wire. */
export interface FetchedRecord extends KafkaRecord {
  readonly size: number;
}

export type RebalanceProtocol = 'COOPERATIVE' | 'EAGER' | 'NONE';

/** The special offsets a seek takes besides a real one. */
export const OFFSET_BEGINNING = -2;
export const OFFSET_END = -1;

/** What a member's consumer is made from (the member's part of the session settings). */
export interface ConsumerSettings {
  readonly connection: ClusterConnection;
  readonly groupId: string;
  readonly clientId: string;
  /** Classic protocol only (not sent under `consumer`). */
  readonly assignmentStrategy: AssignmentStrategy;
  readonly groupProtocol: GroupProtocol;
  readonly isolationLevel: IsolationLevel;
  readonly autoOffsetReset: AutoOffsetReset;
  /** Extra librdkafka properties; the port forces auto commit and the offset store off whatever they say. */
  readonly extra?: Readonly<Record<string, string | number | boolean>>;
}

/** A member's consumer settings from the session's, with the engine's defaults. */
export function consumerSettings(config: SessionConfig, clientId: string): ConsumerSettings {
  return {
    connection: config.connection,
    groupId: config.groupId,
    clientId,
    assignmentStrategy: config.assignmentStrategy ?? 'cooperative-sticky',
    groupProtocol: resolveGroupProtocol(config),
    isolationLevel: config.isolationLevel ?? 'read_committed',
    autoOffsetReset: config.autoOffsetReset ?? 'earliest',
    ...(config.consumerConfig ? { extra: config.consumerConfig } : {}),
  };
}

/** A commit the broker (or the client) refused. `nothingToCommit` is not a failure worth reporting. */
export interface CommitFailure {
  readonly message: string;
  readonly nothingToCommit: boolean;
}

/** Callbacks a consumer makes into its member; they may come at any time after connect. */
export interface ConsumerListeners {
  /**
   * The group assigns or takes away partitions. The member must answer with assign/incrementalAssign
   * (after an assign) or unassign/incrementalUnassign (after a revoke) once it is ready.
   */
  rebalance(kind: 'assign' | 'revoke', partitions: readonly TopicPartition[]): void;
  /** A rebalance the client could not start (e.g. an unknown assignor). */
  rebalanceFailed(error: Error): void;
  /** An asynchronous commit finished: in the order they were sent. */
  asyncCommitDone(failure: CommitFailure | undefined, offsets: readonly TopicPartitionOffset[]): void;
  /** A client error (a broker gone, an authentication failure). The client keeps trying. */
  error(error: Error): void;
}

/**
 * Everything a group member needs from its Kafka consumer. The adapter over librdkafka is
 * rdkafkaConsumer.ts; unit tests run the engine against a fake that simulates a group.
 * Synchronous methods throw on failure; asynchronous ones reject, each bounded by its timeout.
 */
export interface ConsumerPort {
  connect(timeoutMs: number): Promise<void>;
  subscribe(topics: readonly string[]): void;
  /** Up to `max` records; waits at most the consume timeout for the first. Resolves [] after an error (reported to `error`). */
  consume(max: number): Promise<readonly FetchedRecord[]>;
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Moves the fetch position (an offset, OFFSET_BEGINNING or OFFSET_END). */
  seek(target: TopicPartitionOffset, timeoutMs: number): Promise<void>;
  /** The first offset at or after each timestamp (given as `offset`); OFFSET_END past the end. */
  offsetsForTimes(query: readonly TopicPartitionOffset[], timeoutMs: number): Promise<TopicPartitionOffset[]>;
  /** Blocks until the broker answered; throws if it refused. */
  commitSync(offsets: readonly TopicPartitionOffset[]): void;
  /** Returns at once; the outcome arrives through `asyncCommitDone`. */
  commitAsync(offsets: readonly TopicPartitionOffset[]): void;
  /** The group's committed offsets; a partition without one has a negative offset. */
  committed(partitions: readonly TopicPartition[], timeoutMs: number): Promise<TopicPartitionOffset[]>;
  /** The partition's high watermark as last fetched (no broker round trip); undefined when unknown. */
  highWatermark(topic: string, partition: number): number | undefined;
  rebalanceProtocol(): RebalanceProtocol;
  /** Whether the last revoke was a loss (session timeout, fenced): then nothing may be committed. */
  assignmentLost(): boolean;
  assign(partitions: readonly TopicPartition[]): void;
  unassign(): void;
  incrementalAssign(partitions: readonly TopicPartition[]): void;
  incrementalUnassign(partitions: readonly TopicPartition[]): void;
  /** The client object itself: a transactional producer reads the group metadata from it (sendOffsetsToTransaction). */
  nativeHandle?(): unknown;
  /** Leaves the group (a final revoke comes first) and closes; resolves false if that took longer than `timeoutMs`. */
  disconnect(timeoutMs: number): Promise<boolean>;
}

/** Makes a member's consumer; the session's default makes librdkafka consumers. */
export type ConsumerFactory = (settings: ConsumerSettings, listeners: ConsumerListeners) => ConsumerPort;
