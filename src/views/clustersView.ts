import * as vscode from 'vscode';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import type { ConnectionTestResult } from '../core/connections/connectionTest';
import type { KafkaAdmin, PartitionDetail } from '../core/kafka/admin';
import type { GroupOffsetRow, GroupSummary } from '../core/kafka/groupInfo';
import { loadTopicPage, type TopicSummary, topicItemView } from '../core/kafka/topicList';
import { partitionItemView } from '../core/kafka/partitionItem';
import type { ClusterStore } from '../platform/clusterStore';
import { isSchemaNode, type SchemaNode, type SchemaTree } from './schemaNodes';
import { TopicConfigNode, TopicConfigsNode } from './topicConfigNodes';
import { reachMilestone } from '../platform/walkthrough';

/** Opens (and caches) an admin client for a cluster, secrets resolved at that moment. */
export type AdminProvider = (cluster: ClusterSettings) => Promise<KafkaAdmin>;

/** Ids of the nodes that commands refresh after a change (VS Code keeps expansion and selection by id). */
export const nodeId = {
  topics: (clusterId: string) => `cluster:${clusterId}/topics`,
  groups: (clusterId: string) => `cluster:${clusterId}/groups`,
  group: (clusterId: string, groupId: string) => `cluster:${clusterId}/group:${groupId}`,
  schemas: (clusterId: string) => `cluster:${clusterId}/schemas`,
};

type Node =
  | ClusterNode
  | FolderNode
  | TopicNode
  | PartitionNode
  | TopicConfigsNode
  | TopicConfigNode
  | GroupNode
  | GroupFolderNode
  | GroupOffsetNode
  | InfoNode
  | LoadMoreNode
  | SchemaNode;

