import * as vscode from 'vscode';
import { showClientInfo } from './commands/clientInfo';
import { registerCommands } from './commands/commandTable';
import { getClientInfo, isNativeClientLoaded } from './core/kafka/nativeClient';
import type { Logger } from './core/logging';
import { createOutputLogger } from './platform/outputLogger';
import { Settings } from './platform/settings';

/** What `activate` returns: a small, stable surface for tests and other extensions. */
export interface KafkaLabApi {
  readonly isNativeClientLoaded: () => boolean;
}

/**
 * The composition root. It builds the object graph once, owns every disposable, and disposes them
 * in reverse order of creation.
 */
export class Container implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly logger: Logger;
  readonly api: KafkaLabApi;

  constructor(readonly context: vscode.ExtensionContext) {
    const channel = this.own(vscode.window.createOutputChannel('Kafka Consumer Lab', { log: true }));
    const settings = new Settings();
    this.logger = createOutputLogger(channel, () => settings.logLevel());

    for (const disposable of registerCommands(
      { 'kafkaLab.showClientInfo': showClientInfo(getClientInfo, this.logger.child('client')) },
      this.logger,
    )) {
      this.own(disposable);
    }

    this.api = { isNativeClientLoaded };
    this.logger.info(`Kafka Consumer Lab ${String(context.extension.packageJSON.version)} activated`);
  }

  private own<T extends vscode.Disposable>(disposable: T): T {
    this.disposables.push(disposable);
    return disposable;
  }

  dispose(): void {
    while (this.disposables.length) {
      try {
        this.disposables.pop()?.dispose();
      } catch {
        // Disposal continues for the rest; there is nowhere left to report to.
      }
    }
  }
}
