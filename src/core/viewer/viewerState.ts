import type { ViewerState } from './types';

export type ErrorReason = Extract<ViewerState, { kind: 'error' }>['reason'];

export interface ViewerProblem {
  readonly reason: ErrorReason;
  readonly message: string;
  readonly retrying: boolean;
}

/**
 * What the viewer knows, from which its one visible state follows (`stateOf`): what the reader
 * is doing, whether the user paused or stopped it, and the problems of the moment (the reader's
 * own, and the registry's, which does not stop reading).
 */
export interface ViewerFacts {
  readonly phase: 'connecting' | 'reading' | 'caughtUp';
  readonly paused: boolean;
  readonly stopped: boolean;
  readonly readerProblem?: ViewerProblem;
  readonly registryProblem?: ViewerProblem;
}

export const initialFacts: ViewerFacts = { phase: 'connecting', paused: false, stopped: false };

/** The one place the visible state is decided: stopped, then paused, then a problem, then the phase. */
export function stateOf(facts: ViewerFacts): ViewerState {
  if (facts.stopped) return { kind: 'stopped' };
  if (facts.paused) return { kind: 'paused' };
  const problem = facts.readerProblem ?? facts.registryProblem;
  if (problem) return { kind: 'error', reason: problem.reason, message: problem.message, retrying: problem.retrying };
  return { kind: facts.phase };
}

export function sameState(a: ViewerState, b: ViewerState): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'error' && b.kind === 'error')
    return a.reason === b.reason && a.message === b.message && a.retrying === b.retrying;
  return true;
}

/** librdkafka codes the viewer tells apart (rdkafka.h; the broker's codes are positive). */
export const BrowseCode = {
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PART: 3,
  TOPIC_AUTHORIZATION_FAILED: 29,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  AUTO_OFFSET_RESET: -140,
  AUTHENTICATION: -169,
  TIMED_OUT: -185,
  ALL_BROKERS_DOWN: -187,
  UNKNOWN_TOPIC: -188,
  UNKNOWN_PARTITION: -190,
  RESOLVE: -193,
  TRANSPORT: -195,
  SASL_AUTHENTICATION_FAILED: 58,
} as const;

/** The reader's problem for a client error, with what to do about it. Every one is retried. */
export function problemOf(code: number | undefined, detail: string, topic: string, servers: string): ViewerProblem {
  switch (code) {
    case BrowseCode.UNKNOWN_TOPIC_OR_PART:
    case BrowseCode.UNKNOWN_TOPIC:
    case BrowseCode.UNKNOWN_PARTITION:
      return topicNotFound(topic);
    case BrowseCode.TOPIC_AUTHORIZATION_FAILED:
    case BrowseCode.CLUSTER_AUTHORIZATION_FAILED:
      return {
        reason: 'notAuthorized',
        message: `This connection is not authorized to read topic "${topic}" (${detail}). Ask for a READ ACL on the topic (and DESCRIBE), or use a connection that has one; the viewer retries until then.`,
        retrying: true,
      };
    case BrowseCode.OFFSET_OUT_OF_RANGE:
    case BrowseCode.AUTO_OFFSET_RESET:
      return {
        reason: 'offsetOutOfRange',
        message: `An offset of "${topic}" is out of range (${detail}). The viewer goes on from the earliest offset it can read; choose another start position to read elsewhere.`,
        retrying: true,
      };
    case BrowseCode.ALL_BROKERS_DOWN:
    case BrowseCode.TRANSPORT:
    case BrowseCode.RESOLVE:
    case BrowseCode.TIMED_OUT:
      return brokerUnreachable(servers, detail);
    case BrowseCode.AUTHENTICATION:
    case BrowseCode.SASL_AUTHENTICATION_FAILED:
      return {
        reason: 'notAuthorized',
        message: `Authentication failed at ${servers} (${detail}). Check the connection's username, the password stored for it, and the SASL mechanism; the viewer retries.`,
        retrying: true,
      };
    default:
      return {
        reason: 'other',
        message: `Reading "${topic}" failed (${detail}). The viewer retries; if this persists, check the broker's log and the Kafka Consumer Lab output.`,
        retrying: true,
      };
  }
}

export function topicNotFound(topic: string): ViewerProblem {
  return {
    reason: 'topicNotFound',
    message: `Topic "${topic}" does not exist (or was deleted). Check the name, or create the topic; the viewer keeps what it read and goes on when the topic is back.`,
    retrying: true,
  };
}

export function brokerUnreachable(servers: string, detail: string): ViewerProblem {
  return {
    reason: 'brokerUnreachable',
    message: `Cannot reach a broker at ${servers} (${detail}). Check that the brokers run and the connection's address and security protocol; the viewer keeps what it read and reconnects by itself.`,
    retrying: true,
  };
}
