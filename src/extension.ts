import type * as vscode from 'vscode';
import { Container, type KafkaLabApi } from './container';

let container: Container | undefined;

export function activate(context: vscode.ExtensionContext): KafkaLabApi {
  container = new Container(context);
  context.subscriptions.push(container);
  return container.api;
}

export function deactivate(): void {
  container?.dispose();
  container = undefined;
}