export class ClusterNode extends vscode.TreeItem {
  readonly kind = 'cluster';
  constructor(
    readonly cluster: ClusterSettings,
    lastTest: ConnectionTestResult | undefined,
  ) {
    super(cluster.name, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `cluster:${cluster.id}`;
    this.contextValue = 'kafkaLab.cluster';
    const auth = cluster.sasl ? ` ${cluster.sasl.mechanism}` : '';
    this.description = `${cluster.bootstrapServers} · ${cluster.securityProtocol}${auth}`;
    const status =
      lastTest === undefined
        ? 'not tested yet'
        : lastTest.kafka.ok
          ? `reachable, ${lastTest.kafka.brokers} broker(s)`
          : lastTest.kafka.message;
    this.tooltip = new vscode.MarkdownString(
      [
        `**${cluster.name}**`,
        `Bootstrap: \`${cluster.bootstrapServers}\``,
        `Security: ${cluster.securityProtocol}${auth}`,
        cluster.registry ? `Schema Registry: ${cluster.registry.url} (${cluster.registry.auth})` : 'No Schema Registry',
        `Last test: ${status}`,
      ].join('\n\n'),
    );
    this.iconPath = new vscode.ThemeIcon(
      lastTest === undefined ? 'server' : lastTest.kafka.ok ? 'pass' : 'error',
      lastTest && !lastTest.kafka.ok ? new vscode.ThemeColor('errorForeground') : undefined,
    );
  }
}

export class FolderNode extends vscode.TreeItem {
  readonly kind = 'folder';
  constructor(
    readonly cluster: ClusterSettings,
    readonly folder: 'topics' | 'groups',
    description?: string,
  ) {
    super(folder === 'topics' ? 'Topics' : 'Consumer Groups', vscode.TreeItemCollapsibleState.Collapsed);
    this.id = folder === 'topics' ? nodeId.topics(cluster.id) : nodeId.groups(cluster.id);
    this.contextValue = `kafkaLab.${folder}`;
    this.iconPath = new vscode.ThemeIcon(folder === 'topics' ? 'list-tree' : 'organization');
    if (description) this.description = description;
  }
}

export class TopicNode extends vscode.TreeItem {
  readonly kind = 'topic';
  constructor(
    readonly cluster: ClusterSettings,
    public topic: TopicSummary,
  ) {
    const view = topicItemView(cluster.id, topic);
    super(view.label, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = view.id;
    this.contextValue = view.contextValue;
    this.description = view.description;
    this.iconPath = new vscode.ThemeIcon(view.icon);
  }

  /** New metadata for the same topic (partitions added): updated in place, so only this node is refreshed. */
  setTopic(topic: TopicSummary): void {
    this.topic = topic;
    this.description = topicItemView(this.cluster.id, topic).description;
  }
}

class PartitionNode extends vscode.TreeItem {
  readonly kind = 'partition';
  constructor(
    readonly cluster: ClusterSettings,
    readonly topic: string,
    readonly detail: PartitionDetail,
  ) {
    const view = partitionItemView(cluster.id, topic, detail);
    super(view.label, vscode.TreeItemCollapsibleState.None);
    this.id = view.id;
    this.contextValue = 'kafkaLab.partition';
    this.description = view.description;
    this.tooltip = new vscode.MarkdownString(view.tooltip.join('\n\n'));
    this.iconPath = view.warning
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : new vscode.ThemeIcon('symbol-number');
  }
}

export class GroupNode extends vscode.TreeItem {
  readonly kind = 'group';
  constructor(
    readonly cluster: ClusterSettings,
    readonly group: GroupSummary,
  ) {
    super(group.groupId, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = nodeId.group(cluster.id, group.groupId);
    this.contextValue = 'kafkaLab.group';
    this.description = `${group.state}${group.protocolType ? ` · ${group.protocolType}` : ''}`;
    this.iconPath = new vscode.ThemeIcon(
      group.state === 'Stable' ? 'pass-filled' : group.state === 'Empty' ? 'circle-large-outline' : 'sync',
    );
  }
}

export class GroupFolderNode extends vscode.TreeItem {
  readonly kind = 'groupFolder';
  constructor(
    readonly cluster: ClusterSettings,
    readonly groupId: string,
    readonly folder: 'members' | 'offsets',
    description: string,
  ) {
    super(folder === 'members' ? 'Members' : 'Offsets', vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `cluster:${cluster.id}/group:${groupId}/${folder}`;
    this.contextValue = `kafkaLab.group.${folder}`;
    this.description = description;
    this.iconPath = new vscode.ThemeIcon(folder === 'members' ? 'person' : 'graph-line');
  }
}

class InfoNode extends vscode.TreeItem {
  readonly kind = 'info';
  constructor(label: string, description?: string, options: { error?: boolean; tooltip?: string; icon?: string } = {}) {
    super(label, vscode.TreeItemCollapsibleState.None);
    if (description) this.description = description;
    if (options.tooltip) this.tooltip = options.tooltip;
    this.iconPath = new vscode.ThemeIcon(
      options.error ? 'error' : (options.icon ?? 'info'),
      options.error ? new vscode.ThemeColor('errorForeground') : undefined,
    );
    if (options.error) {
      this.contextValue = 'kafkaLab.error';
      this.command = { command: 'kafkaLab.showLog', title: 'Show Log' };
    }
  }
}

class LoadMoreNode extends vscode.TreeItem {
  readonly kind = 'loadMore';
  constructor(
    readonly cluster: ClusterSettings,
    shown: number,
    total: number,
  ) {
    super(`Load more… (${shown} of ${total} shown)`, vscode.TreeItemCollapsibleState.None);
    this.id = `cluster:${cluster.id}/topics/more:${shown}`;
    this.iconPath = new vscode.ThemeIcon('ellipsis');
    this.command = { command: 'kafkaLab.loadMoreTopics', title: 'Load more topics', arguments: [cluster.id] };
  }
}

function errorNode(what: string, error: unknown): InfoNode {
  const message = error instanceof Error ? error.message : String(error);
  return new InfoNode(`Could not load ${what}`, message, {
    error: true,
    tooltip: `${message}\n\nClick to show the log.`,
  });
}

/** One partition of a group's offsets; a reset can start from it. */
export class GroupOffsetNode extends vscode.TreeItem {
  readonly kind = 'groupOffset';
  constructor(
    readonly cluster: ClusterSettings,
    readonly groupId: string,
    readonly row: GroupOffsetRow,
  ) {
    super(`${row.topic} [${row.partition}]`, vscode.TreeItemCollapsibleState.None);
    this.id = `cluster:${cluster.id}/group:${groupId}/offsets/${row.topic}:${row.partition}`;
    this.contextValue = 'kafkaLab.group.offset';
    const committed = row.committed === null ? 'no committed offset' : `committed ${row.committed}`;
    const lag = row.lag === null ? '' : ` · lag ${row.lag}`;
    this.description = `${committed} · end ${row.end}${lag}`;
    this.iconPath = new vscode.ThemeIcon(row.lag ? 'arrow-down' : 'check');
  }
}

/**
 * The Clusters view: cluster → Topics (paged) → Configs and partitions, and → Consumer Groups → members and
 * offsets. Every level loads lazily, with the admin calls' own time bound; a failure becomes an
 * error node with its cause, never a spinner.
 */
export class ClustersView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | Node[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly tests = new Map<string, ConnectionTestResult>();
  private readonly topicPages = new Map<string, number>();
  private readonly subscription: vscode.Disposable;
  private showInternal = false;
  private topicGlob: string | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Nodes waiting for the debounced refresh; `undefined` stands for the whole tree. */
  private readonly pending = new Set<Node | undefined>();
  /** By id: the instances VS Code holds (it refreshes by instance, not by id). */
  private readonly shown = new Map<string, Node>();
  /** By id: the last node made and its parent's id, for getParent (reveal). */
  private readonly made = new Map<string, { node: Node; parentId: string | undefined }>();
  /** The ids of each node's children as last loaded ('' for the root), to forget the ones that went away. */
  private readonly childIds = new Map<string, string[]>();

  constructor(
    private readonly store: ClusterStore,
    private readonly admins: AdminProvider,
    /** The Schema Registry part of each cluster (absent: no such folder). */
    private readonly schemas?: SchemaTree,
  ) {
    this.subscription = store.onDidChange(() => this.refresh());
  }

  recordTest(clusterId: string, result: ConnectionTestResult): void {
    this.tests.set(clusterId, result);
    this.refresh();
  }

  /** Debounced: requests within 250 ms are merged; only the nodes asked for are reloaded, or the whole tree if that was asked for. */
  refresh(node?: Node): void {
    this.pending.add(node);
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      const nodes = [...this.pending];
      this.pending.clear();
      this.changed.fire(nodes.includes(undefined) ? undefined : (nodes as Node[]));
    }, 250);
  }

