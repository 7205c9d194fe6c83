import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import type { ResetRow } from '../../../src/core/kafka/offsetReset';
import { services, uniqueName, waitFor } from '../../support/services';

// Everything that loads the native Kafka client is imported lazily: the activation suite proves that
// activating the extension does not load it, and mocha loads every suite file before running any.
const kafkaSupport = () => import('../../support/kafka');
const engine = () => import('../../../src/core/engine/session');
const adminModule = () => import('../../../src/core/kafka/admin');

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = <T = unknown>(command: string, ...args: unknown[]): Promise<T> =>
  Promise.resolve(vscode.commands.executeCommand<T>(command, ...args));

type Item = vscode.TreeItem & { kind?: string };

async function children(api: KafkaLabApi, parent: vscode.TreeItem | undefined): Promise<Item[]> {
  return ((await api.clustersTree.getChildren(parent)) ?? []) as Item[];
}

async function child(api: KafkaLabApi, parent: vscode.TreeItem | undefined, label: string | RegExp): Promise<Item> {
  const all = await children(api, parent);
  const found = all.find((c) => (typeof label === 'string' ? c.label === label : label.test(String(c.label))));
  assert.ok(
    found,
    `no child ${String(label)} under ${String(parent?.label ?? 'the root')}: ${all.map((c) => `${String(c.label)} (${String(c.description ?? '')})`).join(', ')}`,
  );
  return found;
}

/** The tree's refresh events, as VS Code receives them: a node, several nodes, or undefined for the whole tree. */
class TreeEvents {
  readonly seen: Array<Item[] | undefined> = [];
  private readonly subscription: vscode.Disposable;
  constructor(api: KafkaLabApi) {
    this.subscription = api.clustersTree.onDidChangeTreeData!((e) =>
      this.seen.push(e === undefined || e === null ? undefined : ((Array.isArray(e) ? e : [e]) as Item[])),
    );
  }
  clear(): void {
    this.seen.length = 0;
  }
  ids(): string[] {
    return this.seen.flatMap((e) => (e ? e.map((n) => String(n.id)) : ['<whole tree>']));
  }
  dispose(): void {
    this.subscription.dispose();
  }
}

async function screenshot(name: string): Promise<void> {
  const url = process.env.KAFKA_LAB_SCREENSHOT_URL;
  if (!url) return; // not under the code-server runner (e.g. desktop VS Code): no screenshot service
  const response = await fetch(`${url}?name=${encodeURIComponent(name)}`);
  assert.ok(response.ok, `screenshot ${name}: HTTP ${response.status}`);
}

