import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import type { SessionController } from '../../../src/core/session/sessionController';
import { services, uniqueName, waitFor } from '../../support/services';

// The Kafka helpers load the native client: required lazily (the activation suite checks that
// activating the extension does not load it).
const kafkaSupport = () => import('../../support/kafka');

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks the runner's browser about the workbench's own document (see scripts/lib/webviewProbe.mjs). */
async function workbench<T>(body: Record<string, unknown>): Promise<T> {
  const url = process.env.KAFKA_LAB_WEBVIEW_URL;
  assert.ok(url, 'KAFKA_LAB_WEBVIEW_URL is not set: run under scripts/runExtensionTests.mjs');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ root: 'workbench', ...body }),
  });
  const json = (await response.json()) as T & { error?: string };
  assert.equal(response.status, 200, json.error);
  return json;
}

const TOASTS = `Array.from(document.querySelectorAll('.notifications-toasts .notification-list-item')).map((e) => ({
  message: (e.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
  buttons: Array.from(e.querySelectorAll('.notification-list-item-buttons-container .monaco-button, .notification-list-item-buttons-container a, .notification-list-item-buttons-container button')).map((b) => (b.textContent ?? '').trim() || b.getAttribute('aria-label') || '').filter(Boolean),
  html: e.outerHTML.slice(0, 3000),
}))`;

async function screenshot(name: string): Promise<void> {
  const url = process.env.KAFKA_LAB_SCREENSHOT_URL;
  if (!url) return;
  const response = await fetch(`${url}?name=${encodeURIComponent(name)}`);
  assert.equal(response.status, 200, `screenshot ${name} failed: ${await response.text()}`);
}

