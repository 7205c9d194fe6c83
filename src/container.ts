import * as vscode from 'vscode';
import { showClientInfo } from './commands/clientInfo';
import { clusterCommands } from './commands/clusterCommands';
import { registerCommands } from './commands/commandTable';
import { getClientInfo, isNativeClientLoaded } from './core/kafka/nativeClient';
import type { Logger } from './core/logging';
import { createOutputLogger } from './platform/outputLogger';
import { ClusterClients } from './platform/clusterClients';
import { ClusterStore } from './platform/clusterStore';
import { ClusterSecrets } from './platform/secretStore';
import { Settings } from './platform/settings';
import { ClustersView } from './views/clustersView';
import type { ClusterSettings } from './core/connections/clusterSettings';

/** What `activate` returns: a small, stable surface for tests and other extensions. */
export interface KafkaLabApi {
  readonly isNativeClientLoaded: () => boolean;
  /** The saved cluster connections (settings only, never secrets). */
  readonly clusters: () => ClusterSettings[];
  /** Where VS Code keeps this extension's state and logs (tests check no secret lands there). */
  readonly paths: { readonly globalStorage: string; readonly logs: string };
  /** The Clusters view's data, as VS Code sees it. */
  readonly clustersTree: vscode.TreeDataProvider<vscode.TreeItem>;
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

    const store = this.own(new ClusterStore(this.logger.child('settings')));
    const secrets = new ClusterSecrets(context.secrets);
    const clients = this.own(new ClusterClients(secrets.lookup, this.logger.child('kafka')));
    const clustersView = this.own(new ClustersView(store, (cluster) => clients.admin(cluster)));
    this.own(vscode.window.registerTreeDataProvider('kafkaLab.clusters', clustersView));

    for (const disposable of registerCommands(
      {
        'kafkaLab.showClientInfo': showClientInfo(getClientInfo, this.logger.child('client')),
        ...clusterCommands({ store, secrets, view: clustersView, clients, logger: this.logger.child('clusters') }),
        'kafkaLab.showLog': () => channel.show(true),
        'kafkaLab.refreshClusters': () => clustersView.refresh(),
        'kafkaLab.toggleInternalTopics': () => clustersView.setShowInternal(!clustersView.internalShown),
        'kafkaLab.loadMoreTopics': (clusterId: string) => clustersView.loadMoreTopics(clusterId),
        'kafkaLab.filterTopics': async (glob?: string) => {
          const value = glob ?? (await vscode.window.showInputBox({ title: 'Filter topics', prompt: 'A glob (* and ?), or text to match; empty shows all' }));
          if (value !== undefined) clustersView.setTopicGlob(value);
        },
      },
      this.logger,
    )) {
      this.own(disposable);
    }

    this.api = { isNativeClientLoaded, clusters: () => store.list(), paths: { globalStorage: context.globalStorageUri.fsPath, logs: context.logUri.fsPath }, clustersTree: clustersView as vscode.TreeDataProvider<vscode.TreeItem> };
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
