import type * as vscode from 'vscode';
import { Container, type KafkaLabApi } from './container';

let container: Container | undefined;

export function activate(context: vscode.ExtensionContext): KafkaLabApi {
  container = new Container(context);
  context.subscriptions.push(container);
  return container.api;
}

/** VS Code waits (a few seconds) for this promise: sessions commit what was decided and leave their groups. */
export async function deactivate(): Promise<void> {
  const closing = container;
  container = undefined;
  await closing?.shutdown();
}