describe('explorer actions: topics, partitions, offset resets and groups against the real broker', function () {
  this.timeout(90_000);
  const topic = uniqueName('ext-actions');
  // Short names, so that the screenshot shows the offsets rows in full.
  const resetTopic = uniqueName('ext-lag');
  const groupId = uniqueName('ext-lag-group');
  let api: KafkaLabApi;
  let clusterId: string;
  let events: TreeEvents;
  let admin: InstanceType<Awaited<ReturnType<typeof adminModule>>['KafkaAdmin']>;
  /** The partition of resetTopic that holds the ten messages (one key: one partition); the other is empty. */
  let full: number;
  let empty: number;

  const committed = async (): Promise<Map<number, number | null>> =>
    new Map((await admin.groupOffsets(groupId, [resetTopic])).map((r) => [r.partition, r.committed]));

  const reset = (args: Record<string, unknown>) =>
    run<ResetRow[] | undefined>('kafkaLab.resetGroupOffsets', { clusterId, groupId, ...args });

  before(async () => {
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    const { createTopic, produceSequence } = await kafkaSupport();
    const { KafkaAdmin } = await adminModule();
    admin = new KafkaAdmin({ bootstrapServers: services.kafka.plaintext });
    await createTopic(resetTopic, 2);
    // Kafka creates topics asynchronously: produce once the partitions have leaders.
    await waitFor(`${resetTopic} to have leaders`, 15_000, async () => {
      const partitions = await admin.describePartitions(resetTopic).catch(() => []);
      return partitions.length === 2 && partitions.every((p) => p.leader !== null) ? true : undefined;
    });
    await produceSequence(resetTopic, 10, { keys: 1 });
    // A real group with committed offsets: the engine, stepping, commits through the 4th message.
    await (await kafkaSupport()).commitFirstMessages(groupId, resetTopic, 4);
    const offsets = await admin.groupOffsets(groupId, [resetTopic]);
    full = offsets.find((r) => r.end === 10)!.partition;
    empty = 1 - full;
    assert.deepEqual(
      offsets.map((r) => [r.partition, r.committed, r.end]),
      [full === 0 ? [0, 4, 10] : [0, null, 0], full === 0 ? [1, null, 0] : [1, 4, 10]],
    );
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Explorer actions',
      bootstrapServers: services.kafka.plaintext,
    });
    // The view on screen, the cluster and its Topics folder open: refreshes then reach VS Code.
    await sleep(500); // the new connection's (debounced) refresh of the root
    await vscode.commands.executeCommand('kafkaLab.clusters.focus');
    const cluster = await child(api, undefined, 'Explorer actions');
    await api.clustersTreeView.reveal(await child(api, cluster, 'Topics'), { expand: true });
    await sleep(1000);
    events = new TreeEvents(api);
  });

  after(async () => {
    events?.dispose();
    await vscode.workspace
      .getConfiguration('kafkaLab')
      .update('explorer.lagRefreshSeconds', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    await admin?.deleteGroup(groupId).catch(() => undefined);
    admin?.close();
    await (await kafkaSupport()).deleteTopicsQuietly(topic, resetTopic);
  });

  it('creates a topic from arguments; it appears under Topics with its partitions, and only the Topics folder reloads', async () => {
    events.clear();
    const name = await vscode.commands.executeCommand<string>('kafkaLab.createTopic', {
      clusterId,
      name: topic,
      partitions: 2,
      replicationFactor: 1,
      configs: { 'retention.ms': '3600000' },
    });
    assert.equal(name, topic);
    const cluster = await child(api, undefined, 'Explorer actions');
    const topicNode = await child(api, await child(api, cluster, 'Topics'), topic);
    assert.equal(topicNode.description, '2 partitions · RF 1');
    assert.equal((await children(api, topicNode)).filter((c) => c.contextValue === 'kafkaLab.partition').length, 2);
    await waitFor('the Topics folder to refresh', 5000, () =>
      events.ids().includes(`cluster:${clusterId}/topics`) ? true : undefined,
    );
    assert.deepEqual(events.ids(), [`cluster:${clusterId}/topics`], 'nothing but the Topics folder reloads');
  });

  it('refuses bad topic input with a message that says what to type', async () => {
    await assert.rejects(
      run('kafkaLab.createTopic', { clusterId, name: 'orders v1' }),
      /only letters, digits, "\.", "_" and "-" \(not " "\)/,
    );
    await assert.rejects(
      run('kafkaLab.createTopic', { clusterId, name: uniqueName('ext-actions-bad'), partitions: 0 }),
      /number of partitions must be at least 1/,
    );
    await assert.rejects(
      run('kafkaLab.createTopic', { clusterId, name: topic }),
      /already exists; choose another name/,
    );
  });

  it('adds partitions: the topic node shows the new count and its partitions, nothing else reloads', async () => {
    await assert.rejects(
      run('kafkaLab.addPartitions', { clusterId, topic, total: 2 }),
      /has 2 partitions; enter a larger total/,
    );
    events.clear();
    const total = await vscode.commands.executeCommand<number>('kafkaLab.addPartitions', {
      clusterId,
      topic,
      total: 4,
    });
    assert.equal(total, 4);
    await waitFor('the topic node to refresh', 5000, () => (events.ids().length ? true : undefined));
    await sleep(400);
    assert.deepEqual(events.ids(), [`cluster:${clusterId}/topic:${topic}`]);
    assert.equal(events.seen[0]?.[0].description, '4 partitions · RF 1', 'the node VS Code holds shows the new count');
    const cluster = await child(api, undefined, 'Explorer actions');
    const topicNode = await child(api, await child(api, cluster, 'Topics'), topic);
    assert.equal(topicNode.description, '4 partitions · RF 1');
    assert.deepEqual(
      (await children(api, topicNode)).map((p) => p.label),
      ['Configs', 'Partition 0', 'Partition 1', 'Partition 2', 'Partition 3'],
    );
  });

  it('copies a topic name to the clipboard', async () => {
    assert.equal(await vscode.commands.executeCommand('kafkaLab.copyTopicName', { clusterId, topic }), topic);
    assert.equal(await vscode.env.clipboard.readText(), topic);
  });

  it('deletes a topic once confirmed; it is gone from the tree', async () => {
    assert.equal(
      await vscode.commands.executeCommand('kafkaLab.deleteTopic', { clusterId, topic }, { confirmed: true }),
      true,
    );
    const cluster = await child(api, undefined, 'Explorer actions');
    const names = (await children(api, await child(api, cluster, 'Topics'))).map((t) => String(t.label));
    assert.ok(!names.includes(topic), names.join(', '));
    await assert.rejects(
      run('kafkaLab.deleteTopic', { clusterId, topic: '__consumer_offsets' }, { confirmed: true }),
      /one of Kafka's own topics/,
    );
  });

  it('previews a reset without committing, then applies exactly the previewed offsets', async () => {
    const preview = await reset({ scope: { kind: 'group' }, target: { shiftBy: -3 }, previewOnly: true });
    assert.deepEqual(
      preview?.map((r) => [r.partition, r.current, r.next, r.delta]),
      [[full, 4, 1, -3]],
    );
    assert.equal((await committed()).get(full), 4, 'a preview commits nothing');

    const applied = await reset({ scope: { kind: 'group' }, target: { shiftBy: -3 }, confirmed: true });
    assert.deepEqual(applied, preview);
    assert.deepEqual(
      [...(await committed())].sort(),
      [
        [full, 1],
        [empty, null],
      ].sort(),
    );

    // The tree shows it: the group's Offsets row has the new committed offset and lag.
    const cluster = await child(api, undefined, 'Explorer actions');
    const group = await child(api, await child(api, cluster, 'Consumer Groups'), groupId);
    const rows = await children(api, await child(api, group, 'Offsets'));
    assert.deepEqual(
      rows.map((r) => `${String(r.label)} ${String(r.description)}`),
      [`${resetTopic} [${full}] committed 1 · end 10 · lag 9`],
    );
    assert.equal(rows[0].contextValue, 'kafkaLab.group.offset');
  });

  it('resets a topic (every partition, "none" where nothing was committed), chosen partitions, and to a timestamp', async () => {
    const topicPlan = await reset({ scope: { kind: 'topic', topic: resetTopic }, target: 'latest', previewOnly: true });
    const byPartition = new Map(topicPlan?.map((r) => [r.partition, [r.current, r.next, r.delta]]));
    assert.deepEqual(byPartition.get(full), [1, 10, 9]);
    assert.deepEqual(byPartition.get(empty), [null, 0, null], 'no committed offset: current and delta are none');
    const applied = await reset({ scope: { kind: 'topic', topic: resetTopic }, target: 'latest', confirmed: true });
    assert.deepEqual(applied, topicPlan);
    assert.deepEqual(
      [...(await committed())].sort(),
      [
        [full, 10],
        [empty, 0],
      ].sort(),
    );

    const partitionRows = await reset({
      scope: { kind: 'partitions', partitions: [{ topic: resetTopic, partition: full }] },
      target: { offset: 7 },
      confirmed: true,
    });
    assert.deepEqual(
      partitionRows?.map((r) => [r.partition, r.current, r.next, r.delta]),
      [[full, 10, 7, -3]],
    );
    assert.deepEqual(
      [...(await committed())].sort(),
      [
        [full, 7],
        [empty, 0],
      ].sort(),
    );

    // Every message is newer than an hour ago: a timestamp an hour back resolves to the first offset.
    const timestampRows = await reset({
      scope: { kind: 'partitions', partitions: [{ topic: resetTopic, partition: full }] },
      target: { timestamp: Date.now() - 3_600_000 },
      previewOnly: true,
    });
    assert.deepEqual(
      timestampRows?.map((r) => [r.current, r.next]),
      [[7, 0]],
    );
    await assert.rejects(
      reset({
        scope: { kind: 'partitions', partitions: [{ topic: resetTopic, partition: 9 }] },
        target: 'earliest',
        confirmed: true,
      }),
      /does not exist \(the topic has 2 partitions\)/,
    );
  });

  it('shows the preview before committing: Cancel commits nothing, Apply commits the previewed rows', async () => {
    const before = await committed();
    const cancelled = reset({
      scope: { kind: 'partitions', partitions: [{ topic: resetTopic, partition: full }] },
      target: 'earliest',
    });
    await sleep(2500); // planning, then the preview opens
    await screenshot('explorer-reset-preview');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await cancelled, undefined);
    assert.deepEqual(await committed(), before, 'cancelled at the preview: nothing committed');

    const accepted = reset({
      scope: { kind: 'partitions', partitions: [{ topic: resetTopic, partition: full }] },
      target: { shiftBy: -2 },
    });
    await sleep(2500);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'); // "Apply" is the active item
    const rows = await accepted;
    assert.deepEqual(
      rows?.map((r) => [r.partition, r.current, r.next]),
      [[full, 7, 5]],
    );
    assert.equal((await committed()).get(full), 5);
  });

  it('refuses to reset or delete a group while a consumer of it runs, with the core message', async () => {
    const { ConsumerSession } = await engine();
    const session = new ConsumerSession({
      connection: { bootstrapServers: services.kafka.plaintext },
      groupId,
      topics: [resetTopic],
      mode: 'stepping',
      commitPolicy: { kind: 'perMessage' },
    });
    await session.start();
    try {
      await session.nextAwaiting(20_000); // joined, partitions assigned, a message waits for a decision
      const before = await committed();
      await assert.rejects(reset({ scope: { kind: 'group' }, target: 'earliest', confirmed: true }), (error: Error) => {
        assert.match(
          error.message,
          /Offsets were not reset: the group is \w+ with 1 member\(s\)\. Consumer group ".*" has active members; stop every consumer of the group, then try again\./,
        );
        return true;
      });
      await assert.rejects(
        run('kafkaLab.deleteGroup', { clusterId, groupId }, { confirmed: true }),
        /has active members; stop every consumer of the group/,
      );
      assert.deepEqual(await committed(), before);
    } finally {
      await session.stop();
    }
  });

  it('shows the expanded group with its lag in the workbench (screenshot) and auto-refreshes only that group', async () => {
    await vscode.commands.executeCommand('kafkaLab.clusters.focus');
    const cluster = await child(api, undefined, 'Explorer actions');
    const groups = await child(api, cluster, 'Consumer Groups');
    const group = await child(api, groups, groupId);
    const offsets = await child(api, group, 'Offsets');
    assert.match(String(offsets.description), /total lag 5/);
    // Only the group open (the Sessions view shares the side bar's height), scrolled to its offsets
    // rows, and no notifications: the rows' committed / end / lag are readable.
    await vscode.commands.executeCommand('workbench.actions.treeView.kafkaLab.clusters.collapseAll');
    await sleep(300);
    await api.clustersTreeView.reveal(offsets, { expand: true });
    await sleep(1000);
    const rows = await children(api, offsets);
    assert.ok(
      rows.some((r) => /committed 5 · end 10 · lag 5/.test(String(r.description))),
      rows.map((r) => r.description).join(' | '),
    );
    await api.clustersTreeView.reveal(rows[rows.length - 1], { select: true, focus: true });
    // Narrower editor area, wider side bar (the resize acts on the focused part).
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    for (let i = 0; i < 6; i++) await vscode.commands.executeCommand('workbench.action.decreaseViewWidth');
    await vscode.commands.executeCommand('notifications.clearAll');
    await sleep(1500);
    try {
      await screenshot('explorer-group-lag');
    } finally {
      await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
      for (let i = 0; i < 6; i++) await vscode.commands.executeCommand('workbench.action.increaseViewWidth');
    }

    await vscode.workspace
      .getConfiguration('kafkaLab')
      .update('explorer.lagRefreshSeconds', 1, vscode.ConfigurationTarget.Global);
    events.clear();
    await waitFor('two lag refreshes', 6000, () => (events.seen.length >= 2 ? true : undefined));
    assert.ok(
      events.ids().every((id) => id === `cluster:${clusterId}/group:${groupId}`),
      `only the expanded group refreshes: ${events.ids().join(', ')}`,
    );
    await vscode.workspace
      .getConfiguration('kafkaLab')
      .update('explorer.lagRefreshSeconds', 0, vscode.ConfigurationTarget.Global);
    await sleep(300);
    events.clear();
    await sleep(2500);
    assert.deepEqual(events.ids(), [], 'turned off: no more refreshes');
  });

  it('deletes a group once confirmed; it is gone from the tree', async () => {
    assert.equal(
      await vscode.commands.executeCommand('kafkaLab.deleteGroup', { clusterId, groupId }, { confirmed: true }),
      true,
    );
    const cluster = await child(api, undefined, 'Explorer actions');
    const names = (await children(api, await child(api, cluster, 'Consumer Groups'))).map((g) => String(g.label));
    assert.ok(!names.includes(groupId), names.join(', '));
    assert.ok(!(await admin.listGroups()).some((g) => g.groupId === groupId));
  });
});
