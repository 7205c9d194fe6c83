import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Logger } from '../../core/logging';
import { webviewHtml } from './html';
import {
  type NotificationMessage,
  type NotificationType,
  ReadyNotification,
  type RequestMessage,
  type RequestType,
  RpcError,
  type StateParams,
  stateNotification,
  type WebviewDescriptor,
} from './protocol';
import { RpcEndpoint } from './rpc';
import { Throttle } from './throttle';

export interface PanelHostOptions<S> {
  /** Which webview: its script dist/webview/<entry>.js, its stylesheet media/webview/<entry>.css (after shared.css). */
  readonly descriptor: WebviewDescriptor<S>;
  /** The panel's tab title. */
  readonly title: string;
  readonly extensionUri: vscode.Uri;
  /** Where the state comes from: called when the host posts, at most every `postIntervalMs`, after `invalidate()`. */
  readonly source: () => S | undefined;
  /** The panel's title for a state (updated when it changes). */
  readonly titleOf?: (state: S) => string;
  readonly postIntervalMs?: number;
  readonly viewColumn?: vscode.ViewColumn;
  readonly preserveFocus?: boolean;
  /** Keeps the webview alive while hidden; without it, the webview reloads and says `ready` again when shown. */
  readonly retainContextWhenHidden?: boolean;
  readonly logger?: Logger;
}

/** States are posted at most this often; in between only the latest counts (a running session is fast). */
export const DEFAULT_POST_INTERVAL_MS = 50;
/** How many validated messages the test hook `received` keeps. */
const RECEIVED_LIMIT = 200;
const READY_TIMEOUT_MS = 30_000;
/**
 * Before its first `ready`, a webview is still loading: VS Code holds what is posted to it and hands
 * it over as the page loads, so states are posted then too (the page paints the latest at its first
 * frame, with no round trip after `ready`). Only for this long after the panel opened, so that a
 * webview that never loads (its tab hidden at once) does not collect states without end.
 */
const PRE_READY_POST_MS = 10_000;

/**
 * The host side of one webview panel, the same for every panel: the strict-CSP page, narrow
 * resource roots, the RPC endpoint (validated notifications and requests), the ready handshake with
 * replay of the latest state, one throttle for posting states, errors of handlers logged and shown,
 * and the hooks the extension tests use (`whenReady`, `postedSeq`, `received`, `rejectedCount`,
 * `simulate`). A panel adds its own methods with `onNotification`/`onRequest`.
 */
