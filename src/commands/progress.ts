import * as vscode from 'vscode';

/** Runs `task` under a notification with `title` (a command that waits on the broker says what it waits for). */
export function withProgress<T>(title: string, task: () => Promise<T>): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: false }, task),
  );
}
