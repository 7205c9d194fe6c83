/**
 * Typed errors shared by the core. Callers branch on `reason` (or `instanceof`), never on message
 * text. Every message says what happened and what to do next, because it may reach a user as is.
 */
export abstract class LabError extends Error {
  abstract readonly reason: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type KafkaClientErrorReason =
  | 'authenticationFailed'
  | 'brokerUnreachable'
  | 'timeout'
  | 'nativeClientUnavailable'
  | 'invalidConfiguration'
  | 'topicNotFound'
  | 'topicAlreadyExists'
  | 'groupNotFound'
  | 'groupHasActiveMembers'
  | 'notAuthorized'
  | 'invalidRequest'
  /** TLS: the broker's certificate is not signed by a CA the client trusts. */
  | 'tlsUntrustedCertificate'
  /** TLS: the broker's certificate has expired (or is not valid yet). */
  | 'tlsCertificateExpired'
  /** TLS: the broker's certificate is not for the host name or address connected to. */
  | 'tlsHostnameMismatch'
  /** TLS: the listener requires a client certificate (mTLS) and none was sent. */
  | 'tlsClientCertificateRequired'
  /** TLS: the listener refused the client certificate that was sent. */
  | 'tlsClientCertificateRejected'
  /** TLS: the client key is encrypted and its password is missing or wrong. */
  | 'tlsKeyPasswordWrong'
  /** OAUTHBEARER: the identity provider's token endpoint could not be reached. */
  | 'tokenEndpointUnreachable'
  /** OAUTHBEARER: the token endpoint refused the client (wrong client id or secret). */
  | 'tokenRefused'
  /** OAUTHBEARER: the identity provider issued a token that has already expired. */
  | 'tokenExpired'
  | 'unknown';

/** A failure of the Kafka client, classified so that the UI can say what to do about it. */
export class KafkaClientError extends LabError {
  constructor(
    readonly reason: KafkaClientErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Thrown by a message handler for a failure worth retrying (a timeout, a dependency that is down).
 * Retried with backoff; dead-lettered once the attempts run out.
 */
export class RetriableError extends LabError {
  readonly reason = 'retriable';
}

/** Thrown by a message handler for a failure that retrying cannot fix (bad data, a rule broken). Dead-lettered at once. */
export class NonRetriableError extends LabError {
  readonly reason = 'nonRetriable';
}

/** The message could not be decoded; never retried. */
export class MessageDecodeError extends NonRetriableError {}

/** The decoded message broke a validation rule; never retried. */
export class MessageValidationError extends NonRetriableError {}

export type DeadLetterErrorReason = 'dlqWriteFailed' | 'dlqTopicMissing';

/** Writing to the dead-letter topic failed: the source message is neither committed nor lost. */
export class DeadLetterError extends LabError {
  constructor(
    readonly reason: DeadLetterErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
