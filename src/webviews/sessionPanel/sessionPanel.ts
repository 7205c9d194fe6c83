import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Logger } from '../../core/logging';
import { HISTORY_LIMIT, isWebviewToHost, PANEL_ROOT_ID, type MessageView, type PanelAction, type PanelState, type RunUntilCondition, type WebviewToHost, type HostToWebview } from './protocol';

/** What the panel hands its owner (the session controller): validated, and dead-letters with a reason. */
export type SessionPanelAction =
  | { readonly type: 'decide'; readonly messageId: string; readonly action: Exclude<PanelAction, 'deadLetter'> }
  | { readonly type: 'decide'; readonly messageId: string; readonly action: 'deadLetter'; readonly reason: string }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'runUntil'; readonly condition: RunUntilCondition }
  | { readonly type: 'cancelRunUntil' };

export interface SessionPanelCallbacks {
  /** A developer's action. Errors it throws are logged and shown. */
  onAction(action: SessionPanelAction): void | Promise<void>;
  /** Asks for a dead-letter reason; undefined cancels. Default: an input box. */
  askDeadLetterReason?(message: MessageView | undefined): Thenable<string | undefined>;
  logger?: Logger;
}

export interface SessionPanelOptions {
  readonly viewColumn?: vscode.ViewColumn;
  readonly preserveFocus?: boolean;
  /** Keeps the webview alive while hidden; without it, the panel re-renders from the host's state when shown. */
  readonly retainContextWhenHidden?: boolean;
}

/** States are posted at most this often; in between only the latest is kept (running mode is fast). */
const MIN_POST_INTERVAL_MS = 50;
const RECEIVED_LIMIT = 200;

/**
 * The session panel, host side: one webview per consumer session showing the current message and the
 * decision controls. The owner pushes `PanelState`s with `update`; the panel posts the latest one when
 * the webview is ready (again after it was hidden and reloaded) and at most every 50 ms.
 */
export class SessionPanel implements vscode.Disposable {
  static readonly viewType = 'kafkaLab.sessionPanel';

  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  /** Fires once, when the panel is closed by the user or disposed. */
  readonly onDidDispose = this.disposeEmitter.event;

  private latest: PanelState | undefined;
  private seq = 0;
  private ready = false;
  private readyWaiters: Array<() => void> = [];
  private postTimer: ReturnType<typeof setTimeout> | undefined;
  private lastPostAt = 0;
  private disposed = false;
  /** The message a decision was forwarded for since the last update: a second key press is not a second decision. */
  private decidedMessageId: string | undefined;
  private readonly receivedLog: WebviewToHost[] = [];
  private rejected = 0;

  constructor(
    extensionUri: vscode.Uri,
    readonly sessionId: string,
    title: string,
    private readonly callbacks: SessionPanelCallbacks,
    options: SessionPanelOptions = {},
  ) {
    const webviewRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const mediaRoot = vscode.Uri.joinPath(extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel(
      SessionPanel.viewType,
      title,
      { viewColumn: options.viewColumn ?? vscode.ViewColumn.Active, preserveFocus: options.preserveFocus ?? false },
      {
        enableScripts: true,
        enableForms: false,
        enableCommandUris: false,
        localResourceRoots: [webviewRoot, mediaRoot],
        retainContextWhenHidden: options.retainContextWhenHidden ?? false,
      },
    );
    this.panel.iconPath = vscode.Uri.joinPath(mediaRoot, 'kafka-lab.svg');
    this.panel.webview.html = renderHtml(this.panel.webview, webviewRoot, mediaRoot);
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      this.panel.onDidDispose(() => this.onPanelDisposed()),
    );
  }

  /** Shows `state` (the latest one wins when several arrive within 50 ms). */
  update(state: PanelState): void {
    if (this.disposed) return;
    this.latest = state.history.length > HISTORY_LIMIT ? { ...state, history: state.history.slice(-HISTORY_LIMIT) } : state;
    this.decidedMessageId = undefined;
    if (this.panel.title !== state.title) this.panel.title = state.title;
    this.schedulePost();
  }

  reveal(preserveFocus = false): void {
    if (!this.disposed) this.panel.reveal(undefined, preserveFocus);
  }

