import { HoldMessage } from '../engine/hold';
import type { ConsumedMessage, HandlerContext, HandlerReturn, MessageHandler } from '../engine/types';
import type { MessageView } from './messageView';
import { describeRunUntil, matchesRunUntil, type RunUntilCondition } from './runUntil';

/** A run-until in progress: what it waits for, and how many messages it passed. */
export interface RunUntilProgress {
  readonly condition: RunUntilCondition;
  scanned: number;
}

export interface RunUntilSource {
  /** The run-until in progress, if any (read for every message). */
  current(): RunUntilProgress | undefined;
  /** The message as the matcher sees it (decoded). */
  decode(message: ConsumedMessage): Promise<MessageView>;
}

/**
 * Wraps any handler with "run until": while a run-until is in progress, each message is decoded
 * and checked before the handler runs (a key, header, offset, JSON-path or decode-error condition)
 * or after it failed (a handler-error condition); a match holds the message (HoldMessage), so the
 * session stops on it in stepping mode. Without a run-until, the handler is called as it is: a
 * synchronous handler stays synchronous.
 */
export function withRunUntil(handler: MessageHandler, source: RunUntilSource): MessageHandler {
  return (message, context) => {
    const run = source.current();
    if (!run) return handler(message, context);
    return runChecked(handler, source, run, message, context);
  };
}

async function runChecked(
  handler: MessageHandler,
  source: RunUntilSource,
  run: RunUntilProgress,
  message: ConsumedMessage,
  context: HandlerContext,
): Promise<HandlerReturn> {
  const view = await source.decode(message);
  // Cancelled while decoding: handled as a plain running session would.
  if (source.current() !== run) return handler(message, context);
  run.scanned++;
  if (run.condition.kind !== 'handlerError' && matchesRunUntil(run.condition, view)) {
    throw new HoldMessage(`run-until matched: ${describeRunUntil(run.condition)}`);
  }
  try {
    // What it returns (its output records) goes on to the engine.
    return await handler(message, context);
  } catch (error) {
    if (run.condition.kind === 'handlerError' && !(error instanceof HoldMessage)) {
      const text = error instanceof Error ? error.message : String(error);
      if (matchesRunUntil(run.condition, view, { handlerError: text }))
        throw new HoldMessage(`run-until matched: the handler failed (${text})`, true, { cause: error });
    }
    throw error;
  }
}
