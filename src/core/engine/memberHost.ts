import type { DeadLetterSink } from '../dlq/deadLetterWriter';
import type { Logger } from '../logging';
import type { RetryPolicy } from './backoff';
import type { ConsumerFactory } from './consumerPort';
import type { HoldMessage } from './hold';
import type { OutputSender, TransactionalProducerFactory } from './outputProducer';
import type { OutputSchemaEncoder } from './outputSchemas';
import type { ResolvedSessionSettings } from './sessionConfig';
import type { ConsumedMessage, MessageHandler, SessionConfig, SessionEvents, SessionMode } from './types';

/** What a member needs from its session: shared settings, the event sink, and the stepping cursor. */
export interface MemberHost {
  readonly config: SessionConfig;
  readonly logger: Logger;
  readonly deadLetters: DeadLetterSink;
  readonly consumers: ConsumerFactory;
  /** The session's resolved delivery settings (at-least-once or exactly-once). */
  readonly delivery: Pick<ResolvedSessionSettings, 'delivery' | 'transactionalIdPrefix' | 'transactionTimeoutMs'>;
  /** Exactly-once: makes a member's transactional producer. */
  readonly transactionalProducers: TransactionalProducerFactory;
  /** At-least-once: where handler outputs go (made on first use). */
  outputs(): OutputSender;
  /** Encodes outputs whose key or value asks for a registry schema; without it such an output fails its input. */
  readonly outputSchemas?: OutputSchemaEncoder;
  /** A member cannot go on (its transactional producer was fenced, …): the session stops and says why. */
  fatal(memberId: string, error: Error): void;
  mode(): SessionMode;
  handler(): MessageHandler | undefined;
  retryPolicy(): RetryPolicy;
  dlqTopicFor(topic: string): string;
  emit<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): void;
  /** Whether anyone listens to an event (the per-message ones are not emitted to no one). */
  listens(event: keyof SessionEvents): boolean;
  /** Stepping: a member has a message that could become the current one. */
  stepCandidateAvailable(): void;
  /** Stepping: the message waiting for a decision was taken away (revoke, seek, stop). */
  awaitingWithdrawn(message: ConsumedMessage): void;
  /** Running: a handler held this message (HoldMessage); it is back at the head of its partition. */
  held(message: ConsumedMessage, hold: HoldMessage): void;
}

/** The member was stopped before it joined its group (the session stopped while starting). */
export class MemberStopped extends Error {
  override readonly name = 'MemberStopped';
}
