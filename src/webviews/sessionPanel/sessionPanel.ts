import * as vscode from 'vscode';
import { describeSummary, type RedriveSummary } from '../../core/dlq/redriveRun';
import type { Logger } from '../../core/logging';
import type { MessageView } from '../../core/session/messageView';
import type { PanelAction, PanelState } from '../../core/session/panelState';
import type { RunUntilCondition } from '../../core/session/runUntil';
import { WebviewPanelHost } from '../shared/panelHost';
import {
  CancelRunUntilNotification,
  type DecideParams,
  DecideRequest,
  type DecideResult,
  PauseNotification,
  RedriveRequest,
  type RedriveResult,
  ReplayNotification,
  ResumeNotification,
  RunUntilNotification,
  SessionPanelWebview,
  ViewAroundNotification,
} from './protocol';

/** What the panel hands its owner (the session controller): validated, and dead-letters with a reason. */
export type SessionPanelAction =
  | { readonly type: 'decide'; readonly messageId: string; readonly action: Exclude<PanelAction, 'deadLetter'> }
  | { readonly type: 'decide'; readonly messageId: string; readonly action: 'deadLetter'; readonly reason: string }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'runUntil'; readonly condition: RunUntilCondition }
  | { readonly type: 'cancelRunUntil' }
  | { readonly type: 'replay'; readonly topic: string; readonly partition: number; readonly offset: number };

export interface SessionPanelOptions {
  readonly extensionUri: vscode.Uri;
  readonly title: string;
  /** The session's state, read when the panel posts (at most every 50 ms after `invalidate`). */
  readonly source: () => PanelState | undefined;
  /** A developer's action. Errors it throws are logged and shown. */
  onAction(action: SessionPanelAction): void | Promise<void>;
  /** Asks for a dead-letter reason; undefined cancels. */
  askDeadLetterReason(message: MessageView): Thenable<string | undefined>;
  readonly logger?: Logger;
  readonly viewColumn?: vscode.ViewColumn;
  readonly preserveFocus?: boolean;
  readonly retainContextWhenHidden?: boolean;
}

/**
 * The session panel, host side: one webview per consumer session showing the current message and
 * the decision controls, on the shared panel host (page, handshake, replay, throttle, validation).
 * What is its own: only the message on screen can be decided, once per state from the owner, and a
 * dead-letter decision carries a reason.
 */
export class SessionPanel implements vscode.Disposable {
  /** The shared host: state, readiness and the test hooks (`whenReady`, `postedSeq`, `received`, `simulate`). */
  readonly host: WebviewPanelHost<PanelState>;
  /** The message a decision was forwarded for since the last state: a second key press is not a second decision. */
  private decidedMessageId: string | undefined;

  constructor(private readonly options: SessionPanelOptions) {
    this.host = new WebviewPanelHost<PanelState>({
      descriptor: SessionPanelWebview,
      title: options.title,
      extensionUri: options.extensionUri,
      source: () => {
        this.decidedMessageId = undefined;
        return options.source();
      },
      titleOf: (state) => state.title,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.viewColumn !== undefined ? { viewColumn: options.viewColumn } : {}),
      ...(options.preserveFocus !== undefined ? { preserveFocus: options.preserveFocus } : {}),
      ...(options.retainContextWhenHidden !== undefined
        ? { retainContextWhenHidden: options.retainContextWhenHidden }
        : {}),
    });
    this.host.onRequest(DecideRequest, (params) => this.decide(params));
    this.host.onNotification(PauseNotification, () => this.options.onAction({ type: 'pause' }));
    this.host.onNotification(ResumeNotification, () => this.options.onAction({ type: 'resume' }));
    this.host.onNotification(RunUntilNotification, ({ condition }) =>
      this.options.onAction({ type: 'runUntil', condition }),
    );
    this.host.onNotification(CancelRunUntilNotification, () => this.options.onAction({ type: 'cancelRunUntil' }));
    this.host.onNotification(ReplayNotification, ({ topic, partition, offset }) =>
      this.options.onAction({ type: 'replay', topic, partition, offset }),
    );
    this.host.onRequest(RedriveRequest, (params) => this.redrive(params));
    // Browsing needs no session action: the viewer reads the partition on its own, without the group.
    this.host.onNotification(ViewAroundNotification, ({ topic, partition, offset }) =>
      vscode.commands.executeCommand('kafkaLab.viewAroundOffset', {
        sessionId: this.host.state?.sessionId,
        topic,
        partition,
        offset,
      }),
    );
  }

  /**
   * Re-drive of a dead-lettered message, through the command (which finds its dead-letter record
   * and writes it back with the provenance headers); the webview shows the answer at the entry.
   */
  private async redrive(position: { topic: string; partition: number; offset: number }): Promise<RedriveResult> {
    const sessionId = this.host.state?.sessionId;
    if (!sessionId) return { outcome: 'notRedriven', text: 'The session has ended: nothing was re-driven.' };
    const summary = await vscode.commands.executeCommand<RedriveSummary | undefined>(
      'kafkaLab.redriveSessionDeadLetter',
      { sessionId, ...position },
    );
    if (!summary) return { outcome: 'notRedriven', text: 'Not re-driven.' };
    const landed = summary.sent.map((s) => ` It is at ${s.topic}[${s.partition}]@${s.offset}.`).join('');
    return { outcome: summary.outcome, text: `${describeSummary(summary)}${landed}` };
  }

  /** The session changed: the panel reads its state again (throttled). */
  invalidate(): void {
    this.host.invalidate();
  }

  get state(): PanelState | undefined {
    return this.host.state;
  }

  readonly onDidDispose = (listener: () => void): vscode.Disposable => this.host.onDidDispose(listener);

  get isDisposed(): boolean {
    return this.host.isDisposed;
  }

  reveal(): void {
    this.host.reveal();
  }

  dispose(): void {
    this.host.dispose();
  }

  /** The answer tells the webview whether to give its buttons back (anything but `decided`, or an error). */
  private async decide({ messageId, action }: DecideParams): Promise<DecideResult> {
    // Only the message on screen can be decided, and only once per state from the owner.
    const current = this.host.state?.current;
    if (!current || current.id !== messageId) return { outcome: 'notOnScreen' };
    if (this.decidedMessageId === messageId) return { outcome: 'alreadyDecided' };
    this.decidedMessageId = messageId;
    try {
      if (action === 'deadLetter') {
        const reason = await this.options.askDeadLetterReason(current);
        if (reason === undefined || this.host.isDisposed || this.host.state?.current?.id !== messageId) {
          this.forget(messageId);
          return { outcome: 'cancelled' };
        }
        this.decidedMessageId = messageId; // reading the state may have started a new round
        await this.options.onAction({ type: 'decide', messageId, action, reason });
      } else {
        await this.options.onAction({ type: 'decide', messageId, action });
      }
      return { outcome: 'decided' };
    } catch (error) {
      this.forget(messageId);
      throw error; // the host logs and shows it, and the webview gets it as an error reply
    }
  }

  private forget(messageId: string): void {
    if (this.decidedMessageId === messageId) this.decidedMessageId = undefined;
  }
}
