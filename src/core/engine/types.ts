import type { DeadLetterEnvelope } from '../dlq/envelope';
import type { ClusterConnection } from '../kafka/connection';
import type { KafkaRecord, TopicPartitionOffset } from '../kafka/record';
import type { RetryPolicy } from './backoff';
import type { CommitPolicy } from './commitPolicy';
import type { FailureKind } from './failure';
import type { OutputRecord } from './outputs';

export type AssignmentStrategy = 'range' | 'roundrobin' | 'cooperative-sticky';
/**
 * The consumer group protocol: `classic` (JoinGroup/SyncGroup, a client-side assignor) or
 * `consumer` (KIP-848: the broker assigns, incrementally, through heartbeats; Kafka 4.0+).
 */
export type GroupProtocol = 'classic' | 'consumer';
export type AutoOffsetReset = 'earliest' | 'latest' | 'error';
export type IsolationLevel = 'read_committed' | 'read_uncommitted';
export type SessionMode = 'running' | 'stepping' | 'paused';

/** A message as the engine hands it to a handler or to the developer (the DLQ takes it as is). */
export interface ConsumedMessage extends KafkaRecord {
  /** Unique within the session: member, topic, partition, offset. */
  readonly id: string;
  readonly memberId: string;
  readonly size: number;
  /** Handler attempts already made on this message. */
  readonly attempts: number;
}

export interface HandlerContext {
  readonly attempt: number;
  /** Aborted when the partition is revoked or the session stops: abandon the work. */
  readonly signal: AbortSignal;
  /** A replay from the panel: the outcome is only shown, never committed. */
  readonly replay?: boolean;
  /**
   * Calls `listener` once if this attempt is abandoned (what aborts `signal`), without making the
   * signal: cheaper, for a handler that forwards the cancel elsewhere (a handler process).
   */
  onAbandon?(listener: () => void): void;
  /**
   * Produces an output record: sent (at-least-once) or committed in the input's transaction
   * (exactly-once) only if this attempt succeeds. Absent where outputs are not produced (a replay).
   */
  send?(record: OutputRecord): void;
}

/** What a handler may return: nothing, or output records (as if each was passed to `context.send`). */
export type HandlerReturn = void | readonly OutputRecord[];

/** The developer's code. Return (or resolve) when done; throw to fail. Sync handlers cost no promise. */
export type MessageHandler = (
  message: ConsumedMessage,
  context: HandlerContext,
) => HandlerReturn | Promise<HandlerReturn>;

/**
 * At-least-once: outputs are acknowledged, then the input offset is committed (a crash in between
 * repeats both). Exactly-once: outputs and input offsets commit in one Kafka transaction.
 */
export type DeliveryGuarantee = 'at-least-once' | 'exactly-once';

export interface DeadLetterPolicy {
  /** DLQ topic for a source topic; default `<topic>.dead-letter`. */
  readonly topicFor?: (sourceTopic: string) => string;
  /** How long a DLQ write may take before it counts as failed. */
  readonly writeTimeoutMs?: number;
  /** After a failed DLQ write, how often to try again while the partition is paused. */
  readonly retryIntervalMs?: number;
}

export interface SessionConfig {
  readonly connection: ClusterConnection;
  readonly groupId: string;
  /** Topic names, or one regular expression (librdkafka's `^` form is produced from it). */
  readonly topics: readonly string[] | RegExp;
  readonly autoOffsetReset?: AutoOffsetReset;
  /** Classic protocol only: under `consumer` the broker assigns (librdkafka's group.remote.assignor). */
  readonly assignmentStrategy?: AssignmentStrategy;
  /** Default `classic`. */
  readonly groupProtocol?: GroupProtocol;
  readonly commitPolicy?: CommitPolicy;
  readonly retryPolicy?: RetryPolicy;
  readonly deadLetter?: DeadLetterPolicy;
  readonly isolationLevel?: IsolationLevel;
  readonly members?: number;
  readonly mode?: SessionMode;
  readonly handler?: MessageHandler;
  /** Messages in flight at once per member (the guide's thread pool); ordering starts per partition. */
  readonly concurrency?: number;
  /** In flight at once within one partition (1 keeps strict per-partition order). */
  readonly partitionConcurrency?: number;
  /** How unmarked handler errors are treated. */
  readonly unknownErrors?: FailureKind;
  /** Extra librdkafka consumer properties (never enable.auto.commit: it is forced off). */
  readonly consumerConfig?: Readonly<Record<string, string | number | boolean>>;
  /** Messages fetched but not yet dispatched, per member, before its partitions are paused. */
  readonly maxBufferedMessages?: number;
  /** Longest wait for in-flight work when partitions are revoked or the session stops. */
  readonly drainTimeoutMs?: number;
  /** Default at-least-once. Exactly-once commits the outputs and the offsets in one transaction per batch (the commit policy). */
  readonly delivery?: DeliveryGuarantee;
  /** Exactly-once: member n uses `<prefix>-<n>`; default `kafka-lab-<groupId>`. */
  readonly transactionalIdPrefix?: string;
  /** Exactly-once: librdkafka's transaction.timeout.ms (default 60 s): the broker aborts a transaction open longer. */
  readonly transactionTimeoutMs?: number;
}

