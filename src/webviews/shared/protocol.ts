/**
 * The wire protocol every webview speaks, imported by both sides (the extension host and the
 * browser). Types, descriptors and pure checks only: no vscode, no DOM, no Node.
 *
 * Three kinds of message cross the boundary, each named by a method:
 * - a notification (either direction, no answer),
 * - a request (either direction) carrying an `id`,
 * - a response to a request, with the same `id`: a result, or an error with a reason.
 *
 * Each webview declares its methods once, as descriptors (`NotificationType`, `RequestType`) whose
 * `is()` says whether a message is theirs and whose validator checks the params. The receiving side
 * validates everything before it acts: a webview is untrusted content and payloads are hostile.
 */

export type Validator<T> = (value: unknown) => value is T;

export interface NotificationMessage {
  readonly kind: 'notify';
  readonly method: string;
  readonly params?: unknown;
}

export interface RequestMessage {
  readonly kind: 'request';
  readonly id: number;
  readonly method: string;
  readonly params?: unknown;
}

export type ResponseMessage =
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly result?: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: RemoteError };

export interface RemoteError {
  readonly reason: string;
  readonly message: string;
}

export type WireMessage = NotificationMessage | RequestMessage | ResponseMessage;

/** Method names are short identifiers, `a-z A-Z 0-9 . / _ -`. */
export const MAX_METHOD_LENGTH = 80;
/** A remote error's message is cut to this many characters (it may be shown). */
export const MAX_ERROR_MESSAGE = 2000;
const METHOD = /^[A-Za-z][\w./-]*$/;

abstract class MessageType<P> {
  constructor(
    readonly method: string,
    readonly validateParams: Validator<P>,
  ) {
    if (method.length > MAX_METHOD_LENGTH || !METHOD.test(method))
      throw new RangeError(`Invalid webview method name "${method}".`);
  }
}

/** A message without an answer. `is` checks the method only; `validateParams` checks the params. */
export class NotificationType<P = void> extends MessageType<P> {
  readonly kind = 'notify';

  is(message: WireMessage): message is NotificationMessage & { readonly params: P } {
    return message.kind === 'notify' && message.method === this.method;
  }
}

/** A message answered by exactly one response: a result `R`, or an error. */
export class RequestType<P = void, R = void> extends MessageType<P> {
  readonly kind = 'request';

  constructor(
    method: string,
    validateParams: Validator<P>,
    readonly validateResult: Validator<R>,
  ) {
    super(method, validateParams);
  }

  is(message: WireMessage): message is RequestMessage & { readonly params: P } {
    return message.kind === 'request' && message.method === this.method;
  }
}

export type RpcErrorReason =
  /** No response within the request's time limit. */
  | 'timeout'
  /** The endpoint (the panel) went away before the response came. */
  | 'disposed'
  /** The other side has no handler for the method. */
  | 'unknownMethod'
  /** The params (or the result) failed validation. */
  | 'invalidParams'
  | 'invalidResult'
  /** The other side's handler failed; `remoteReason` says how, when it said. */
  | 'remoteError';

/** A request that did not get a valid result. Branch on `reason`, never on the message. */
export class RpcError extends Error {
  constructor(
    readonly reason: RpcErrorReason,
    message: string,
    /** The other side's typed reason, for `remoteError`. */
    readonly remoteReason?: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

// ---- built-in methods, used by every panel ----

/** Webview → host, once its script runs (again after a reload): the host answers with the latest state. */
export const ReadyNotification = new NotificationType<void>('ready', isNoParams);

/** Host → webview: the whole state to render. `seq` grows with every post; the webview echoes what it rendered. */
export interface StateParams<S> {
  readonly seq: number;
  readonly state: S;
}

/** The `state` notification of a panel whose state `validateState` checks. */
export function stateNotification<S>(validateState: Validator<S>): NotificationType<StateParams<S>> {
  return new NotificationType<StateParams<S>>(
    'state',
    (x): x is StateParams<S> => isRecord(x) && Number.isSafeInteger(x.seq) && validateState(x.state),
  );
}

/**
 * A webview, declared once and imported by both sides (GitLens declares its webviews the same way):
 * the host builds the panel and its page from it, the browser finds its root and checks states with it.
 */
export interface WebviewDescriptor<S> {
  /** The panel type VS Code knows it by. */
  readonly viewType: string;
  /** Its name: src/webviews/<entry>/main.ts → dist/webview/<entry>.js, styled by media/webview/<entry>.css. */
  readonly entry: string;
  /** The id of the element the webview renders into (tests find the webview frame by it). */
  readonly rootId: string;
  /** The page title and the root's accessible name. */
  readonly label: string;
  /** Shown until the first state is rendered. */
  readonly loadingText: string;
  /** The check of each state the host posts (the webview runs it on arrival). */
  readonly validateState: Validator<S>;
}

/** The attribute of the panel's root element that holds the `seq` of the state it shows (tests wait on it). */
export const RENDERED_SEQ_ATTRIBUTE = 'data-seq';

// ---- checks ----

/** Is `x` one of the three wire messages? (Params are checked later, by the method's descriptor.) */
export function isWireMessage(x: unknown): x is WireMessage {
  if (!isRecord(x)) return false;
  switch (x.kind) {
    case 'notify':
      return isMethod(x.method);
    case 'request':
      return isMethod(x.method) && isId(x.id);
    case 'response':
      if (!isId(x.id)) return false;
      if (x.ok === true) return true;
      return (
        x.ok === false &&
        isRecord(x.error) &&
        typeof x.error.reason === 'string' &&
        x.error.reason.length <= MAX_METHOD_LENGTH &&
        typeof x.error.message === 'string'
      );
    default:
      return false;
  }
}

/** A plain object (as postMessage delivers it): not null, not an array, nothing inherited but Object's own. */
export function isRecord(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const prototype: unknown = Object.getPrototypeOf(x);
  return prototype === Object.prototype || prototype === null;
}

/** For methods without params: none, or an object whose extra fields are ignored (never trusted). */
export function isNoParams(x: unknown): x is void {
  return x === undefined || isRecord(x);
}

function isMethod(x: unknown): x is string {
  return typeof x === 'string' && x.length <= MAX_METHOD_LENGTH && METHOD.test(x);
}

function isId(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
}
