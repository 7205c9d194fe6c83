import { KafkaClientError, type KafkaClientErrorReason } from '../errors';

/** librdkafka's local error codes that matter for classification (rdkafka.h, stable across versions). */
export const RdKafkaCode = {
  SSL: -181,
  TIMED_OUT: -185,
  ALL_BROKERS_DOWN: -187,
  RESOLVE: -193,
  TRANSPORT: -195,
  AUTHENTICATION: -169,
  /** Broker error SASL_AUTHENTICATION_FAILED. */
  SASL_AUTHENTICATION_FAILED: 58,
} as const;

export interface RawClientError {
  readonly code?: number;
  readonly message?: string;
}

/** Maps a raw librdkafka error to a reason. Codes first; text only where librdkafka has no code. */
export function reasonOf(error: RawClientError): KafkaClientErrorReason {
  switch (error.code) {
    case RdKafkaCode.AUTHENTICATION:
    case RdKafkaCode.SASL_AUTHENTICATION_FAILED:
      return 'authenticationFailed';
    case RdKafkaCode.TRANSPORT:
    case RdKafkaCode.ALL_BROKERS_DOWN:
    case RdKafkaCode.RESOLVE:
    case RdKafkaCode.SSL:
      return 'brokerUnreachable';
    case RdKafkaCode.TIMED_OUT:
      return 'timeout';
    default:
      return 'unknown';
  }
}

export interface ClassifyContext {
  readonly bootstrapServers: string;
  readonly username?: string;
  readonly mechanism?: string;
  readonly waitedMs?: number;
}

/** A user-facing error: what happened, and what to do next. */
export function toKafkaClientError(error: RawClientError, context: ClassifyContext): KafkaClientError {
  const reason = reasonOf(error);
  const detail = error.message ? ` (${error.message})` : '';
  switch (reason) {
    case 'authenticationFailed':
      return new KafkaClientError(
        reason,
        `Authentication failed for user "${context.username ?? '?'}" with ${context.mechanism ?? 'SASL'} at ${context.bootstrapServers}${detail}. Check the username, the password stored for this connection, and the SASL mechanism.`,
        { cause: error },
      );
    case 'brokerUnreachable':
      return new KafkaClientError(
        reason,
        `Could not reach a broker at ${context.bootstrapServers}${detail}. Check the bootstrap servers, that the brokers are running, and the security protocol (PLAINTEXT vs SSL/SASL) of the listener.`,
        { cause: error },
      );
    case 'timeout':
      return new KafkaClientError(
        reason,
        `No answer from ${context.bootstrapServers} within ${context.waitedMs ?? '?'} ms${detail}. Check that the address is a Kafka listener and that the network allows the connection.`,
        { cause: error },
      );
    default:
      return new KafkaClientError(reason, `The Kafka client failed at ${context.bootstrapServers}${detail}.`, { cause: error });
  }
}
