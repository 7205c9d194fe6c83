import type { MessageHandler } from '../engine/types';
import { copyToOutputs } from './copyHandler';
import type { Logger } from '../logging';
import type { SessionSpec } from './sessionController';

/**
 * A session's message handler and what it owns. A handler may own a process or a connection (the
 * developer's handler under the debugger): the session closes it once, when it stops, after its
 * last message was handled or abandoned.
 */
export interface SessionHandler {
  readonly handle: MessageHandler;
  close(): Promise<void>;
}

/** What a factory is asked for: the handler of one session, which is starting. */
export interface HandlerRequest {
  readonly sessionId: string;
  readonly spec: SessionSpec;
  readonly logger: Logger;
  /** Aborted when the session stops while its handler is still being made: give up, and release what was made. */
  readonly signal: AbortSignal;
}

/**
 * Makes session handlers; the composition root chooses which (container.ts). Creation may take
 * long (a process starts, a debugger attaches): the session waits for it before it joins the
 * group, so no message is fetched for a handler that does not exist yet.
 */
export type HandlerFactory = (request: HandlerRequest) => Promise<SessionHandler>;

/** The handlers that ship with the extension: nothing, one log line per message, or a copy to the output topics. */
export const builtInHandlers: HandlerFactory = async ({ spec, logger }) => {
  if (spec.handler === 'copy') {
    const topics = spec.outputTopics ?? [];
    if (topics.length === 0) throw new Error('The copying handler needs at least one output topic.');
    return { handle: (m) => copyToOutputs(m, topics), close: async () => undefined };
  }
  const log = spec.handler === 'log';
  return {
    handle: log
      ? (m) => logger.info(`handled ${m.topic}[${m.partition}]@${m.offset} (${m.size} bytes)`)
      : () => undefined,
    close: async () => undefined,
  };
};

/** A handler someone else owns (and closes): the session only calls it. */
export function borrowedHandler(handle: MessageHandler): SessionHandler {
  return { handle, close: async () => undefined };
}

/** Makes the handler of a session, and closes it at once if the session stopped meanwhile. */
export async function createHandler(factory: HandlerFactory, request: HandlerRequest): Promise<SessionHandler> {
  const handler = await factory(request);
  if (request.signal.aborted) {
    await handler
      .close()
      .catch((error: unknown) => request.logger.warn(`closing the handler of a stopped session: ${String(error)}`));
    throw new HandlerCreationAborted('the session stopped while its handler was being created');
  }
  return handler;
}

/** The session stopped while its handler was being created. */
export class HandlerCreationAborted extends Error {
  override readonly name = 'HandlerCreationAborted';
}
