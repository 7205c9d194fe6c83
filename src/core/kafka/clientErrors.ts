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

/**
 * The JavaScript binding delivers librdkafka's error events (error_cb) without their code: only
 * rd_kafka_err2str() of it survives, as the message, with code -1. These are those strings (stable
 * in librdkafka), mapped back to their codes so that classification stays by code.
 */
const codeByErr2str: ReadonlyMap<string, number> = new Map([
  ['authentication failure', RdKafkaCode.AUTHENTICATION],
  ['sasl authentication failed', RdKafkaCode.SASL_AUTHENTICATION_FAILED],
  ['broker transport failure', RdKafkaCode.TRANSPORT],
  ['all broker connections are down', RdKafkaCode.ALL_BROKERS_DOWN],
  ['host resolution failure', RdKafkaCode.RESOLVE],
  ['ssl transport failure', RdKafkaCode.SSL],
  ['timed out', RdKafkaCode.TIMED_OUT],
]);

/** The librdkafka code of an error, recovering it from an error event's err2str text if needed. */
export function codeOf(error: RawClientError): number | undefined {
  if (error.code !== undefined && error.code !== -1) return error.code;
  const text = (error.message ?? '')
    .toLowerCase()
    .replace(/^(local|broker):\s*/, '')
    .trim();
  return codeByErr2str.get(text) ?? error.code;
}

/** Maps a raw librdkafka error to a reason, by its code. */
export function reasonOf(error: RawClientError): KafkaClientErrorReason {
  switch (codeOf(error)) {
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
      return new KafkaClientError(reason, `The Kafka client failed at ${context.bootstrapServers}${detail}.`, {
        cause: error,
      });
  }
}
