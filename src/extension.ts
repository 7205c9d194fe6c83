import type * as vscode from 'vscode';
import { Container, type KafkaLabApi } from './container';

let container: Container | undefined;

export function activate(context: vscode.ExtensionContext): KafkaLabApi {
  // Not in context.subscriptions: VS Code disposes those right after calling deactivate, without
  // waiting for it, which would tear the sessions' clients down while they commit and leave.
  container = new Container(context);
  return container.api;
}

/** VS Code waits up to 5 s for this promise: sessions commit what was decided and leave their groups (4 s bound). */
export async function deactivate(): Promise<void> {
  const closing = container;
  container = undefined;
  await closing?.shutdown();
}
