import * as vscode from 'vscode';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import type { ConnectionTestResult } from '../core/connections/connectionTest';
import type { ClusterStore } from '../platform/clusterStore';

export class ClusterNode extends vscode.TreeItem {
  constructor(
    readonly cluster: ClusterSettings,
    lastTest: ConnectionTestResult | undefined,
  ) {
    super(cluster.name, vscode.TreeItemCollapsibleState.None);
    this.id = `cluster:${cluster.id}`;
    this.contextValue = 'kafkaLab.cluster';
    const auth = cluster.sasl ? ` ${cluster.sasl.mechanism}` : '';
    this.description = `${cluster.bootstrapServers} · ${cluster.securityProtocol}${auth}`;
    const status = lastTest === undefined ? 'not tested yet' : lastTest.kafka.ok ? `reachable, ${lastTest.kafka.brokers} broker(s)` : lastTest.kafka.message;
    this.tooltip = new vscode.MarkdownString(
      [`**${cluster.name}**`, `Bootstrap: \`${cluster.bootstrapServers}\``, `Security: ${cluster.securityProtocol}${auth}`, cluster.registry ? `Schema Registry: ${cluster.registry.url} (${cluster.registry.auth})` : 'No Schema Registry', `Last test: ${status}`].join('\n\n'),
    );
    this.iconPath = new vscode.ThemeIcon(lastTest === undefined ? 'server' : lastTest.kafka.ok ? 'pass' : 'error', lastTest && !lastTest.kafka.ok ? new vscode.ThemeColor('errorForeground') : undefined);
  }
}

/** The Clusters view: one node per saved connection, with its last test result. */
export class ClustersView implements vscode.TreeDataProvider<ClusterNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ClusterNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly tests = new Map<string, ConnectionTestResult>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: ClusterStore) {
    this.subscription = store.onDidChange(() => this.changed.fire(undefined));
  }

  recordTest(clusterId: string, result: ConnectionTestResult): void {
    this.tests.set(clusterId, result);
    this.changed.fire(undefined);
  }

  getTreeItem(node: ClusterNode): vscode.TreeItem {
    return node;
  }

  getChildren(node?: ClusterNode): ClusterNode[] {
    if (node) return [];
    return this.store
      .list()
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((cluster) => new ClusterNode(cluster, this.tests.get(cluster.id)));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
