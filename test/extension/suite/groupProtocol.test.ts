import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import { services, uniqueName, waitFor } from '../../support/services';

// The Kafka helpers load the native client: required lazily (the activation suite checks that
// activating the extension does not load it).
const kafkaSupport = () => import('../../support/kafka');

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';

describe('a session under the consumer group protocol (KIP-848) in a real VS Code', function () {
  this.timeout(120_000);
  let api: KafkaLabApi;
  let clusterId: string;
  const topic = uniqueName('ext-kip848');
  const groupId = uniqueName('ext-kip848-group');

  before(async function () {
    const { describeGroupProtocols } = await import('../../../src/core/kafka/groupProtocols');
    const support = await describeGroupProtocols({ bootstrapServers: services.kafka.plaintext }, { timeoutMs: 15_000 });
    if (!support.consumer) {
      console.log(
        `      skipped: the broker's group.coordinator.rebalance.protocols is "${support.protocols.join(',')}", without "consumer"`,
      );
      this.skip();
    }
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'KIP-848 test',
      bootstrapServers: services.kafka.plaintext,
    });
    const { createTopic, produceSequence } = await kafkaSupport();
    await createTopic(topic, 4);
    await produceSequence(topic, 200, { keys: 16 });
  });

  after(async () => {
    if (!api) return;
    await api.sessions.manager.stopAll(15_000);
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    const { deleteTopicsQuietly, withAdmin } = await kafkaSupport();
    await deleteTopicsQuietly(topic, `${topic}.dead-letter`);
    await withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  });

  it('joins with the consumer protocol, the Sessions view says so and what the broker reports, and the timeline shows the incremental moves', async () => {
    const id = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId,
      topics: [topic],
      mode: 'running',
      handler: 'noop',
      members: 2,
      groupProtocol: 'consumer',
      createDlqTopics: true,
      noPanel: true,
    });
    assert.ok(id, 'the start flow returned no session');
    const controller = api.sessions.manager.get(id)!;
    assert.equal(controller.groupProtocol, 'consumer');
    const describe = () => api.sessions.view.describe().find((s) => s.session === id)!;
    // The start flow describes the group once its members are in it, and the view shows the broker's word.
    await waitFor('the broker to describe a consumer group', 45_000, () =>
      /the broker describes a consumer group/.test(describe().groupProtocol) ? true : undefined,
    );
    assert.equal(controller.reportedGroupType, 'consumer');
    assert.match(describe().description, /KIP-848/);
    // Two members share the four partitions, each moved to its owner by the broker one change at a time.
    await waitFor('both members with partitions', 45_000, () =>
      describe().members.length === 2 && describe().members.every((m) => m.partitions.length > 0) ? true : undefined,
    );
    const timeline = controller.timeline;
    assert.ok(
      timeline.some((e) => e.kind === 'assign'),
      `no assignment in the timeline: ${describe().timeline.join(' | ')}`,
    );
    assert.ok(
      timeline.every((e) => e.groupProtocol === 'consumer' && e.protocol === 'COOPERATIVE'),
      `the timeline: ${timeline.map((e) => `${e.kind}/${e.groupProtocol}/${e.protocol}`).join(', ')}`,
    );
    const assigned = new Set(
      timeline.filter((e) => e.kind === 'assign').flatMap((e) => e.partitions.map((p) => p.partition)),
    );
    assert.deepEqual([...assigned].sort(), [0, 1, 2, 3], 'every partition was assigned to a member');
    await vscode.commands.executeCommand('kafkaLab.stopSession', id);
  });

  it('refuses an unknown group protocol before joining, saying which ones there are', async () => {
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('kafkaLab.startSession', {
          clusterId,
          groupId: uniqueName('ext-kip848-bad'),
          topics: [topic],
          groupProtocol: 'eager',
          noPanel: true,
        }),
      ),
      /"classic" or "consumer"/,
    );
  });
});
