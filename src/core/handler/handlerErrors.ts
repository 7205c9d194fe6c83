import { LabError, RetriableError } from '../errors';
import type { ErrorInfo } from './protocol';

export type HandlerProcessErrorReason =
  'notConnected' | 'notReady' | 'loadFailed' | 'exited' | 'malformedFrame' | 'timeout' | 'frameTooLarge' | 'closed';

/**
 * The handler process, not the developer's code on one message, failed: it is not running, did not
 * load the module, went away, or broke the protocol. Never a reason to dead-letter a message: the
 * session stops on it instead, and nothing past what was done is committed.
 */
export class HandlerProcessError extends LabError {
  constructor(
    readonly reason: HandlerProcessErrorReason,
    message: string,
    readonly detail?: ErrorInfo,
  ) {
    super(message);
  }

  static loadFailed(module: string, error: ErrorInfo | undefined): HandlerProcessError {
    const what = error ? `${error.type}: ${error.message}` : 'no reason was given';
    return new HandlerProcessError(
      'loadFailed',
      `the handler module ${module} did not load (${what}). Fix it and save: the handler reloads.`,
      error,
    );
  }
}

/**
 * The developer's handler threw (or rejected) in the handler process. It keeps the error's own
 * class name, message and stack, so a dead-letter envelope records them as the handler saw them,
 * and its `retriable` mark, which decides retry or dead-letter.
 */
export class HandlerFailure extends Error {
  override readonly name: string;
  readonly errorType: string;
  readonly retriable?: boolean;
  readonly remoteStack?: string;

  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = info.type;
    this.errorType = info.type;
    if (info.retriable !== undefined) this.retriable = info.retriable;
    if (info.stack !== undefined) {
      this.remoteStack = info.stack;
      this.stack = info.stack;
    }
  }
}

/** The handler ran past its time limit (only without a debugger attached): retried like any retriable failure. */
export class HandlerTimeoutError extends RetriableError {}
