import * as vscode from 'vscode';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import { configRowView, type TopicConfigRow } from '../core/kafka/topicConfigRows';

const topicConfigsId = (clusterId: string, topic: string) => `cluster:${clusterId}/topic:${topic}/configs`;

/** A topic's "Configs" folder, next to its partitions; its rows load when it is expanded. */
export class TopicConfigsNode extends vscode.TreeItem {
  readonly kind = 'topicConfigs';
  constructor(
    readonly cluster: ClusterSettings,
    readonly topic: string,
  ) {
    super('Configs', vscode.TreeItemCollapsibleState.Collapsed);
    this.id = topicConfigsId(cluster.id, topic);
    this.contextValue = 'kafkaLab.topicConfigs';
    this.iconPath = new vscode.ThemeIcon('settings-gear');
    this.tooltip = `The configuration of ${topic}; the values that differ from Kafka's defaults come first, highlighted.`;
  }
}

/** One config, `name = value`: a value that differs from the default is highlighted (and its icon orange); defaults are dimmed. */
export class TopicConfigNode extends vscode.TreeItem {
  readonly kind = 'topicConfig';
  constructor(
    readonly cluster: ClusterSettings,
    readonly topic: string,
    readonly row: TopicConfigRow,
  ) {
    const view = configRowView(row);
    super(
      view.differs ? { label: view.label, highlights: [[view.valueRange[0], view.valueRange[1]]] } : view.label,
      vscode.TreeItemCollapsibleState.None,
    );
    this.id = `${topicConfigsId(cluster.id, topic)}/${row.name}`;
    this.contextValue = view.differs ? 'kafkaLab.topicConfig.nonDefault' : 'kafkaLab.topicConfig.default';
    this.description = view.description;
    this.tooltip = view.tooltip;
    this.iconPath = view.differs
      ? new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('charts.orange'))
      : new vscode.ThemeIcon(row.sensitive ? 'lock' : 'circle-outline', new vscode.ThemeColor('disabledForeground'));
  }
}