  /** Reloads one node (its item and, when expanded, its children), nothing else; false when that node is not on screen. */
  refreshNode(id: string): boolean {
    const node = this.shown.get(id);
    if (node) this.refresh(node);
    return node !== undefined;
  }

  /** After a topic changed (partitions added): its node shows the new metadata; only it and its partitions reload. */
  updateTopic(clusterId: string, topic: TopicSummary): boolean {
    const node = this.shown.get(topicItemView(clusterId, topic).id);
    if (!(node instanceof TopicNode)) return false;
    node.setTopic(topic);
    this.refresh(node);
    return true;
  }

  setShowInternal(show: boolean): void {
    this.showInternal = show;
    this.refresh();
  }

  get internalShown(): boolean {
    return this.showInternal;
  }

  setTopicGlob(glob: string | undefined): void {
    this.topicGlob = glob?.trim() ? glob.trim() : undefined;
    this.topicPages.clear();
    this.refresh();
  }

  loadMoreTopics(clusterId: string): void {
    this.topicPages.set(clusterId, (this.topicPages.get(clusterId) ?? 1) + 1);
    if (!this.refreshNode(nodeId.topics(clusterId))) this.refresh();
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.id) this.shown.set(node.id, node);
    return node;
  }

  getParent(node: Node): Node | undefined {
    const parentId = node.id === undefined ? undefined : this.made.get(node.id)?.parentId;
    return parentId === undefined ? undefined : (this.shown.get(parentId) ?? this.made.get(parentId)?.node);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    const children = await this.loadChildren(node);
    // Nodes that are gone (a deleted topic or group, a removed cluster) are forgotten with their subtree.
    const parentKey = node?.id ?? '';
    const fresh = new Set(children.flatMap((c) => (c.id ? [c.id] : [])));
    for (const old of this.childIds.get(parentKey) ?? []) if (!fresh.has(old)) this.forgetNode(old);
    this.childIds.set(parentKey, [...fresh]);
    for (const child of children) if (child.id) this.made.set(child.id, { node: child, parentId: node?.id });
    return children;
  }

  private forgetNode(id: string): void {
    this.made.delete(id);
    this.shown.delete(id);
    for (const child of this.childIds.get(id) ?? []) this.forgetNode(child);
    this.childIds.delete(id);
  }