  get visible(): boolean {
    return !this.disposed && this.panel.visible;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The last state given to `update` (what the webview shows, or is about to). */
  get state(): PanelState | undefined {
    return this.latest;
  }

  /** The sequence number of the last state posted to the webview (it echoes the one it rendered). */
  get postedSeq(): number {
    return this.seq;
  }

  /** Validated messages received from the webview, oldest first (the last 200); for tests and diagnostics. */
  get received(): readonly WebviewToHost[] {
    return this.receivedLog;
  }

  /** How many messages from the webview failed validation and were dropped. */
  get rejectedCount(): number {
    return this.rejected;
  }

  /** Resolves once the webview has said `ready` (at least once). */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Handles `message` exactly as if the webview had posted it (tests; the same validation applies). */
  simulate(message: unknown): Promise<void> {
    return this.receive(message);
  }

  dispose(): void {
    if (!this.disposed) this.panel.dispose(); // fires onDidDispose → onPanelDisposed
  }

  private async receive(message: unknown): Promise<void> {
    if (this.disposed) return;
    if (!isWebviewToHost(message)) {
      this.rejected++;
      this.callbacks.logger?.warn('Session panel: dropped a malformed message from the webview', { type: typeof message === 'object' && message !== null ? String((message as { type?: unknown }).type).slice(0, 40) : typeof message });
      return;
    }
    this.receivedLog.push(message);
    if (this.receivedLog.length > RECEIVED_LIMIT) this.receivedLog.shift();
    switch (message.type) {
      case 'ready':
        this.ready = true;
        for (const resolve of this.readyWaiters.splice(0)) resolve();
        this.postNow(); // a (re)loaded webview has nothing: give it the latest state at once
        return;
      case 'decide':
        return this.decide(message.messageId, message.action);
      default:
        return this.forward(message);
    }
  }

  private async decide(messageId: string, action: PanelAction): Promise<void> {
    // Only the message on screen can be decided, and only once per update from the owner.
    if (this.latest?.current?.id !== messageId || this.decidedMessageId === messageId) return;
    this.decidedMessageId = messageId;
    if (action !== 'deadLetter') return this.forward({ type: 'decide', messageId, action });
    const current = this.latest.current;
    const ask = this.callbacks.askDeadLetterReason ?? askReason;
    const reason = await ask(current);
    if (reason === undefined || this.disposed || this.latest?.current?.id !== messageId) {
      if (this.decidedMessageId === messageId) this.decidedMessageId = undefined;
      this.postNow(); // the webview disabled its buttons while waiting: give it the state back
      return;
    }
    return this.forward({ type: 'decide', messageId, action: 'deadLetter', reason });
  }

  private async forward(action: SessionPanelAction): Promise<void> {
    try {
      await this.callbacks.onAction(action);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.callbacks.logger?.error(`Session panel: ${action.type} failed: ${text}`, error);
      void vscode.window.showErrorMessage(`Kafka Consumer Lab: ${text}`);
      if (action.type === 'decide' && this.decidedMessageId === action.messageId) this.decidedMessageId = undefined;
      this.postNow(); // re-enable the controls the webview disabled while it waited
    }
  }

  private schedulePost(): void {
    if (!this.ready || this.disposed || this.postTimer) return;
    const wait = Math.max(0, this.lastPostAt + MIN_POST_INTERVAL_MS - Date.now());
    this.postTimer = setTimeout(() => {
      this.postTimer = undefined;
      this.postNow();
    }, wait);
  }

  private postNow(): void {
    if (this.postTimer) {
      clearTimeout(this.postTimer);
      this.postTimer = undefined;
    }
    if (!this.latest || this.disposed) return;
    this.lastPostAt = Date.now();
    const message: HostToWebview = { type: 'state', seq: ++this.seq, state: this.latest };
    void this.panel.webview.postMessage(message);
  }

  private onPanelDisposed(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.postTimer) clearTimeout(this.postTimer);
    this.postTimer = undefined;
    this.readyWaiters = [];
    while (this.disposables.length) this.disposables.pop()?.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }
}

function askReason(message: MessageView | undefined): Thenable<string | undefined> {
  const where = message ? `offset ${message.offset} of ${message.topic} [${message.partition}]` : 'the message';
  return vscode.window.showInputBox({
    title: `Send ${where} to the dead-letter topic`,
    prompt: 'Why? The reason is written into the dead-letter envelope (error_message).',
    value: 'sent to the dead-letter topic by hand',
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim().length === 0 ? 'Give a reason, or press Escape to cancel.' : undefined),
  });
}

/**
 * The page: CSP with a fresh nonce for the one bundled script, styles only from the extension,
 * no inline script or style, no eval. Data never goes into this HTML; it arrives by postMessage.
 */
function renderHtml(webview: vscode.Webview, webviewRoot: vscode.Uri, mediaRoot: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'sessionPanel.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, 'sessionPanel.css'));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Consumer session</title>
</head>
<body>
<main id="${PANEL_ROOT_ID}" aria-label="Consumer session"><p class="loading">Waiting for the session…</p></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
