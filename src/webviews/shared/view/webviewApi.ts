/**
 * The browser side of a panel's channel, the same for every panel: VS Code's webview API (which can
 * be acquired once per page), an RPC endpoint over postMessage, the saved webview state, and the
 * state stream: the host's `state` notifications are rendered at most once per animation frame,
 * latest first, and the root element then carries the `seq` it shows (tests wait on it). The panel
 * registers its handlers, then calls `start()`, which says `ready` to the host.
 */
import {
  ReadyNotification,
  RENDERED_SEQ_ATTRIBUTE,
  type NotificationType,
  type RequestType,
  stateNotification,
  type WebviewDescriptor,
} from '../protocol';
import { RpcEndpoint } from '../rpc';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;
const vscodeApi = (): VsCodeApi => (api ??= acquireVsCodeApi());

export interface WebviewConnectionOptions<S> {
  /** Which webview: its root element (whose `data-seq` says which state it shows) and its state check. */
  readonly descriptor: WebviewDescriptor<S>;
  /** Renders a state; called at most once per animation frame, with the latest one. */
  render(state: S): void;
}

export class WebviewConnection<S, Saved extends object = Record<string, unknown>> {
  private readonly rpc: RpcEndpoint;
  private queued: { seq: number; state: S } | undefined;
  private frame = 0;
  /** The element the panel renders into (the page has it from the first byte). */
  readonly root: HTMLElement;

  constructor(private readonly options: WebviewConnectionOptions<S>) {
    const root = document.getElementById(options.descriptor.rootId);
    if (!root) throw new Error(`The page has no #${options.descriptor.rootId}.`);
    this.root = root;
    this.rpc = new RpcEndpoint({
      post: (message) => vscodeApi().postMessage(message),
      onRejected: (why) => console.warn(`kafka-lab webview: dropped a message (${why})`),
      onHandlerError: (method, error) => console.error(`kafka-lab webview: ${method} failed`, error),
    });
    this.rpc.onNotification(stateNotification(options.descriptor.validateState), ({ seq, state }) =>
      this.queue(seq, state),
    );
    window.addEventListener('message', (event: MessageEvent<unknown>) => void this.rpc.receive(event.data));
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => unknown): void {
    this.rpc.onNotification(type, handler);
  }

  onRequest<P, R>(type: RequestType<P, R>, handler: (params: P) => R | Promise<R>): void {
    this.rpc.onRequest(type, handler);
  }

  notify<P>(type: NotificationType<P>, ...params: P extends void ? [] : [P]): void {
    this.rpc.notify(type, ...params);
  }

  request<P, R>(type: RequestType<P, R>, params: P, options?: { timeoutMs?: number }): Promise<R> {
    return this.rpc.request(type, params, options);
  }

  /** What the webview saved (survives a reload while the panel is hidden); never trusted to be well-formed. */
  get saved(): Partial<Saved> {
    const state = vscodeApi().getState();
    return typeof state === 'object' && state !== null && !Array.isArray(state) ? (state as Partial<Saved>) : {};
  }

  save(state: Partial<Saved>): void {
    vscodeApi().setState(state);
  }

  /** Says `ready`: the host answers with the latest state. */
  start(): void {
    this.rpc.notify(ReadyNotification);
  }

  private queue(seq: number, state: S): void {
    this.queued = { seq, state };
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const next = this.queued;
      this.queued = undefined;
      if (!next) return;
      this.options.render(next.state);
      this.root.setAttribute(RENDERED_SEQ_ATTRIBUTE, String(next.seq));
    });
  }
}
