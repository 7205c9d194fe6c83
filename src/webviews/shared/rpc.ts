/**
 * One end of a webview's message channel, the same class on both sides: the host wraps
 * `webview.postMessage`/`onDidReceiveMessage`, the browser `acquireVsCodeApi().postMessage` and the
 * window's `message` event. It validates every incoming message against the registered descriptors,
 * dispatches notifications, answers requests (a result, or an error with a reason), and matches
 * responses to its own requests, each bounded by a timeout. No vscode, no DOM, no Node.
 */
import {
  isWireMessage,
  MAX_ERROR_MESSAGE,
  type NotificationMessage,
  type NotificationType,
  type RequestMessage,
  type RequestType,
  RpcError,
  type WireMessage,
} from './protocol';

export interface RpcEndpointOptions {
  /** Sends one message to the other side. */
  post(message: WireMessage): void;
  /** Default time limit of a request, in milliseconds (10 s). */
  readonly timeoutMs?: number;
  /** Called for every message that failed validation and was dropped (or answered with an error). */
  onRejected?(why: string, message: unknown): void;
  /** Called for every notification and request that passed validation, before its handler runs. */
  onAccepted?(message: NotificationMessage | RequestMessage): void;
  /** Called when a handler throws (a request's error is also answered, with its reason). */
  onHandlerError?(method: string, error: unknown): void;
}

/** What became of one incoming message. */
export type ReceiveOutcome = 'handled' | 'rejected' | 'ignored';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

// The registries hold handlers of many param types; each is called only with params its own descriptor validated.
type AnyHandler = (params: never) => unknown;
interface Registration {
  readonly validate: (x: unknown) => boolean;
  readonly handler: AnyHandler;
}
interface Pending {
  readonly method: string;
  readonly validateResult: (x: unknown) => boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: RpcError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class RpcEndpoint {
  private readonly notifications = new Map<string, Registration>();
  private readonly requests = new Map<string, Registration>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  private rejectedCount = 0;

  constructor(private readonly options: RpcEndpointOptions) {}

  /** How many incoming messages failed validation. */
  get rejected(): number {
    return this.rejectedCount;
  }

  /** How many of this side's requests wait for a response. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  /** Handles `type`; the returned function removes the handler. One handler per method. */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => unknown): () => void {
    return this.register(this.notifications, type.method, type.validateParams, handler);
  }

  /** Answers `type` with what `handler` returns (or the error it throws). One handler per method. */
  onRequest<P, R>(type: RequestType<P, R>, handler: (params: P) => R | Promise<R>): () => void {
    return this.register(this.requests, type.method, type.validateParams, handler);
  }

  notify<P>(type: NotificationType<P>, ...params: P extends void ? [] : [P]): void {
    if (this.disposed) return;
    this.options.post(
      params.length
        ? { kind: 'notify', method: type.method, params: params[0] }
        : { kind: 'notify', method: type.method },
    );
  }

  /** Sends a request; settles with the validated result, or an `RpcError` (timeout, remote error, ...). */
  request<P, R>(type: RequestType<P, R>, params: P, options: { timeoutMs?: number } = {}): Promise<R> {
    if (this.disposed)
      return Promise.reject(new RpcError('disposed', `The panel is closed; ${type.method} was not sent.`));
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError('timeout', `No answer to ${type.method} within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.pending.set(id, {
        method: type.method,
        validateResult: type.validateResult,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer,
      });
      try {
        this.options.post(
          params === undefined
            ? { kind: 'request', id, method: type.method }
            : { kind: 'request', id, method: type.method, params },
        );
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(
          new RpcError(
            'disposed',
            `${type.method} could not be sent: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
      }
    });
  }

  /** Takes one message from the other side; resolves once its handler has finished. */
  async receive(raw: unknown): Promise<ReceiveOutcome> {
    if (this.disposed) return 'ignored';
    if (!isWireMessage(raw)) return this.reject('not a webview message', raw);
    switch (raw.kind) {
      case 'notify': {
        const registration = this.notifications.get(raw.method);
        if (!registration) return this.reject(`no handler for ${raw.method}`, raw);
        if (!registration.validate(raw.params)) return this.reject(`invalid params for ${raw.method}`, raw);
        this.options.onAccepted?.(raw);
        try {
          await (registration.handler as (params: unknown) => unknown)(raw.params);
        } catch (error) {
          this.options.onHandlerError?.(raw.method, error);
        }
        return 'handled';
      }
      case 'request': {
        const registration = this.requests.get(raw.method);
        if (!registration) {
          this.respondError(raw.id, 'unknownMethod', `There is no ${raw.method} here.`);
          return this.reject(`no handler for ${raw.method}`, raw);
        }
        if (!registration.validate(raw.params)) {
          this.respondError(raw.id, 'invalidParams', `The params of ${raw.method} are not valid.`);
          return this.reject(`invalid params for ${raw.method}`, raw);
        }
        this.options.onAccepted?.(raw);
        try {
          const result = await (registration.handler as (params: unknown) => unknown)(raw.params);
          if (!this.disposed)
            this.options.post(
              result === undefined
                ? { kind: 'response', id: raw.id, ok: true }
                : { kind: 'response', id: raw.id, ok: true, result },
            );
        } catch (error) {
          this.options.onHandlerError?.(raw.method, error);
          const reason =
            typeof (error as { reason?: unknown })?.reason === 'string'
              ? String((error as { reason: string }).reason)
              : 'handlerFailed';
          this.respondError(raw.id, reason, error instanceof Error ? error.message : String(error));
        }
        return 'handled';
      }
      case 'response': {
        const pending = this.pending.get(raw.id);
        if (!pending) return 'ignored'; // late (after its timeout) or not ours
        this.pending.delete(raw.id);
        clearTimeout(pending.timer);
        if (!raw.ok) {
          pending.reject(new RpcError('remoteError', raw.error.message.slice(0, MAX_ERROR_MESSAGE), raw.error.reason));
        } else if (!pending.validateResult(raw.result)) {
          pending.reject(new RpcError('invalidResult', `The answer to ${pending.method} is not valid.`));
          return this.reject(`invalid result for ${pending.method}`, raw);
        } else {
          pending.resolve(raw.result);
        }
        return 'handled';
      }
    }
  }

  /** Stops: pending requests fail with `disposed`, and nothing is received or sent any more. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new RpcError('disposed', `The panel closed before ${pending.method} was answered.`));
    }
    this.pending.clear();
    this.notifications.clear();
    this.requests.clear();
  }

  private register(
    map: Map<string, Registration>,
    method: string,
    validate: (x: unknown) => boolean,
    handler: AnyHandler,
  ): () => void {
    if (map.has(method)) throw new RangeError(`${method} already has a handler.`);
    const registration = { validate, handler };
    map.set(method, registration);
    return () => {
      if (map.get(method) === registration) map.delete(method);
    };
  }

  private respondError(id: number, reason: string, message: string): void {
    if (!this.disposed)
      this.options.post({
        kind: 'response',
        id,
        ok: false,
        error: { reason: reason.slice(0, 80), message: message.slice(0, MAX_ERROR_MESSAGE) },
      });
  }

  private reject(why: string, message: unknown): ReceiveOutcome {
    this.rejectedCount++;
    this.options.onRejected?.(why, message);
    return 'rejected';
  }
}
