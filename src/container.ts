import * as vscode from 'vscode';
import { clientInfoCommands } from './commands/clientInfo';
import { clusterCommands } from './commands/clusterCommands';
import { explorerCommands } from './commands/explorerCommands';
import { registerCommands } from './commands/commandTable';
import { getClientInfo, isNativeClientLoaded } from './core/kafka/nativeClient';
import type { Logger } from './core/logging';
import { createOutputLogger } from './platform/outputLogger';
import { ClusterClients } from './platform/clusterClients';
import { ClusterStore } from './platform/clusterStore';
import { ClusterSecrets } from './platform/secretStore';
import { RegistryClients } from './platform/registryClients';
import { schemaCommands } from './commands/schemaCommands';
import { SCHEMA_SCHEME, SchemaDocuments } from './views/schemaDocuments';
import { SchemaTree } from './views/schemaNodes';
import { Settings } from './platform/settings';
import { ClustersView } from './views/clustersView';
import { GroupLagRefresher } from './views/lagRefresh';
import type { ClusterSettings } from './core/connections/clusterSettings';
import { builtInHandlers } from './core/session/handlerFactory';
import { SessionManager } from './core/session/sessionManager';
import { sessionCommands } from './commands/sessionCommands';
import { SessionPanels } from './commands/sessionPanels';
import { SessionProblems } from './commands/sessionProblems';
import { viewCommands } from './commands/viewCommands';
import { produceCommands } from './commands/produceCommands';
import { Producing } from './commands/producing';
import { SessionStatusBar } from './platform/sessionStatusBar';
import { WalkthroughProgress } from './platform/walkthrough';
import { SessionsView } from './views/sessionsView';
import { handlerCommands } from './debug/handlerCommands';
import { askDelivery, ensureOutputTopics } from './commands/deliveryPrompts';
import { deadLetterCommands } from './commands/dlqCommands';
import { generatorCommands } from './commands/generatorCommands';
import { handlerDebugging } from './debug/handlerSessions';
import type { HandlerDebugger } from './debug/handlerDebugger';
import { viewerCommands } from './commands/viewerCommands';
import { compileExpression } from './core/viewer/expression';
import { createMessageViewer } from './core/viewer/messageViewer';
import { ViewerPanels } from './webviews/viewerPanel/viewerPanels';

/** What `activate` returns: a small, stable surface for tests and other extensions. */
export interface KafkaLabApi {
  readonly isNativeClientLoaded: () => boolean;
  /** The saved cluster connections (settings only, never secrets). */
  readonly clusters: () => ClusterSettings[];
  /** Where VS Code keeps this extension's state and logs (tests check no secret lands there). */
  readonly paths: { readonly globalStorage: string; readonly logs: string };
  /** The Clusters view's data, as VS Code sees it. */
  readonly clustersTree: vscode.TreeDataProvider<vscode.TreeItem>;
  /** The Clusters view itself (reveal, expansion, visibility). */
  readonly clustersTreeView: vscode.TreeView<vscode.TreeItem>;
  /** Consumer sessions: the running ones, their view, panels and status bar. */
  readonly sessions: {
    readonly manager: SessionManager;
    readonly view: SessionsView;
    readonly treeView: vscode.TreeView<vscode.TreeItem>;
    /** The open session panels, by session id. */
    readonly panels: SessionPanels;
    readonly statusBarText: () => string;
  };
  /** The `kafka-lab` debug type: handler processes and their debug sessions. */
  readonly handlers: HandlerDebugger;
  /** Producing test messages: one producer per cluster, and the open producer forms. */
  readonly producing: Producing;
  /** The open message viewers (each with its own reader and buffer). */
  readonly viewers: ViewerPanels;
  /** The getting-started walkthrough's progress (which steps the user has done). */
  readonly walkthrough: WalkthroughProgress;
}

/**
 * The composition root. It builds the object graph once, owns every disposable, and disposes them
 * in reverse order of creation.
 */
