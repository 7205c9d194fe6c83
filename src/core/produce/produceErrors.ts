import { LabError } from '../errors';
import { writeDeniedMessage } from '../kafka/topicAccess';

export type ProduceErrorReason =
  /** The topic does not exist (and the broker does not create topics automatically). */
  | 'topicNotFound'
  /** The chosen partition is not one of the topic's. */
  | 'partitionNotFound'
  /** The record is larger than the topic's max.message.bytes. */
  | 'messageTooLarge'
  /** The principal may not write to the topic. */
  | 'notAuthorized'
  /** The broker could not be reached, or authentication failed. */
  | 'brokerUnreachable'
  /** Not acknowledged within the delivery timeout. */
  | 'timeout'
  /** The producer was closed (or the run cancelled) before the record was acknowledged. */
  | 'cancelled'
  /** The broker refused the record for another reason (named in the message). */
  | 'rejected';

/** A record that was not written. The message says what happened and what to do. */
export class ProduceError extends LabError {
  constructor(
    readonly reason: ProduceErrorReason,
    message: string,
    readonly code?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** librdkafka codes that decide a produce error's reason (rdkafka.h, stable). */
export const ProduceCode = {
  QUEUE_FULL: -184,
  MSG_TIMED_OUT: -192,
  UNKNOWN_TOPIC_LOCAL: -188,
  UNKNOWN_PARTITION_LOCAL: -190,
  ALL_BROKERS_DOWN: -187,
  TRANSPORT: -195,
  AUTHENTICATION: -169,
  UNKNOWN_TOPIC_OR_PART: 3,
  MSG_SIZE_TOO_LARGE: 10,
  RECORD_LIST_TOO_LARGE: 18,
  TOPIC_AUTHORIZATION_FAILED: 29,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  SASL_AUTHENTICATION_FAILED: 58,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
} as const;

/**
 * Classifies a librdkafka error (from produce() or a delivery report) for `topic`; `principal` (the
 * SASL user, never a secret) names who was refused.
 */
export function toProduceError(
  error: { code?: number; message?: string },
  topic: string,
  principal?: string,
): ProduceError {
  const code = error.code;
  const detail = error.message ? ` (${error.message})` : '';
  switch (code) {
    case ProduceCode.UNKNOWN_TOPIC_LOCAL:
    case ProduceCode.UNKNOWN_TOPIC_OR_PART:
      return new ProduceError(
        'topicNotFound',
        `Topic "${topic}" does not exist${detail}. Create it, or pick another topic.`,
        code,
        { cause: error },
      );
    case ProduceCode.UNKNOWN_PARTITION_LOCAL:
      return new ProduceError(
        'partitionNotFound',
        `The partition does not exist in topic "${topic}"${detail}. Choose automatic, or a partition the topic has.`,
        code,
        { cause: error },
      );
    case ProduceCode.MSG_SIZE_TOO_LARGE:
    case ProduceCode.RECORD_LIST_TOO_LARGE:
      return new ProduceError(
        'messageTooLarge',
        `The record is larger than topic "${topic}" accepts (its max.message.bytes)${detail}. Make it smaller, or raise max.message.bytes on the topic.`,
        code,
        { cause: error },
      );
    case ProduceCode.TOPIC_AUTHORIZATION_FAILED:
    case ProduceCode.CLUSTER_AUTHORIZATION_FAILED:
    case ProduceCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      return new ProduceError('notAuthorized', writeDeniedMessage(code, topic, principal), code, { cause: error });
    case ProduceCode.ALL_BROKERS_DOWN:
    case ProduceCode.TRANSPORT:
    case ProduceCode.AUTHENTICATION:
    case ProduceCode.SASL_AUTHENTICATION_FAILED:
      return new ProduceError(
        'brokerUnreachable',
        `The broker could not be reached or refused the credentials${detail}. Test the cluster connection.`,
        code,
        { cause: error },
      );
    case ProduceCode.MSG_TIMED_OUT:
      return new ProduceError(
        'timeout',
        `The record to "${topic}" was not acknowledged within the delivery timeout${detail}. Check the broker; it may or may not have been written.`,
        code,
        { cause: error },
      );
    default:
      return new ProduceError('rejected', `The record to "${topic}" was not written${detail}.`, code, { cause: error });
  }
}
