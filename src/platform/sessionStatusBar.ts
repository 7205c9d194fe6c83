import * as vscode from 'vscode';
import type { SessionManager } from '../core/session/sessionManager';

/**
 * One status bar item for the active session: its state, the offset on screen and the total lag.
 * Clicking it focuses the session panel. Hidden while no session runs.
 */
export class SessionStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('kafkaLab.session', vscode.StatusBarAlignment.Left, 50);
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly manager: SessionManager) {
    this.item.name = 'Kafka Consumer Session';
    const listener = () => {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.render();
      }, 200);
    };
    manager.on('changed', listener);
    this.unsubscribe = () => manager.off('changed', listener);
    this.render();
  }

  /** What the item shows now (tests read it). */
  get text(): string {
    return this.item.text;
  }

  private render(): void {
    const active = this.manager.active;
    if (!active) {
      this.item.hide();
      return;
    }
    const current = active.current;
    const lag = active.totalLag();
    const state = active.state;
    const icon =
      state === 'running'
        ? '$(play)'
        : state === 'paused'
          ? '$(debug-pause)'
          : state === 'error'
            ? '$(error)'
            : state === 'rebalancing'
              ? '$(sync~spin)'
              : '$(debug-step-over)';
    this.item.text = `${icon} ${active.spec.groupId}: ${state}${current ? ` @ ${current.topic}[${current.partition}] ${current.offset}` : ''}${lag === undefined ? '' : ` · lag ${lag}`}`;
    this.item.tooltip = `Kafka consumer session ${active.id} on ${active.spec.clusterName}. Click to show its panel.${this.manager.list().length > 1 ? ` ${this.manager.list().length} sessions are running.` : ''}`;
    this.item.command = { command: 'kafkaLab.showSessionPanel', title: 'Show Session Panel', arguments: [active.id] };
    this.item.backgroundColor = state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.unsubscribe();
    this.item.dispose();
  }
}
