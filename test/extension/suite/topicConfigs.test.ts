import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import { services, uniqueName } from '../../support/services';

// The Kafka helpers load the native client: required lazily, like the explorer suite does.
const kafkaSupport = () => import('../../support/kafka');

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Under the code-server runner, saves a screenshot of the workbench as it is now. */
async function screenshot(name: string): Promise<void> {
  const url = process.env.KAFKA_LAB_SCREENSHOT_URL;
  if (!url) return;
  const response = await fetch(`${url}?name=${encodeURIComponent(name)}`);
  assert.ok(response.ok, `screenshot ${name}: HTTP ${response.status}`);
}

const labelOf = (item: vscode.TreeItem): string =>
  typeof item.label === 'string' ? item.label : (item.label?.label ?? '');

describe('Topics → Configs in the Clusters explorer', () => {
  const topic = uniqueName('ext-configs');
  let api: KafkaLabApi;
  let clusterId: string;

  async function children(parent: vscode.TreeItem | undefined): Promise<vscode.TreeItem[]> {
    return ((await api.clustersTree.getChildren(parent)) ?? []) as vscode.TreeItem[];
  }

  async function child(parent: vscode.TreeItem | undefined, label: string | RegExp): Promise<vscode.TreeItem> {
    const items = await children(parent);
    const found = items.find((c) => (typeof label === 'string' ? labelOf(c) === label : label.test(labelOf(c))));
    assert.ok(
      found,
      `no child ${String(label)} under ${parent ? labelOf(parent) : 'the root'}: ${items.map((c) => `${labelOf(c)} (${String(c.description ?? '')})`).join(', ')}`,
    );
    return found;
  }

  before(async () => {
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    await (
      await kafkaSupport()
    ).withAdmin((admin) =>
      admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: 2,
            replicationFactor: 1,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'retention.ms', value: '123456' },
            ],
          },
        ],
        timeout: 15_000,
      }),
    );
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Configs test',
      bootstrapServers: services.kafka.plaintext,
    });
  });

  after(async () => {
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    await (await kafkaSupport()).deleteTopicsQuietly(topic);
  });

  async function topicNode(): Promise<vscode.TreeItem> {
    const cluster = await child(undefined, 'Configs test');
    return child(await child(cluster, 'Topics'), topic);
  }

  it('a topic has a Configs folder next to its partitions', async () => {
    const items = await children(await topicNode());
    assert.deepEqual(items.map(labelOf), ['Configs', 'Partition 0', 'Partition 1']);
    assert.equal(items[0]?.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
  });

  it('lists name = value, the values set on the topic first and highlighted, the defaults after them, dimmed', async () => {
    const configs = await child(await topicNode(), 'Configs');
    const rows = await children(configs);
    assert.ok(rows.length > 20, rows.map(labelOf).join(', '));

    const policy = rows.find((r) => labelOf(r) === 'cleanup.policy = compact');
    const retention = rows.find((r) => labelOf(r) === 'retention.ms = 123456');
    assert.ok(policy && retention, rows.map(labelOf).join(', '));
    for (const row of [policy, retention]) {
      assert.equal(row.description, 'dynamic topic config');
      assert.equal(row.contextValue, 'kafkaLab.topicConfig.nonDefault');
      const label = row.label as vscode.TreeItemLabel;
      const [start, end] = label.highlights?.[0] ?? [];
      assert.equal(label.label.slice(start, end), label.label.split(' = ')[1], 'the value is highlighted');
      const icon = row.iconPath as vscode.ThemeIcon;
      assert.equal(icon.id, 'circle-filled');
      assert.equal(icon.color?.id, 'charts.orange');
    }

    const compression = rows.find((r) => labelOf(r) === 'compression.type = producer');
    assert.ok(compression, 'compression.type is listed with its default value');
    assert.equal(compression.description, 'default');
    assert.equal(compression.contextValue, 'kafkaLab.topicConfig.default');
    assert.equal(typeof compression.label, 'string', 'a default value is not highlighted');
    assert.equal((compression.iconPath as vscode.ThemeIcon).color?.id, 'disabledForeground');

    const firstDefault = rows.findIndex((r) => r.contextValue === 'kafkaLab.topicConfig.default');
    assert.ok(
      rows.indexOf(policy) < firstDefault && rows.indexOf(retention) < firstDefault,
      'the differing values come first',
    );
    assert.ok(rows.slice(firstDefault).every((r) => r.contextValue === 'kafkaLab.topicConfig.default'));

    // As it looks in the workbench: the Configs folder open, its first rows in view.
    await vscode.commands.executeCommand('kafkaLab.clusters.focus');
    await vscode.commands.executeCommand('workbench.actions.treeView.kafkaLab.clusters.collapseAll');
    await sleep(300);
    await api.clustersTreeView.reveal(configs, { expand: true, select: true, focus: true });
    await vscode.commands.executeCommand('notifications.clearAll');
    await sleep(1500);
    await screenshot('topic-configs');
  });

  it('a topic deleted meanwhile shows an error node that opens the log', async () => {
    const gone = await topicNode();
    const configs = await child(gone, 'Configs');
    await (await kafkaSupport()).deleteTopicsQuietly(topic);
    const error = await child(configs, /Could not load the configs of/);
    assert.match(String(error.description), new RegExp(`Topic "${topic}" does not exist`));
    assert.equal(error.contextValue, 'kafkaLab.error');
    assert.equal(error.command?.command, 'kafkaLab.showLog');
  });
});
