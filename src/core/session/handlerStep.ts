import type { ConsumerSession } from '../engine/session';
import { HoldMessage } from '../engine/hold';
import { type OutputRecord, OutputRecordError } from '../engine/outputs';
import { OutputEncodeError } from '../engine/outputSchemas';
import type { MessageHandler } from '../engine/types';
import { HandlerFailure } from '../handler/handlerErrors';
import { HandlerDeadLetter, HandlerRetry, HandlerSkip } from '../handler/processHandler';
import { OutputRegistryUnavailable } from './registryOutputEncoder';

/** How many handler failures of waiting messages are kept (those of messages revoked meanwhile are never decided). */
const KEEP_ERRORS = 1000;

/**
 * Stepping with the developer's handler: Next runs it on the waiting message. Returning completes
 * the message; a returned decision (retry, dead-letter) is applied; a failure leaves the message
 * waiting, its error kept for a dead-letter decision, and is returned for the panel to show.
 */
export async function stepThroughHandler(
  session: ConsumerSession,
  handler: MessageHandler,
  messageId: string,
  errors: Map<string, unknown>,
): Promise<{ readonly failed: string } | undefined> {
  const message = session.awaiting;
  if (message?.id !== messageId) throw new Error('The message is no longer waiting for a decision.');
  const controller = new AbortController();
  // What the handler produces (context.send, or returned records) goes out with its ack.
  const outputs: OutputRecord[] = [];
  try {
    const returned = await handler(message, {
      attempt: message.attempts + 1,
      signal: controller.signal,
      send: (record) => void outputs.push(record),
    });
    if (Array.isArray(returned)) outputs.push(...(returned as readonly OutputRecord[]));
  } catch (error) {
    if (error instanceof HandlerRetry) return session.decide(messageId, { kind: 'retry' }).then(() => undefined);
    if (error instanceof HandlerSkip) return session.decide(messageId, { kind: 'skip' }).then(() => undefined);
    if (error instanceof HandlerDeadLetter)
      return session.decide(messageId, { kind: 'deadLetter', reason: error.message, error }).then(() => undefined);
    if (errors.size >= KEEP_ERRORS) errors.clear();
    errors.set(messageId, error);
    return { failed: describeHandlerError(error) };
  }
  errors.delete(messageId);
  try {
    await session.decide(messageId, outputs.length ? { kind: 'ack', outputs } : { kind: 'ack' });
  } catch (error) {
    // An output that cannot be produced (malformed, or its key or value does not fit its registry
    // schema) is this call's failure: the message keeps waiting, and a dead-letter decision records it.
    if (!(
      error instanceof OutputRecordError ||
      error instanceof OutputEncodeError ||
      error instanceof OutputRegistryUnavailable
    ))
      throw error;
    if (errors.size >= KEEP_ERRORS) errors.clear();
    errors.set(messageId, error);
    return { failed: describeHandlerError(error) };
  }
  return undefined;
}

/** A handler's failure for the panel: its class, message and the top of its (source-mapped) stack. */
export function describeHandlerError(error: unknown): string {
  if (error instanceof HoldMessage) return error.message;
  if (error instanceof HandlerFailure) {
    const lines = (error.remoteStack ?? '').split('\n');
    // JavaScript stacks list the innermost frame first; Python tracebacks last (`File "…", line N, in f`).
    const jsFrames = lines.filter((line) => /^\s+at /.test(line)).slice(0, 4);
    const frames = (
      jsFrames.length > 0 ? jsFrames : lines.filter((line) => /^\s+File ".*", line \d+/.test(line)).slice(-4)
    ).map((line) => line.trim());
    return [`${error.errorType}: ${error.message}`, ...frames].join('\n');
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
