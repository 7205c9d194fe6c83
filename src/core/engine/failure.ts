import { KafkaClientError, NonRetriableError, RetriableError } from '../errors';

export type FailureKind = 'retriable' | 'nonRetriable';

/**
 * Classifies a handler failure. Marked errors decide for themselves (also across a process
 * boundary, through a boolean `retriable` property); decode and validation errors, and JSON syntax
 * errors, are never retried; transient client errors are; anything else follows `unknown`.
 */
export function classifyFailure(error: unknown, unknown: FailureKind = 'retriable'): FailureKind {
  if (error instanceof NonRetriableError) return 'nonRetriable';
  if (error instanceof RetriableError) return 'retriable';
  if (error instanceof KafkaClientError) {
    return error.reason === 'brokerUnreachable' || error.reason === 'timeout' ? 'retriable' : 'nonRetriable';
  }
  if (error instanceof SyntaxError) return 'nonRetriable';
  if (error && typeof error === 'object' && typeof (error as { retriable?: unknown }).retriable === 'boolean') {
    return (error as { retriable: boolean }).retriable ? 'retriable' : 'nonRetriable';
  }
  return unknown;
}
