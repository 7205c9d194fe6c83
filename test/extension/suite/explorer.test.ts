import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import { services, uniqueName } from '../../support/services';

// The Kafka helpers load the native client: required lazily, so that the activation suite can
// still prove that activating the extension does not load it.
const kafkaSupport = () => import('../../support/kafka');

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';

async function child(
  api: KafkaLabApi,
  parent: vscode.TreeItem | undefined,
  label: string | RegExp,
): Promise<vscode.TreeItem> {
  const children = ((await api.clustersTree.getChildren(parent)) ?? []) as vscode.TreeItem[];
  const found = children.find((c) => (typeof label === 'string' ? c.label === label : label.test(String(c.label))));
  assert.ok(
    found,
    `no child ${String(label)} under ${String(parent?.label ?? 'the root')}: ${children.map((c) => `${String(c.label)} (${String(c.description ?? '')})`).join(', ')}`,
  );
  return found;
}

describe('the Clusters explorer against the real broker', () => {
  const topic = uniqueName('ext-explorer');
  const groupId = uniqueName('ext-explorer-group');
  let api: KafkaLabApi;
  let clusterId: string;

  before(async () => {
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    const { createTopic, produceSequence } = await kafkaSupport();
    await createTopic(topic, 2);
    // One key: all ten messages land in one partition.
    await produceSequence(topic, 10, { keys: 1 });
    // A real group with a committed offset: the engine, stepping, commits through offset 3.
    await (await kafkaSupport()).commitFirstMessages(groupId, topic, 4);
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Explorer test',
      bootstrapServers: services.kafka.plaintext,
    });
  });

  after(async () => {
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    await (await kafkaSupport()).deleteTopicsQuietly(topic);
  });

  it('shows topics with partitions, watermarks and message counts', async () => {
    const cluster = await child(api, undefined, 'Explorer test');
    const topics = await child(api, cluster, 'Topics');
    const topicNode = await child(api, topics, topic);
    assert.equal(topicNode.description, '2 partitions · RF 1');
    const children = ((await api.clustersTree.getChildren(topicNode)) ?? []) as vscode.TreeItem[];
    assert.equal(children[0]?.label, 'Configs', 'the Configs folder comes first, next to the partitions');
    const partitions = children.filter((c) => c.contextValue === 'kafkaLab.partition');
    assert.equal(partitions.length, 2);
    const descriptions = partitions.map((p) => String(p.description)).sort();
    assert.match(descriptions.join(' | '), /0…0 · 0 messages/);
    assert.match(descriptions.join(' | '), /0…10 · 10 messages · leader 1/);
  });

  it('shows a consumer group with its committed offsets and lag, and "no committed offset" where there is none', async () => {
    const cluster = await child(api, undefined, 'Explorer test');
    const groups = await child(api, cluster, 'Consumer Groups');
    const group = await child(api, groups, groupId);
    assert.match(String(group.description), /Empty/);
    const offsets = await child(api, group, 'Offsets');
    assert.equal(offsets.description, 'total lag 6');
    const rows = ((await api.clustersTree.getChildren(offsets)) ?? []) as vscode.TreeItem[];
    assert.ok(
      rows.some((r) => /committed 4 · end 10 · lag 6/.test(String(r.description))),
      rows.map((r) => r.description).join(' | '),
    );
    const members = await child(api, group, 'Members');
    assert.equal(members.description, '0');
  });

  it('hides internal topics unless asked, and filters by glob', async () => {
    const cluster = await child(api, undefined, 'Explorer test');
    let topics = await child(api, cluster, 'Topics');
    let names = (((await api.clustersTree.getChildren(topics)) ?? []) as vscode.TreeItem[]).map((t) => String(t.label));
    assert.ok(!names.includes('__consumer_offsets'));
    await vscode.commands.executeCommand('kafkaLab.toggleInternalTopics');
    topics = await child(api, cluster, 'Topics');
    names = (((await api.clustersTree.getChildren(topics)) ?? []) as vscode.TreeItem[]).map((t) => String(t.label));
    assert.ok(names.includes('__consumer_offsets'));
    await vscode.commands.executeCommand('kafkaLab.toggleInternalTopics');
    await vscode.commands.executeCommand('kafkaLab.filterTopics', 'ext-explorer-*');
    topics = await child(api, cluster, 'Topics');
    names = (((await api.clustersTree.getChildren(topics)) ?? []) as vscode.TreeItem[]).map((t) => String(t.label));
    assert.ok(names.includes(topic) && names.every((n) => n.startsWith('ext-explorer-')), names.join(', '));
    await vscode.commands.executeCommand('kafkaLab.filterTopics', '');
  });

  it('an unreachable cluster shows an error node within the bound, never a spinner', async () => {
    const id = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Unreachable',
      bootstrapServers: '127.0.0.1:1',
    });
    try {
      const cluster = await child(api, undefined, 'Unreachable');
      const topics = await child(api, cluster, 'Topics');
      const started = Date.now();
      const error = await child(api, topics, /Could not load topics/);
      assert.ok(Date.now() - started < 12_000, `took ${Date.now() - started} ms`);
      assert.match(String(error.description), /Could not reach a broker at 127\.0\.0\.1:1/);
      assert.equal(error.command?.command, 'kafkaLab.showLog');
    } finally {
      await vscode.commands.executeCommand('kafkaLab.removeCluster', id, { confirmed: true });
    }
  });
});