export class WebviewPanelHost<S> implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly rpc: RpcEndpoint;
  private readonly throttle: Throttle;
  private readonly stateType: NotificationType<StateParams<S>>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  /** Fires once, when the panel is closed by the user or disposed. */
  readonly onDidDispose = this.disposeEmitter.event;

  private latest: S | undefined;
  private stale = true;
  private seq = 0;
  private ready = false;
  private readonly preReadyPostsUntil = Date.now() + PRE_READY_POST_MS;
  private readyWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private disposed = false;
  private readonly receivedLog: Array<{ readonly method: string; readonly params?: unknown }> = [];
  private readonly viewType: string;

  constructor(private readonly options: PanelHostOptions<S>) {
    const { descriptor } = options;
    this.viewType = descriptor.viewType;
    const webviewRoot = vscode.Uri.joinPath(options.extensionUri, 'dist', 'webview');
    const mediaRoot = vscode.Uri.joinPath(options.extensionUri, 'media', 'webview');
    this.panel = vscode.window.createWebviewPanel(
      descriptor.viewType,
      options.title,
      { viewColumn: options.viewColumn ?? vscode.ViewColumn.Active, preserveFocus: options.preserveFocus ?? false },
      {
        enableScripts: true,
        enableForms: false,
        enableCommandUris: false,
        // The bundles and the stylesheets, nothing else of the extension (nor the workspace).
        localResourceRoots: [webviewRoot, mediaRoot],
        retainContextWhenHidden: options.retainContextWhenHidden ?? false,
      },
    );
    this.panel.iconPath = vscode.Uri.joinPath(options.extensionUri, 'media', 'kafka-lab.svg');
    const webview = this.panel.webview;
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      script: bundleText(webview, webviewRoot, `${descriptor.entry}.js`),
      styles: ['shared.css', `${descriptor.entry}.css`].map((name) => fileText(vscode.Uri.joinPath(mediaRoot, name))),
      rootId: descriptor.rootId,
      title: descriptor.label,
      loadingText: descriptor.loadingText,
    });

    this.stateType = stateNotification(descriptor.validateState);
    this.rpc = new RpcEndpoint({
      post: (message) => void webview.postMessage(message),
      onAccepted: (message) => this.record(message),
      onRejected: (why, message) =>
        options.logger?.warn(`${this.viewType}: dropped a message from the webview (${why})`, {
          method: methodOf(message),
        }),
      onHandlerError: (method, error) => this.showError(method, error),
    });
    this.throttle = new Throttle(options.postIntervalMs ?? DEFAULT_POST_INTERVAL_MS, () => this.post());
    this.rpc.onNotification(ReadyNotification, () => {
      this.ready = true;
      for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
      this.throttle.now(); // a (re)loaded webview has nothing: give it the latest state at once
    });
    this.disposables.push(
      webview.onDidReceiveMessage((message: unknown) => void this.rpc.receive(message)),
      this.panel.onDidDispose(() => this.onPanelDisposed()),
    );
  }

  // ---- the panel's own methods ----

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

  // ---- state ----

  /** The source changed: the state is read again and posted, at most every interval. */
  invalidate(): void {
    if (this.disposed) return;
    this.stale = true;
    if (this.ready || Date.now() < this.preReadyPostsUntil) this.throttle.schedule();
  }

  /** The state the webview shows, or is about to (read from the source if it changed). */
  get state(): S | undefined {
    this.refresh();
    return this.latest;
  }

  // ---- the panel ----

  reveal(preserveFocus = false): void {
    if (!this.disposed) this.panel.reveal(undefined, preserveFocus);
  }

  get visible(): boolean {
    return !this.disposed && this.panel.visible;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (!this.disposed) this.panel.dispose(); // fires onDidDispose → onPanelDisposed
  }

  // ---- test hooks ----

  /** The sequence number of the last state posted (the webview echoes the one it rendered in `data-seq`). */
  get postedSeq(): number {
    return this.seq;
  }

  /** Validated notifications and requests from the webview, oldest first (the last 200). */
  get received(): ReadonlyArray<{ readonly method: string; readonly params?: unknown }> {
    return this.receivedLog;
  }

  /** How many messages from the webview failed validation. */
  get rejectedCount(): number {
    return this.rpc.rejected;
  }

  /** Resolves once the webview has said `ready` (at least once); bounded. */
  whenReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (this.disposed) return reject(new RpcError('disposed', `The ${this.viewType} panel is closed.`));
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(new RpcError('timeout', `The ${this.viewType} webview did not say ready within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.readyWaiters.push(waiter);
    });
  }

  /** Handles `message` exactly as if the webview had posted it (the same validation applies). */
  async simulate(message: unknown): Promise<void> {
    await this.rpc.receive(message);
  }

  // ---- internals ----

  private refresh(): void {
    if (!this.stale || this.disposed) return;
    this.stale = false;
    this.latest = this.options.source();
    const title = this.latest !== undefined ? this.options.titleOf?.(this.latest) : undefined;
    if (title !== undefined && this.panel.title !== title) this.panel.title = title;
  }

  private post(): void {
    this.refresh();
    if (this.latest === undefined || this.disposed) return;
    this.rpc.notify(this.stateType, { seq: ++this.seq, state: this.latest });
  }

  private record(message: NotificationMessage | RequestMessage): void {
    this.receivedLog.push(
      message.params === undefined ? { method: message.method } : { method: message.method, params: message.params },
    );
    if (this.receivedLog.length > RECEIVED_LIMIT) this.receivedLog.shift();
  }

  private showError(method: string, error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    this.options.logger?.error(`${this.viewType}: ${method} failed: ${text}`, error);
    void vscode.window.showErrorMessage(`Kafka Consumer Lab: ${text}`);
  }

  private onPanelDisposed(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.throttle.dispose();
    this.rpc.dispose();
    for (const waiter of this.readyWaiters.splice(0))
      waiter.reject(new RpcError('disposed', `The ${this.viewType} panel closed before its webview was ready.`));
    while (this.disposables.length) this.disposables.pop()?.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }
}

function methodOf(message: unknown): string {
  const method = typeof message === 'object' && message !== null ? (message as { method?: unknown }).method : undefined;
  return typeof method === 'string' ? method.slice(0, 80) : typeof message;
}

/** The extension's own files do not change while it runs: each is read once. */
const files = new Map<string, string>();
function fileText(uri: vscode.Uri): string {
  let text = files.get(uri.fsPath);
  if (text === undefined) {
    text = fs.readFileSync(uri.fsPath, 'utf8');
    files.set(uri.fsPath, text);
  }
  return text;
}

/** The bundle's code, its source map named by webview URI (the page's own URL is VS Code's, not ours). */
function bundleText(webview: vscode.Webview, root: vscode.Uri, name: string): string {
  return fileText(vscode.Uri.joinPath(root, name)).replace(
    /\n\/\/# sourceMappingURL=([\w.-]+)\s*$/,
    (_line, map: string) =>
      `\n//# sourceMappingURL=${webview.asWebviewUri(vscode.Uri.joinPath(root, map)).toString()}\n`,
  );
}
