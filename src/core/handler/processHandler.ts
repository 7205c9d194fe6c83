import type { DecodeResult } from '../codec/decodeResult';
import type { PayloadDecoder } from '../codec/payloadDecoder';
import { NonRetriableError, RetriableError } from '../errors';
import { HoldMessage } from '../engine/hold';
import type { ConsumedMessage, HandlerContext, HandlerReturn, MessageHandler } from '../engine/types';
import type { HandlerChannel } from './handlerChannel';
import type { ResultMap } from './handlerCalls';
import { HandlerFailure, HandlerProcessError, HandlerTimeoutError } from './handlerErrors';
import { toMessageFrame } from './messageFrames';
import { outputsFromFrames } from './outputFrames';
import type { ResultFrame } from './protocol';

interface DecodedPair {
  readonly key: DecodeResult;
  readonly value: DecodeResult;
}

/** Decodes a message's key and value for the handler (the session's codec); synchronously when it can. */
export type MessageDecoder = (message: ConsumedMessage) => DecodedPair | Promise<DecodedPair>;

/** The session's codec as a MessageDecoder: no promise when the schemas are cached (the usual case). */
export function messageDecoder(decoder: PayloadDecoder): MessageDecoder {
  return (m) => {
    const key = decoder.decodeIfReady(m.key, { topic: m.topic, role: 'key' });
    const value = decoder.decodeIfReady(m.value, { topic: m.topic, role: 'value' });
    if (key && value) return { key, value };
    return Promise.all([
      key ?? decoder.decode(m.key, { topic: m.topic, role: 'key' }),
      value ?? decoder.decode(m.value, { topic: m.topic, role: 'value' }),
    ]).then(([k, v]) => ({ key: k, value: v }));
  };
}

export interface ProcessHandlerOptions {
  readonly channel: HandlerChannel;
  readonly decode: MessageDecoder;
  /** The time limit per call; undefined while a debugger is attached (breakpoints never expire). */
  readonly timeoutMs: () => number | undefined;
}

/** The handler asked for its message to be dead-lettered (`{ decision: 'deadLetter' }`). */
export class HandlerDeadLetter extends NonRetriableError {}

/**
 * The handler asked to skip its message (`{ decision: 'skip' }`). Stepping applies the skip (not
 * marked done: commits stop before it, and it comes again after a restart); running mode stops the
 * session on the message, since a skip there would hold the partition's commits back unseen.
 */
export class HandlerSkip extends HoldMessage {
  constructor(reason: string) {
    super(`the handler asked to skip the message (${reason}); it is not marked done, so decide it here`, true);
  }
}

/** The handler asked for its message to be retried (`{ decision: 'retry' }`). */
export class HandlerRetry extends RetriableError {}

/**
 * The developer's handler, running in its own process, as an engine MessageHandler. A result maps
 * to the engine's own paths: `ok` completes the message; a thrown error is a HandlerFailure that
 * keeps the error's class, message, stack and retriable mark; a returned decision becomes a
 * retry or a dead-letter. When the process itself is missing or fails, the message is held: it
 * goes back unprocessed, the session stops on it, and nothing past it is committed.
 */
export function processHandler(options: ProcessHandlerOptions): MessageHandler {
  const send = (
    message: ConsumedMessage,
    context: HandlerContext,
    { key, value }: DecodedPair,
  ): Promise<HandlerReturn> => {
    const frame = toMessageFrame(message, key, value, context.attempt, context.replay === true);
    const timeoutMs = options.timeoutMs();
    // The engine's cheap abandon hook when it has one; a signal otherwise (a replay, a step).
    return options.channel.call(
      frame,
      context.onAbandon ? { abandonable: context, timeoutMs } : { signal: context.signal, timeoutMs },
      RESULT_MAP,
    );
  };
  return (message: ConsumedMessage, context: HandlerContext) => {
    const decoded = options.decode(message);
    return decoded instanceof Promise
      ? decoded.then((d) => send(message, context, d))
      : send(message, context, decoded);
  };
}

/** Results settle the engine's promise directly (no second promise per call): ok, or what to throw. */
const RESULT_MAP: ResultMap<HandlerReturn> = { result: applyResult, failure: callFailed };

/** A call that did not come back with a result: the process's failure holds the message; a timeout is retriable. */
function callFailed(error: unknown): never {
  if (error instanceof HandlerProcessError) {
    if (error.reason === 'timeout') throw new HandlerTimeoutError(error.message);
    throw new HoldMessage(error.message, false, { cause: error });
  }
  throw error;
}

/** The outputs of an `ok` result; throws what the engine should do with any other result. */
export function applyResult(result: ResultFrame): HandlerReturn {
  switch (result.outcome) {
    case 'ok':
      return result.outputs ? outputsFromFrames(result.outputs) : undefined;
    case 'error':
      throw new HandlerFailure(result.error);
    case 'decision':
      if (result.decision === 'retry') throw new HandlerRetry(result.reason ?? 'the handler asked for a retry');
      if (result.decision === 'deadLetter')
        throw new HandlerDeadLetter(result.reason ?? 'the handler sent the message to the dead-letter topic');
      throw new HandlerSkip(result.reason ?? 'the handler asked to skip the message');
  }
}
