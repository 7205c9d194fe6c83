import * as vscode from 'vscode';
import type { Logger } from '../core/logging';
import type { SessionController } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';

/** One notification per kind of problem and session in this window: a broker outage must not flood the screen. */
const QUIET_MS = 10_000;

/**
 * Shows a session's problems (a failed dead-letter write, a client error, lost partitions) as
 * notifications, with Retry for a blocked dead-letter write and Show Log for all.
 */
export class SessionProblems implements vscode.Disposable {
  private readonly lastShown = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(manager: SessionManager, logger: Logger, showLog: () => void) {
    const onProblem = (controller: SessionController, problem: { kind: string; message: string }) => {
      const key = `${controller.id}/${problem.kind}`;
      const now = Date.now();
      if ((this.lastShown.get(key) ?? 0) > now - QUIET_MS) return;
      this.lastShown.set(key, now);
      logger.warn(`${controller.id} (${controller.spec.groupId}): ${problem.message}`);
      const actions = problem.kind === 'deadLetterFailed' ? ['Retry', 'Show Log'] : ['Show Log'];
      void vscode.window
        .showErrorMessage(`Kafka session ${controller.spec.groupId}: ${problem.message}`, ...actions)
        .then((choice) => {
          if (choice === 'Show Log') showLog();
          if (choice === 'Retry' && controller.retryDeadLetters() === 0)
            void vscode.window.showInformationMessage('No dead-letter write is waiting for a retry any more.');
        });
    };
    manager.on('problem', onProblem);
    this.unsubscribe = () => manager.off('problem', onProblem);
  }

  dispose(): void {
    this.unsubscribe();
  }
}