export class Container implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly logger: Logger;
  readonly api: KafkaLabApi;
  private readonly sessions: SessionManager;

  constructor(readonly context: vscode.ExtensionContext) {
    const channel = this.own(vscode.window.createOutputChannel('Kafka Consumer Lab', { log: true }));
    const settings = new Settings();
    this.logger = createOutputLogger(channel, () => settings.logLevel());

    const store = this.own(new ClusterStore(this.logger.child('settings')));
    const secrets = new ClusterSecrets(context.secrets);
    const clients = this.own(new ClusterClients(secrets.lookup, this.logger.child('kafka')));
    const registries = this.own(new RegistryClients(secrets.lookup, this.logger.child('registry')));
    this.own(store.onDidChange(() => registries.retain(store.list().map((c) => c.id))));
    const schemaTree = new SchemaTree((cluster) => registries.client(cluster), this.logger.child('schemas'));
    const schemaDocuments = new SchemaDocuments(
      (id) => store.get(id),
      (cluster) => registries.client(cluster),
    );
    this.own(vscode.workspace.registerTextDocumentContentProvider(SCHEMA_SCHEME, schemaDocuments));
    const clustersView = this.own(new ClustersView(store, (cluster) => clients.admin(cluster), schemaTree));
    const clustersTreeView = this.own(
      vscode.window.createTreeView<vscode.TreeItem>('kafkaLab.clusters', {
        treeDataProvider: clustersView as vscode.TreeDataProvider<vscode.TreeItem>,
        showCollapseAll: true,
      }),
    );
    this.own(
      new GroupLagRefresher(
        clustersTreeView,
        clustersView,
        () => settings.lagRefreshSeconds(),
        (listener) => settings.onDidChange('explorer.lagRefreshSeconds', listener),
      ),
    );

    const sessions = new SessionManager(
      async (spec) => {
        const cluster = store.get(spec.clusterId);
        if (!cluster) throw new Error(`No saved cluster "${spec.clusterId}".`);
        const admin = await clients.admin(cluster);
        return {
          connection: await clients.connection(cluster),
          decoder: registries.decoder(cluster),
          encoder: registries.encoder(cluster),
          // The client does not say per record whether a timestamp is CreateTime or LogAppendTime; the topic config does.
          timestampTypes: async (topics) => {
            const types = new Map<string, 'CreateTime' | 'LogAppendTime'>();
            await Promise.all(
              topics.map(async (topic) => {
                const value = (await admin.describeTopicConfigs(topic)).find(
                  (r) => r.name === 'message.timestamp.type',
                )?.value;
                if (value === 'CreateTime' || value === 'LogAppendTime') types.set(topic, value);
              }),
            );
            return types;
          },
        };
      },
      // The handlers sessions run: the built-in ones (noop, log); the developer's own plug in here.
      { logger: this.logger, handlers: builtInHandlers },
    );
    this.sessions = sessions;
    const sessionsView = this.own(new SessionsView(sessions));
    const sessionsTreeView = this.own(
      vscode.window.createTreeView<vscode.TreeItem>('kafkaLab.sessions', {
        treeDataProvider: sessionsView as unknown as vscode.TreeDataProvider<vscode.TreeItem>,
      }),
    );
    const statusBar = this.own(new SessionStatusBar(sessions));
    const showLog = () => channel.show(true);
    const sessionPanels = this.own(
      new SessionPanels({
        manager: sessions,
        extensionUri: context.extensionUri,
        logger: this.logger.child('sessions'),
      }),
    );
    this.own(new SessionProblems(sessions, this.logger.child('sessions'), showLog));
    const walkthrough = this.own(new WalkthroughProgress());
    const handlers = this.own(
      handlerDebugging({
        extensionUri: context.extensionUri,
        manager: sessions,
        clusters: () => store.list(),
        decoder: (cluster) => registries.decoder(cluster),
        openPanel: (controller) =>
          sessionPanels.open(controller, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }),
        logger: this.logger.child('handler'),
      }),
    );
    const viewers = this.own(new ViewerPanels());
    let hasSessions: boolean | undefined;
    const updateContext = () => {
      const now = sessions.list().length > 0;
      if (now !== hasSessions)
        void vscode.commands.executeCommand('setContext', 'kafkaLab.hasSessions', (hasSessions = now));
    };
    sessions.on('changed', updateContext);
    this.own({ dispose: () => sessions.off('changed', updateContext) });

    const produceDeps = {
      store,
      clients,
      registries,
      sessions,
      extensionUri: context.extensionUri,
      logger: this.logger.child('produce'),
    };
    const producing = this.own(new Producing(produceDeps));

    for (const disposable of registerCommands(
      {
        ...clientInfoCommands({ getClientInfo, logger: this.logger.child('client') }),
        ...clusterCommands({ store, secrets, view: clustersView, clients, logger: this.logger.child('clusters') }),
        ...explorerCommands({ store, clients, view: clustersView, logger: this.logger.child('explorer') }),
        ...schemaCommands({
          store,
          registries,
          tree: schemaTree,
          documents: schemaDocuments,
          view: clustersView,
          logger: this.logger.child('schemas'),
        }),
        ...sessionCommands({
          manager: sessions,
          store,
          clients,
          panels: sessionPanels,
          logger: this.logger.child('sessions'),
        }),
        ...produceCommands(produceDeps, producing),
        ...viewCommands({ view: clustersView, showLog }),
        ...generatorCommands({
          store,
          clients,
          registries,
          manager: sessions,
          logger: this.logger.child('generator'),
        }),
        ...handlerCommands({
          store,
          manager: sessions,
          restartHandler: (id) => handlers.restart(id),
          askDelivery: async (cluster, groupId, topics) => {
            const admin = await clients.admin(cluster);
            const answers = await askDelivery({
              title: 'Debug Handler',
              clusterName: cluster.name,
              admin,
              groupId,
              inputTopics: topics,
            });
            if (answers?.outputTopics?.length)
              await ensureOutputTopics(admin, this.logger.child('handler'), topics, answers.outputTopics, {
                create: false,
                silent: false,
              });
            return answers;
          },
        }),
        ...deadLetterCommands({
          manager: sessions,
          panels: viewers,
          connectionOf: async (clusterId) => {
            const cluster = store.get(clusterId);
            if (!cluster) throw new Error(`No saved cluster "${clusterId}". Add it in the Clusters view first.`);
            return clients.connection(cluster);
          },
          logger: this.logger.child('dlq'),
        }),
        ...viewerCommands({
          store,
          clients,
          manager: sessions,
          panels: viewers,
          extensionUri: context.extensionUri,
          logger: this.logger.child('viewer'),
          // Browsing reads by assignment through its own consumer: no group, no commits.
          createViewer: async (cluster, options) =>
            createMessageViewer({
              connection: await clients.connection(cluster),
              decoder: registries.decoder(cluster),
              logger: this.logger.child('viewer'),
              options,
              compileExpression: (source) => compileExpression(source),
            }),
        }),
      },
      this.logger,
    )) {
      this.own(disposable);
    }

    this.api = {
      isNativeClientLoaded,
      clusters: () => store.list(),
      paths: { globalStorage: context.globalStorageUri.fsPath, logs: context.logUri.fsPath },
      clustersTree: clustersView as vscode.TreeDataProvider<vscode.TreeItem>,
      clustersTreeView,
      sessions: {
        manager: sessions,
        view: sessionsView,
        treeView: sessionsTreeView,
        panels: sessionPanels,
        statusBarText: () => statusBar.text,
      },
      handlers,
      producing,
      viewers,
      walkthrough,
    };
    this.logger.info(`Kafka Consumer Lab ${String(context.extension.packageJSON.version)} activated`);
  }

  /**
   * Closing the window: every session stops gracefully (commits what was decided or handled, leaves
   * its group), bounded, before anything is disposed.
   */
  async shutdown(timeoutMs = 4_000): Promise<void> {
    try {
      await this.sessions.stopAll(timeoutMs);
    } finally {
      this.dispose();
    }
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