export type Decision =
  /** `outputs`: what the handler produced while stepping; sent (or joined to the transaction) before the message is done. */
  | { readonly kind: 'ack'; readonly outputs?: readonly OutputRecord[] }
  | { readonly kind: 'commitNow'; readonly outputs?: readonly OutputRecord[] }
  | { readonly kind: 'skip' }
  | { readonly kind: 'retry' }
  /** `error`: what the envelope records (a handler's failure seen while stepping); else the last handler error, or the reason. */
  | { readonly kind: 'deadLetter'; readonly reason?: string; readonly error?: unknown };

export type SeekTarget =
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'timestamp'; readonly timestamp: number }
  | { readonly kind: 'beginning' }
  | { readonly kind: 'end' };

export type { TopicPartition, TopicPartitionOffset } from '../kafka/record';

export type RebalanceKind = 'assign' | 'revoke' | 'lost';

export interface RebalanceEvent {
  readonly memberId: string;
  readonly kind: RebalanceKind;
  readonly partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }>;
  /** How the partitions move: incrementally (COOPERATIVE, always under the consumer protocol) or all at once (EAGER). */
  readonly protocol: 'COOPERATIVE' | 'EAGER' | 'NONE';
  readonly groupProtocol: GroupProtocol;
  readonly at: number;
}

export interface CommitEvent {
  readonly memberId: string;
  readonly offsets: readonly TopicPartitionOffset[];
  readonly sync: boolean;
  readonly reason: 'policy' | 'commitNow' | 'revoke' | 'close';
  readonly error?: string;
  readonly at: number;
}

/** Why an exactly-once member aborted its open transaction. */
export type TransactionAbortCause = 'handler failure' | 'partitions lost' | 'produce failed' | 'commit failed';

/** A transaction of an exactly-once member committed or aborted. */
export interface TransactionEvent {
  readonly memberId: string;
  readonly transactionalId: string;
  readonly kind: 'commit' | 'abort';
  readonly reason: CommitEvent['reason'] | 'abort';
  /** Why it aborted (a handler failure, lost partitions, a failed produce or commit). */
  readonly detail?: TransactionAbortCause;
  /** Input messages and output records it held. */
  readonly messages: number;
  readonly outputs: number;
  readonly openForMs: number;
  /** A commit: the input offsets it committed (the next offset per partition), as sent to the transaction. */
  readonly offsets?: readonly TopicPartitionOffset[];
  readonly at: number;
}

/** An exactly-once member's producer and its open transaction. */
export interface TransactionSnapshot {
  readonly transactionalId: string;
  readonly state: 'starting' | 'open' | 'committing' | 'aborting' | 'failed' | 'closed';
  /** Messages done and outputs produced in the open transaction. */
  readonly messages: number;
  readonly outputs: number;
  /** When the open transaction began (epoch ms), if one is open. */
  readonly openSince: number | undefined;
  readonly commits: number;
  readonly aborts: number;
}

export interface DecisionEvent {
  readonly message: ConsumedMessage;
  readonly decision: Decision['kind'] | 'handled' | 'failed';
  readonly detail?: string;
  readonly at: number;
}

export interface DeadLetteredEvent {
  readonly message: ConsumedMessage;
  readonly dlqTopic: string;
  readonly envelope: DeadLetterEnvelope;
  readonly at: number;
}

export interface PartitionLag {
  readonly memberId: string;
  readonly topic: string;
  readonly partition: number;
  /** Next offset this member will fetch. */
  readonly position: number | undefined;
  readonly committed: number | undefined;
  readonly highWatermark: number | undefined;
  readonly lag: number | undefined;
}

export interface EngineError {
  readonly memberId?: string;
  readonly error: Error;
  readonly at: number;
}

export interface SessionEvents {
  fetched: [ConsumedMessage];
  /** A message waits for a decision (stepping mode). */
  awaiting: [ConsumedMessage];
  /** A handler held a message (run-until): the session stops on it, in stepping mode. */
  held: [ConsumedMessage, string];
  decided: [DecisionEvent];
  deadLettered: [DeadLetteredEvent];
  committed: [CommitEvent];
  transaction: [TransactionEvent];
  rebalance: [RebalanceEvent];
  error: [EngineError];
  lag: [PartitionLag[]];
  state: [SessionState];
}

export type SessionState = 'starting' | SessionMode | 'stopping' | 'stopped';

export interface PartitionSnapshot {
  readonly topic: string;
  readonly partition: number;
  readonly position: number | undefined;
  readonly committed: number | undefined;
  readonly doneUncommitted: number | undefined;
  readonly inFlight: number;
  readonly buffered: number;
  readonly paused: boolean;
  readonly blockedReason?: string;
}

export interface MemberSnapshot {
  readonly id: string;
  readonly state: 'joining' | 'active' | 'idle' | 'stopped';
  readonly partitions: readonly PartitionSnapshot[];
  /** Exactly-once sessions only. */
  readonly transaction?: TransactionSnapshot;
}

export interface SessionSnapshot {
  readonly groupId: string;
  readonly state: SessionState;
  readonly mode: SessionMode;
  readonly commitPolicy: CommitPolicy;
  readonly delivery?: DeliveryGuarantee;
  readonly members: readonly MemberSnapshot[];
  readonly awaiting: readonly string[];
}
