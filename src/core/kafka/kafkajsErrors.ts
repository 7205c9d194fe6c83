import { KafkaClientError } from '../errors';
import { type AdminErrorSubject, timedOut, toAdminError } from './adminErrors';
import { type ClassifyContext, RdKafkaCode, toKafkaClientError } from './clientErrors';

/** The fields kafkajs errors carry (their class names are stable API, their messages are not). */
interface KafkajsErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly type?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
}

/** Broker error codes that mean the credentials were refused. */
const saslCodes: ReadonlySet<number> = new Set([
  33 /* UNSUPPORTED_SASL_MECHANISM */,
  34 /* ILLEGAL_SASL_STATE */,
  RdKafkaCode.SASL_AUTHENTICATION_FAILED,
]);

const connectionErrors: ReadonlySet<string> = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
]);
const timeoutErrors: ReadonlySet<string> = new Set(['KafkaJSRequestTimeoutError', 'KafkaJSTimeout']);

/** kafkajs wraps the error that mattered (in KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError): its cause chain, outermost first. */
function chainOf(error: unknown): KafkajsErrorLike[] {
  const chain: KafkajsErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && !chain.includes(current as KafkajsErrorLike) && chain.length < 8) {
    chain.push(current as KafkajsErrorLike);
    current = (current as KafkajsErrorLike).cause;
  }
  return chain;
}

const messageOf = (e: KafkajsErrorLike): string =>
  typeof e.message === 'string' ? e.message : String(e.name ?? 'error');

/**
 * Classifies an error of a kafkajs call by the class and protocol code in its cause chain, with the
 * same reasons and messages as the native client's errors: authentication first (it is the root of
 * the connection errors that follow it), then the broker's answer, then reachability, then timeouts.
 * `earlier` is a more specific failure seen before (a request timeout kafkajs reported as an event),
 * used when the error itself says nothing classifiable: after a timed-out handshake kafkajs goes on
 * and fails later with a plain Error.
 */
export function fromKafkajsError(
  error: unknown,
  subject: AdminErrorSubject,
  context: ClassifyContext,
  earlier?: unknown,
): KafkaClientError {
  const classified = classify(error, subject, context);
  if (classified.reason !== 'unknown' || classified === error || earlier === undefined) return classified;
  const instead = classify(earlier, subject, context);
  return instead.reason === 'unknown' ? classified : instead;
}

function classify(error: unknown, subject: AdminErrorSubject, context: ClassifyContext): KafkaClientError {
  const chain = chainOf(error);
  const ours = chain.find((e): e is KafkaClientError => e instanceof KafkaClientError);
  if (ours) return ours;
  const auth = chain.find(
    (e) => e.name === 'KafkaJSSASLAuthenticationError' || (typeof e.code === 'number' && saslCodes.has(e.code)),
  );
  if (auth)
    return toKafkaClientError({ code: RdKafkaCode.SASL_AUTHENTICATION_FAILED, message: messageOf(auth) }, context);
  const protocol = chain.find((e) => e.name === 'KafkaJSProtocolError' && typeof e.code === 'number');
  if (protocol) return toAdminError({ code: protocol.code as number, message: messageOf(protocol) }, subject, context);
  const unreachable = chain.find((e) => typeof e.name === 'string' && connectionErrors.has(e.name));
  if (unreachable) return toKafkaClientError({ code: RdKafkaCode.TRANSPORT, message: messageOf(unreachable) }, context);
  const timeout = chain.find((e) => typeof e.name === 'string' && timeoutErrors.has(e.name));
  if (timeout) return toKafkaClientError({ code: RdKafkaCode.TIMED_OUT, message: messageOf(timeout) }, context);
  const first = chain[0];
  return toAdminError({ message: first ? messageOf(first) : String(error) }, subject, context);
}

/** The overall bound ran out: a timeout, named by the operation. */
export function overallTimeout(
  subject: AdminErrorSubject,
  context: ClassifyContext,
  waitedMs: number,
): KafkaClientError {
  return toKafkaClientError(timedOut(subject.operation), { ...context, waitedMs });
}