  private async loadChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      return this.store
        .list()
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((cluster) => new ClusterNode(cluster, this.tests.get(cluster.id)));
    }
    if (isSchemaNode(node)) return this.schemas ? this.schemas.children(node) : [];
    switch (node.kind) {
      case 'cluster': {
        const registry = this.schemas?.folder(node.cluster);
        return [
          new FolderNode(node.cluster, 'topics', this.topicGlob ? `filter: ${this.topicGlob}` : undefined),
          new FolderNode(node.cluster, 'groups'),
          ...(registry ? [registry] : []),
        ];
      }
      case 'folder':
        return node.folder === 'topics' ? this.topics(node.cluster) : this.groups(node.cluster);
      case 'topic':
        return [
          new TopicConfigsNode(node.cluster, node.topic.name),
          ...(await this.partitions(node.cluster, node.topic.name)),
        ];
      case 'topicConfigs':
        return this.topicConfigs(node.cluster, node.topic);
      case 'group':
        return this.group(node.cluster, node.group.groupId);
      case 'groupFolder':
        return this.groupFolder(node.cluster, node.groupId, node.folder);
      default:
        return [];
    }
  }

  private async topics(cluster: ClusterSettings): Promise<Node[]> {
    try {
      const admin = await this.admins(cluster);
      // The same code path bench/explorer.bench.ts times against 5,000 topics.
      const page = await loadTopicPage(admin, {
        includeInternal: this.showInternal,
        glob: this.topicGlob,
        pages: this.topicPages.get(cluster.id) ?? 1,
      });
      reachMilestone('connected');
      if (page.emptyLabel !== undefined) return [new InfoNode(page.emptyLabel)];
      const nodes: Node[] = page.topics.map((t) => new TopicNode(cluster, t));
      if (page.more) nodes.push(new LoadMoreNode(cluster, page.shown, page.total));
      return nodes;
    } catch (error) {
      return [errorNode('topics', error)];
    }
  }

  private async partitions(cluster: ClusterSettings, topic: string): Promise<Node[]> {
    try {
      const admin = await this.admins(cluster);
      return (await admin.describePartitions(topic)).map((p) => new PartitionNode(cluster, topic, p));
    } catch (error) {
      return [errorNode(`the partitions of ${topic}`, error)];
    }
  }

  private async topicConfigs(cluster: ClusterSettings, topic: string): Promise<Node[]> {
    try {
      const admin = await this.admins(cluster);
      const rows = await admin.describeTopicConfigs(topic);
      return rows.length ? rows.map((row) => new TopicConfigNode(cluster, topic, row)) : [new InfoNode('No configs')];
    } catch (error) {
      return [errorNode(`the configs of ${topic}`, error)];
    }
  }

  private async groups(cluster: ClusterSettings): Promise<Node[]> {
    try {
      const admin = await this.admins(cluster);
      const groups = (await admin.listGroups()).sort((a, b) => a.groupId.localeCompare(b.groupId));
      return groups.length ? groups.map((g) => new GroupNode(cluster, g)) : [new InfoNode('No consumer groups')];
    } catch (error) {
      return [errorNode('consumer groups', error)];
    }
  }

  private async group(cluster: ClusterSettings, groupId: string): Promise<Node[]> {
    try {
      const admin = await this.admins(cluster);
      const [detail, offsets] = await Promise.all([admin.describeGroup(groupId), admin.groupOffsets(groupId)]);
      const lags = offsets.map((o) => o.lag).filter((l): l is number => l !== null);
      const total = lags.reduce((sum, l) => sum + l, 0);
      return [
        new InfoNode(
          'State',
          `${detail.state} · ${detail.protocolType || 'no protocol'}${detail.assignor ? ` · ${detail.assignor}` : ''}`,
          { icon: 'pulse' },
        ),
        new GroupFolderNode(cluster, groupId, 'members', `${detail.members.length}`),
        new GroupFolderNode(
          cluster,
          groupId,
          'offsets',
          lags.length ? `total lag ${total}` : offsets.length ? 'no committed offsets' : 'none',
        ),
      ];
    } catch (error) {
      return [errorNode(`group ${groupId}`, error)];
    }
  }

  private async groupFolder(cluster: ClusterSettings, groupId: string, folder: 'members' | 'offsets'): Promise<Node[]> {
    try {
      const admin = await this.admins(cluster);
      if (folder === 'members') {
        const detail = await admin.describeGroup(groupId);
        if (detail.members.length === 0) return [new InfoNode('No active members')];
        return detail.members.map(
          (m) =>
            new InfoNode(
              m.clientId || m.memberId,
              `${m.host} · ${m.assignments.map((a) => `${a.topic}[${a.partition}]`).join(', ') || 'no partitions (idle)'}`,
              { icon: 'person', tooltip: m.memberId },
            ),
        );
      }
      const rows = await admin.groupOffsets(groupId);
      return rows.length
        ? rows.map((row) => new GroupOffsetNode(cluster, groupId, row))
        : [new InfoNode('No committed offsets')];
    } catch (error) {
      return [errorNode(`the ${folder} of ${groupId}`, error)];
    }
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.pending.clear();
    this.shown.clear();
    this.made.clear();
    this.subscription.dispose();
    this.changed.dispose();
  }
}
