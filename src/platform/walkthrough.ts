import * as vscode from 'vscode';

/**
 * The "Get started with Kafka Consumer Lab" walkthrough (package.json `contributes.walkthroughs`)
 * ticks its steps itself: each completes on `onContext:kafkaLab.walkthrough.<milestone>`, a
 * context key set here when the user actually does the step (a cluster answered, a viewer opened,
 * a message was decided, a handler ran under the debugger, a dead letter went back, a project was
 * generated), however the
 * step was started (palette, tree, panel, link). VS Code keeps a completed step completed.
 */
export type Milestone = 'connected' | 'browsed' | 'decided' | 'debugged' | 'redriven' | 'generated';

export const MILESTONES: readonly Milestone[] = [
  'connected',
  'browsed',
  'decided',
  'debugged',
  'redriven',
  'generated',
];

export const WALKTHROUGH_ID = 'kafka-consumer-lab.kafka-consumer-lab#kafkaLab.getStarted';

const listeners = new Set<(milestone: Milestone) => void>();

/** Records that the user did a walkthrough step; cheap and safe to call often. */
export function reachMilestone(milestone: Milestone): void {
  for (const listener of listeners) listener(milestone);
}

/** Sets each milestone's context key once, and watches for a handler debug session. */
export class WalkthroughProgress implements vscode.Disposable {
  private readonly reached = new Set<Milestone>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly listener = (milestone: Milestone): void => this.reach(milestone);

  constructor() {
    listeners.add(this.listener);
    this.disposables.push(
      vscode.debug.onDidStartDebugSession((session) => {
        if (session.type === 'kafka-lab' || session.type === 'kafka-lab-debugpy') this.reach('debugged');
      }),
    );
  }

  private reach(milestone: Milestone): void {
    if (this.reached.has(milestone)) return;
    this.reached.add(milestone);
    void vscode.commands.executeCommand('setContext', `kafkaLab.walkthrough.${milestone}`, true);
  }

  /**
   * Forgets the milestones and clears their context keys, so that the steps can tick again after
   * VS Code's "Reset Welcome Page Walkthrough Progress" (used by the walkthrough's own test).
   */
  async reset(): Promise<void> {
    this.reached.clear();
    for (const milestone of MILESTONES)
      await vscode.commands.executeCommand('setContext', `kafkaLab.walkthrough.${milestone}`, false);
  }

  dispose(): void {
    listeners.delete(this.listener);
    for (const d of this.disposables) d.dispose();
  }
}
