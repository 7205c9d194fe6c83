import type * as vscode from 'vscode';
import type { Logger } from '../core/logging';
import type { SessionController } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';
import { SessionPanel, type SessionPanelAction } from '../webviews/sessionPanel/sessionPanel';
import { PanelRegistry } from '../webviews/shared/panelRegistry';
import { askDeadLetterReason } from './sessionPrompts';
import { reachMilestone } from '../platform/walkthrough';

export interface SessionPanelsDeps {
  readonly manager: SessionManager;
  readonly extensionUri: vscode.Uri;
  readonly logger: Logger;
}

/**
 * One session panel per running session, found or created through the shared registry. A session's
 * change only marks its panel stale (the panel reads the state when it posts, throttled); a session
 * that ends closes its panel.
 */
export class SessionPanels implements vscode.Disposable {
  private readonly registry = new PanelRegistry<string, SessionPanel>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: SessionPanelsDeps) {
    const onChanged = (controller: SessionController | undefined) => {
      if (controller) this.registry.get(controller.id)?.invalidate();
      else this.registry.retain((id) => deps.manager.get(id) !== undefined);
    };
    deps.manager.on('changed', onChanged);
    this.unsubscribe = () => deps.manager.off('changed', onChanged);
  }

  /** The session's panel, revealed if open, otherwise opened (beside the editor for a handler being debugged). */
  open(
    controller: SessionController,
    placement: { viewColumn?: vscode.ViewColumn; preserveFocus?: boolean } = {},
  ): SessionPanel {
    const { panel } = this.registry.findOrCreate(controller.id, () => {
      return new SessionPanel({
        extensionUri: this.deps.extensionUri,
        title: `Kafka: ${controller.spec.groupId}`,
        source: () => this.deps.manager.get(controller.id)?.panelState(),
        onAction: (action) => this.onAction(controller, action),
        askDeadLetterReason,
        logger: this.deps.logger,
        ...placement,
      });
    });
    panel.invalidate();
    this.deps.manager.focus(controller.id);
    return panel;
  }

  /** The session's panel, if open (tests drive it). */
  get(sessionId: string): SessionPanel | undefined {
    return this.registry.get(sessionId);
  }

  close(sessionId: string): void {
    this.registry.close(sessionId);
  }

  private async onAction(controller: SessionController, action: SessionPanelAction): Promise<void> {
    this.deps.manager.focus(controller.id);
    switch (action.type) {
      case 'decide':
        await controller.decide(action.action, {
          messageId: action.messageId,
          ...(action.action === 'deadLetter' ? { reason: action.reason } : {}),
        });
        reachMilestone('decided');
        break;
      case 'pause':
        controller.pause();
        break;
      case 'resume':
        controller.resume();
        break;
      case 'runUntil':
        controller.runUntilMatch(action.condition);
        break;
      case 'cancelRunUntil':
        controller.cancelRunUntil();
        break;
      case 'replay':
        await controller.replay(action.topic, action.partition, action.offset);
        break;
    }
  }

  dispose(): void {
    this.unsubscribe();
    this.registry.dispose();
  }
}