describe('consumer sessions in a real VS Code against the real broker', function () {
  this.timeout(120_000);
  let api: KafkaLabApi;
  let clusterId: string;
  const topics: string[] = [];

  before(async () => {
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Sessions test',
      bootstrapServers: services.kafka.plaintext,
      registry: { url: services.registry.url },
    });
  });

  after(async () => {
    await api.sessions.manager.stopAll(15_000);
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    await (await kafkaSupport()).deleteTopicsQuietly(...topics);
  });

  async function newTopic(partitions: number, count: number, keys = 16): Promise<string> {
    const { createTopic, produceSequence } = await kafkaSupport();
    const topic = uniqueName('ext-session');
    topics.push(topic, `${topic}.dead-letter`);
    await createTopic(topic, partitions);
    if (count) await produceSequence(topic, count, { keys });
    return topic;
  }

  const session = (id: string): SessionController => {
    const found = api.sessions.manager.get(id);
    assert.ok(found, `session ${id} is not running`);
    return found;
  };

  async function shown(id: string, offset: number): Promise<void> {
    await waitFor(`offset ${offset} on the panel`, 20_000, () =>
      session(id).current?.offset === offset ? true : undefined,
    );
  }

  it('steps through 5 messages (commit 2, skip 1, dead-letter 1, retry 1): commits, DLQ envelope and the redelivered skip match', async () => {
    const { committedOffsets, readAll } = await kafkaSupport();
    const topic = await newTopic(1, 6, 6);
    const groupId = uniqueName('ext-session-steps');
    const id = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId,
      topics: [topic],
      mode: 'stepping',
      commitPolicy: { kind: 'perMessage' },
      createDlqTopics: true,
    });
    assert.ok(id);
    const panel = api.sessions.panels.get(id);
    assert.ok(panel, 'the session panel did not open');
    await panel.host.whenReady();

    // The first two through the panel's own message path (as the buttons send them: the shared wire format), once the panel shows the message.
    const onPanel = (offset: number) =>
      waitFor(`offset ${offset} on the panel`, 20_000, () =>
        panel.state?.current?.offset === offset ? panel.state.current : undefined,
      );
    await panel.host.simulate({
      kind: 'request',
      id: 1_000_001,
      method: 'session/decide',
      params: { messageId: (await onPanel(0)).id, action: 'commit' },
    });
    await panel.host.simulate({
      kind: 'request',
      id: 1_000_002,
      method: 'session/decide',
      params: { messageId: (await onPanel(1)).id, action: 'commit' },
    });
    await shown(id, 2);
    await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'skip');
    await waitFor('the skip notice on the panel', 5_000, () =>
      /not marked done/.test(panel.state?.notice?.text ?? '') ? true : undefined,
    );
    await shown(id, 3);
    await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'deadLetter', 'customer id does not exist');
    await shown(id, 4);
    await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'retry');
    await shown(id, 4);
    await vscode.commands.executeCommand('kafkaLab.stepSession', id);
    await shown(id, 5);
    await waitFor('the panel to show the history', 10_000, () =>
      panel.state?.history.length === 6 ? true : undefined,
    );
    assert.deepEqual(
      panel.state!.history.map((h) => `${h.offset}:${h.decision}`),
      ['0:commit', '1:commit', '2:skip', '3:deadLetter', '4:retry', '4:next'],
    );
    const status = new RegExp(`${groupId}: stepping @ ${topic}\\[0\\] 5 · lag \\d+`);
    await waitFor('the status bar to show the session', 5_000, () =>
      status.test(api.sessions.statusBarText()) ? true : undefined,
    );

    await vscode.commands.executeCommand('kafkaLab.stopSession', id);
    assert.equal(api.sessions.manager.get(id), undefined);
    // Offsets 0 and 1 committed; the skipped offset 2 holds the commit there, whatever came after.
    assert.equal((await committedOffsets(groupId, topic)).get(0), 2);
    const [dead] = await readAll(`${topic}.dead-letter`, 1);
    const envelope = JSON.parse(dead!.value!.toString()) as Record<string, unknown>;
    assert.equal(envelope.original_topic, topic);
    assert.equal(envelope.original_offset, 3);
    assert.equal(envelope.error_message, 'customer id does not exist');

    const again = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId,
      topics: [topic],
      noPanel: true,
    });
    await shown(again, 2);
    await vscode.commands.executeCommand('kafkaLab.stopSession', again);
  });

  it('switches to running and back without losing a message', async () => {
    const { committedOffsets, produceSequence } = await kafkaSupport();
    const topic = await newTopic(2, 300);
    const groupId = uniqueName('ext-session-switch');
    const id = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId,
      topics: [topic],
      commitPolicy: { kind: 'batch', maxMessages: 20, maxIntervalMs: 200 },
      createDlqTopics: true,
      noPanel: true,
    });
    await waitFor('a message to decide', 20_000, () => session(id).current);
    await vscode.commands.executeCommand('kafkaLab.stepSession', id);
    await vscode.commands.executeCommand('kafkaLab.setSessionMode', id, 'running');
    await sleep(20);
    await vscode.commands.executeCommand('kafkaLab.setSessionMode', id, 'stepping');
    // Running may have drained the topic in those 20 ms: more messages, so stepping has one to show.
    await produceSequence(topic, 100, { start: 300 });
    await waitFor('a message to decide', 20_000, () => session(id).current);
    await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next');
    await vscode.commands.executeCommand('kafkaLab.setSessionMode', id, 'running');
    await waitFor('all 400 committed', 30_000, async () => {
      const c = await committedOffsets(groupId, topic);
      return (c.get(0) ?? 0) + (c.get(1) ?? 0) === 400 ? true : undefined;
    });
    await vscode.commands.executeCommand('kafkaLab.stopSession', id);
  });

  it('runs until a key matches and stops on that message', async () => {
    const topic = await newTopic(2, 60, 12);
    const id = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId: uniqueName('ext-session-until'),
      topics: [topic],
      createDlqTopics: true,
    });
    const panel = api.sessions.panels.get(id)!;
    await panel.host.whenReady();
    await waitFor('a message to decide', 20_000, () => session(id).current);
    await panel.host.simulate({
      kind: 'notify',
      method: 'session/runUntil',
      params: { condition: { kind: 'keyEquals', value: 'key-11' } },
    });
    await waitFor('stopped on key-11', 20_000, () => {
      const current = session(id).current;
      return current && current.key.kind === 'text' && current.key.text === 'key-11' ? true : undefined;
    });
    assert.equal(session(id).mode, 'stepping');
    await waitFor('the panel to say where it stopped', 5_000, () =>
      /Stopped on .* key equals "key-11"/.test(panel.state?.notice?.text ?? '') ? true : undefined,
    );
    await vscode.commands.executeCommand('kafkaLab.stopSession', id);
  });

  it('shows members and assignments: 2 members split 4 partitions 2+2, 3 and 4 rebalance, a 5th is idle', async () => {
    const topic = await newTopic(4, 40);
    const id = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId: uniqueName('ext-session-members'),
      topics: [topic],
      members: 2,
      createDlqTopics: true,
      noPanel: true,
    });
    const describe = () => api.sessions.view.describe().find((s) => s.session === id)!;
    const counts = () =>
      describe()
        .members.map((m) => m.partitions.length)
        .join('+');
    await waitFor('2+2', 30_000, () => (counts() === '2+2' ? true : undefined));
    const partitionLine = describe().members[0]!.partitions[0]!;
    assert.match(
      partitionLine,
      /^ext-session-\S+ \[\d\]: position \S+ · committed \S+ · (pending \d+ · )?(in flight \d+ · )?high \S+ · lag \S+/,
    );

    await vscode.commands.executeCommand('kafkaLab.addSessionMember', id);
    await waitFor('3 members', 30_000, () =>
      describe().members.length === 3 && describe().members.every((m) => m.partitions.length > 0) ? true : undefined,
    );
    // The Sessions view during the rebalance, expanded.
    await vscode.commands.executeCommand('kafkaLab.sessions.focus');
    // A wider side bar, so the partition rows show their offsets in the screenshot.
    for (let i = 0; i < 8; i++) await vscode.commands.executeCommand('workbench.action.decreaseViewWidth');
    const treeView = api.sessions.treeView;
    const root = (await api.sessions.view.getChildren()).find((n) => n.id === `session:${id}`)!;
    await treeView.reveal(root as vscode.TreeItem, { expand: 2, focus: false, select: false });
    await vscode.commands.executeCommand('kafkaLab.addSessionMember', id);
    await sleep(300);
    await screenshot('sessions-rebalance');
    await waitFor('1+1+1+1', 40_000, () => (counts() === '1+1+1+1' ? true : undefined));
    await vscode.commands.executeCommand('kafkaLab.addSessionMember', id);
    await waitFor('a fifth, idle member', 40_000, () => {
      const members = describe().members;
      return members.length === 5 &&
        members.filter((m) => /^idle/.test(m.description)).length === 1 &&
        counts()
          .split('+')
          .filter((n) => n === '1').length === 4
        ? true
        : undefined;
    });
    const timeline = describe().timeline;
    assert.ok(
      timeline.some((e) => e.startsWith('revoke')),
      `no revoke in the timeline: ${timeline.join(' | ')}`,
    );
    assert.ok(timeline.filter((e) => e.startsWith('assign')).length >= 4, `too few assigns: ${timeline.join(' | ')}`);
    await vscode.commands.executeCommand('kafkaLab.removeSessionMember', id);
    await waitFor('4 members', 30_000, () => (describe().members.length === 4 ? true : undefined));
    await vscode.commands.executeCommand('kafkaLab.stopSession', id);
  });

  it('shows a decoded Avro message with its schema on the panel', async () => {
    const { SchemaRegistryClient } = await import('../../../src/core/registry/registryClient');
    const { SchemaCache } = await import('../../../src/core/codec/schemaCache');
    const { PayloadEncoder } = await import('../../../src/core/codec/payloadEncoder');
    const { kafkaClient } = await kafkaSupport();
    const topic = await newTopic(1, 0);
    const registry = new SchemaRegistryClient({ id: 'ext-sessions', url: services.registry.url });
    const encoder = new PayloadEncoder({ registry, schemas: new SchemaCache(registry) });
    const schema = JSON.stringify({
      type: 'record',
      name: 'Payment',
      namespace: 'demo.payments',
      // Unique per run: the registry answers a schema id with the first subject that registered it.
      doc: `A card payment (${topic})`,
      fields: [
        { name: 'paymentId', type: 'string' },
        { name: 'amountCents', type: 'long' },
        { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD', 'GBP'] } },
        {
          name: 'card',
          type: {
            type: 'record',
            name: 'Card',
            fields: [
              { name: 'last4', type: 'string' },
              { name: 'network', type: 'string' },
            ],
          },
        },
        { name: 'tags', type: { type: 'array', items: 'string' } },
      ],
    });
    const encoded = await encoder.encode({
      format: 'avro',
      topic,
      role: 'value',
      input: {
        value: {
          paymentId: 'pay-7731',
          amountCents: 12950,
          currency: 'EUR',
          card: { last4: '4242', network: 'visa' },
          tags: ['priority', 'new-customer'],
        },
      },
      register: { schema },
    });
    assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [{ key: 'customer-42', value: encoded.bytes!, headers: { 'trace-id': 'f3a9c2' } }],
    });
    await producer.disconnect();
    registry.close();

    const id = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId: uniqueName('ext-session-avro'),
      topics: [topic],
      createDlqTopics: true,
    });
    const panel = api.sessions.panels.get(id)!;
    await panel.host.whenReady();
    await waitFor('the decoded Avro message on the panel', 20_000, () =>
      panel.state?.current?.value.kind === 'json' ? true : undefined,
    );
    const current = panel.state!.current!;
    assert.deepEqual(current.schema && [current.schema.format, current.schema.subject, current.schema.version], [
      'avro',
      `${topic}-value`,
      1,
    ]);
    assert.deepEqual(current.value.kind === 'json' && current.value.json, {
      paymentId: 'pay-7731',
      amountCents: 12950,
      currency: 'EUR',
      card: { last4: '4242', network: 'visa' },
      tags: ['priority', 'new-customer'],
    });
    await sleep(500);
    await screenshot('session-panel-avro');
    await vscode.commands.executeCommand('kafkaLab.stopSession', id);
  });

  it('a failed dead-letter write raises a notification with Retry and Show Log; Retry writes it once the topic exists', async function () {
    if (!process.env.KAFKA_LAB_WEBVIEW_URL) this.skip();
    const { committedOffsets, createTopic, readAll } = await kafkaSupport();
    const topic = await newTopic(1, 3, 3);
    const groupId = uniqueName('ext-session-dlq-fail');
    // Called with arguments and without createDlqTopics: the DLQ topic stays missing.
    const id = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId,
      topics: [topic],
      noPanel: true,
    });
    await shown(id, 0);
    await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'deadLetter', 'no such customer');
    type Toast = { message: string; buttons: string[]; html: string };
    const toast = await waitFor('the dead-letter failure notification', 30_000, async () => {
      const { value } = await workbench<{ value: Toast[] }>({ op: 'evaluate', expression: TOASTS });
      return value.find((t) => t.message.startsWith(`Kafka session ${groupId}:`));
    });
    assert.deepEqual([...new Set(toast.buttons)], ['Retry', 'Show Log'], toast.html);
    await screenshot('session-dlq-failure-notification');
    assert.equal(
      (await committedOffsets(groupId, topic)).get(0) ?? -1,
      -1,
      'committed past a message whose dead-letter write failed',
    );

    await createTopic(`${topic}.dead-letter`, 1);
    await workbench({
      op: 'click',
      selector: '.notifications-toasts .notification-list-item .monaco-button:has-text("Retry")',
    });
    await waitFor('the dead-letter write to succeed', 30_000, () =>
      session(id).history.some((h) => h.decision === 'deadLetter' && h.offset === 0) ? true : undefined,
    );
    const [dead] = await readAll(`${topic}.dead-letter`, 1);
    assert.equal((JSON.parse(dead!.value!.toString()) as { error_message: string }).error_message, 'no such customer');
    await shown(id, 1);
    await vscode.commands.executeCommand('kafkaLab.stopSession', id);
    assert.equal((await committedOffsets(groupId, topic)).get(0), 1);
  });

  it('starts from a topic node through the real prompts: suggested group, earliest, stepping, per message, DLQ created', async function () {
    if (!process.env.KAFKA_LAB_WEBVIEW_URL) this.skip();
    const topic = await newTopic(1, 3, 3);
    const tree = api.clustersTree;
    const find = async (parent: vscode.TreeItem | undefined, label: string) => {
      const items = ((await tree.getChildren(parent)) ?? []) as vscode.TreeItem[];
      const found = items.find((i) => i.label === label);
      assert.ok(found, `no ${label} under ${String(parent?.label ?? 'the root')}`);
      return found;
    };
    await vscode.commands.executeCommand('kafkaLab.refreshClusters');
    await sleep(400);
    const topicNode = await waitFor('the topic in the tree', 10_000, async () => {
      const topicsFolder = await find(await find(undefined, 'Sessions test'), 'Topics');
      const items = ((await tree.getChildren(topicsFolder)) ?? []) as vscode.TreeItem[];
      return items.find((i) => i.label === topic);
    });

    const started = vscode.commands.executeCommand<string>('kafkaLab.startSession', topicNode);
    const QUICK = `(() => {
      const w = document.querySelector('.quick-input-widget');
      if (!w || w.style.display === 'none') return null;
      const input = w.querySelector('.quick-input-box input');
      return { placeholder: input?.getAttribute('placeholder') ?? '', value: input?.value ?? '', title: (w.querySelector('.quick-input-title')?.textContent ?? '').trim(), message: (w.querySelector('.quick-input-message')?.textContent ?? '').trim(),
        items: Array.from(w.querySelectorAll('.monaco-list-row')).map((r) => (r.getAttribute('aria-label') ?? '').trim()) };
    })()`;
    type Quick = { placeholder: string; value: string; title: string; message: string; items: string[] } | null;
    const answer = async (what: RegExp, check?: (q: NonNullable<Quick>) => void, filter?: string) => {
      if (filter !== undefined) {
        // The list renders only the rows in view: filter it to the row the check looks for.
        await waitFor(`the prompt ${String(what)} to open`, 15_000, async () => {
          const { value } = await workbench<{ value: Quick }>({ op: 'evaluate', expression: QUICK });
          return value && what.test(value.placeholder) ? true : undefined;
        });
        await workbench({ op: 'fill', selector: '.quick-input-widget .quick-input-box input', value: filter });
      }
      const q = await waitFor(`the prompt ${String(what)}`, 15_000, async () => {
        const { value } = await workbench<{ value: Quick }>({ op: 'evaluate', expression: QUICK });
        return value && (what.test(value.placeholder) || what.test(value.message) || what.test(value.items.join('|')))
          ? value
          : undefined;
      });
      check?.(q);
      await workbench({ op: 'press', keys: ['Enter'] });
      await sleep(300);
    };
    await answer(
      /Topics to consume/,
      (q) =>
        assert.ok(
          q.items.some((i) => i.includes(topic)),
          'the topic is not offered',
        ),
      topic,
    );
    await answer(/Consumer group/, (q) => assert.match(q.items[0] ?? '', new RegExp(`New group: .*-dev-${topic}`)));
    await answer(/^Consumer group protocol$/, (q) => {
      assert.match(q.items[0] ?? '', /^Classic/);
      assert.match(q.items[1] ?? '', /Consumer \(KIP-848\).*incrementally/);
    });
    await answer(/no committed offsets: where should it start/);
    await answer(/^Delivery guarantee$/, (q) => {
      assert.match(q.items[0] ?? '', /^At-least-once/);
      assert.match(q.items[1] ?? '', /^Exactly-once/);
    });
    await answer(/^Mode$/, (q) => assert.match(q.items[0] ?? '', /Stepping/));
    await answer(/^Commit policy$/, (q) => assert.match(q.items[0] ?? '', /Per message/));
    await answer(/Dead-letter topic/, (q) => assert.equal(q.value, '{topic}.dead-letter'));
    await answer(/How many members/, (q) => assert.equal(q.value, '1'));
    type Toast = { message: string; buttons: string[] };
    await waitFor('the offer to create the DLQ topic', 15_000, async () => {
      const { value } = await workbench<{ value: Toast[] }>({ op: 'evaluate', expression: TOASTS });
      return value.find((t) => t.message.includes(`"${topic}.dead-letter" does not exist`));
    });
    await workbench({
      op: 'click',
      selector: '.notifications-toasts .notification-list-item .monaco-button:has-text("Create")',
    });
    const id = await started;
    assert.ok(id, 'the start flow returned no session');
    const c = session(id);
    assert.match(c.spec.groupId, new RegExp(`-dev-${topic}$`));
    assert.deepEqual(
      [c.spec.autoOffsetReset, c.spec.mode, c.spec.commitPolicy.kind, c.spec.members, c.groupProtocol],
      ['earliest', 'stepping', 'perMessage', 1, 'classic'],
    );
    await shown(id, 0);
    assert.ok(api.sessions.panels.get(id), 'no panel');
    const admin = await (await import('../../../src/core/kafka/admin')).KafkaAdmin;
    const client = new admin({ bootstrapServers: services.kafka.plaintext });
    try {
      assert.equal(
        (await client.listTopics({ glob: `${topic}.dead-letter` })).length,
        1,
        'the DLQ topic was not created',
      );
    } finally {
      client.close();
    }
    await vscode.commands.executeCommand('kafkaLab.stopSession', id);
  });

  it('shows the timestamp type the topic is configured with (LogAppendTime here)', async () => {
    const { KafkaAdmin } = await import('../../../src/core/kafka/admin');
    const { produceSequence } = await kafkaSupport();
    const admin = new KafkaAdmin({ bootstrapServers: services.kafka.plaintext });
    const topic = uniqueName('ext-session-ts');
    topics.push(topic);
    try {
      await admin.createTopic({
        name: topic,
        partitions: 1,
        replicationFactor: 1,
        configs: { 'message.timestamp.type': 'LogAppendTime' },
      });
      await waitFor('the topic', 10_000, async () =>
        (await admin.listTopics({ glob: topic })).length ? true : undefined,
      );
    } finally {
      admin.close();
    }
    await produceSequence(topic, 1);
    const id = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId: uniqueName('ext-session-ts'),
      topics: [topic],
      noPanel: true,
    });
    await shown(id, 0);
    assert.equal(session(id).current?.timestampType, 'LogAppendTime');
    await vscode.commands.executeCommand('kafkaLab.stopSession', id);
  });
});
