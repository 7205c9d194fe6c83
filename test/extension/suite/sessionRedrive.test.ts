import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import { redrivenFrom } from '../../../src/core/dlq/provenance';
import { PANEL_ROOT_ID } from '../../../src/webviews/sessionPanel/protocol';
import { services, uniqueName, waitFor } from '../../support/services';
import { PROBE_URL, evaluateIn, probeIn, screenshot } from '../support/browser';

// Re-drive from the session panel in a real VS Code, on the real broker: a stepping session
// dead-letters two messages; the Re-drive button on the second one's history entry (clicked in the
// browser) sends exactly that message back to its source topic, from its own dead-letter record,
// with the provenance headers; the panel says where it landed.

const kafkaSupport = () => import('../../support/kafka');
const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';

const probe = <T = Record<string, unknown>>(request: Record<string, unknown>) => probeIn<T>(PANEL_ROOT_ID, request);

const evaluate = <T>(expression: string) => evaluateIn<T>(PANEL_ROOT_ID, expression);

describe('Re-drive from the session panel (real VS Code, real broker)', function () {
  this.timeout(240_000);
  let api: KafkaLabApi;
  let clusterId: string;
  let sessionId: string | undefined;
  const topic = uniqueName('ext-session-redrive');
  const dlq = `${topic}.dead-letter`;
  const groupId = uniqueName('ext-session-redrive-group');

  before(async function () {
    if (!PROBE_URL) this.skip(); // only the code-server runner can look into webviews
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Session re-drive test',
      bootstrapServers: services.kafka.plaintext,
    });
    const kafka = await kafkaSupport();
    await kafka.createTopic(topic, 1);
    await kafka.produceSequence(topic, 4, { keys: 4, value: (seq) => JSON.stringify({ order: seq, total: seq * 10 }) });
  });

  after(async () => {
    if (!api) return;
    if (sessionId && api.sessions.manager.get(sessionId))
      await vscode.commands.executeCommand('kafkaLab.stopSession', sessionId);
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    const kafka = await kafkaSupport();
    await kafka.deleteTopicsQuietly(topic, dlq);
    await kafka.withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  });

  it('sends the dead-lettered message back to its topic with provenance headers, and says where it landed', async () => {
    const id = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId,
      topics: [topic],
      mode: 'stepping',
      commitPolicy: { kind: 'perMessage' },
      createDlqTopics: true,
    });
    sessionId = id;
    const panel = api.sessions.panels.get(id);
    assert.ok(panel, 'the session panel did not open');
    await panel.host.whenReady();
    const onPanel = (offset: number) =>
      waitFor(`offset ${offset} on the panel`, 30_000, () =>
        panel.state?.current?.offset === offset ? panel.state.current : undefined,
      );

    // Offsets 0 and 2 are dead-lettered, 1 goes on: the dead-letter topic then holds two records.
    await onPanel(0);
    await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'deadLetter', 'order 0 is poison');
    await onPanel(1);
    await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next');
    await onPanel(2);
    await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'deadLetter', 'order 2 is poison');
    await onPanel(3);
    await waitFor('two dead letters in the history', 20_000, () =>
      panel.state?.history.filter((h) => h.decision === 'deadLetter').length === 2 ? true : undefined,
    );
    const kafka = await kafkaSupport();
    const ends = async (t: string) =>
      kafka.withAdmin(async (admin) => Number((await admin.fetchTopicOffsets(t))[0].high));
    assert.equal(await ends(dlq), 2);
    assert.equal(await ends(topic), 4);

    // The history lists newest first: the entry of offset 2 has its own Re-drive button.
    await waitFor('the Re-drive buttons', 20_000, async () =>
      (await evaluate<number>(`document.querySelectorAll('.history button.redrive').length`)) === 2 ? true : undefined,
    );
    const entry = `[...document.querySelectorAll('.history li')].find((li) => li.querySelector('.where')?.textContent === '[0] @ 2')`;
    assert.ok(await evaluate<boolean>(`!!${entry}?.querySelector('button.redrive')`), 'offset 2 has a Re-drive button');
    assert.ok(
      await evaluate<boolean>(
        `![...document.querySelectorAll('.history li')].find((li) => li.querySelector('.where')?.textContent === '[0] @ 1')?.querySelector('button.redrive')`,
      ),
      'a message that was not dead-lettered has none',
    );
    // The history is drawn again with each state, so the button is found by what it re-drives.
    await probe({ op: 'click', selector: '.history button.redrive[data-partition="0"][data-offset="2"]' });
    const status = await waitFor('the re-drive outcome at the entry', 90_000, async () => {
      const s = await evaluate<{ outcome: string; text: string } | null>(
        `(() => { const e = (${entry})?.querySelector('.redrive-status'); return e && e.dataset.outcome && e.dataset.outcome !== 'running' ? { outcome: e.dataset.outcome, text: e.textContent } : null; })()`,
      );
      return s ?? undefined;
    });
    assert.equal(status.outcome, 'completed', status.text);
    assert.match(status.text, new RegExp(`It is at ${topic.replace(/[.]/g, '\\.')}\\[0\\]@4\\.`));
    await screenshot('session-redrive');

    // On the broker: exactly one more record on the source topic, a copy of offset 2, saying where it came from.
    assert.equal(await ends(topic), 5);
    assert.equal(await ends(dlq), 2, 'the dead-letter topic is not changed');
    const { fetchRecord } = await import('../../../src/core/kafka/recordFetch');
    const connection = { bootstrapServers: services.kafka.plaintext };
    const [original, redriven] = await Promise.all([
      fetchRecord(connection, topic, 0, 2, 20_000),
      fetchRecord(connection, topic, 0, 4, 20_000),
    ]);
    assert.deepEqual(redriven.value, original.value);
    assert.deepEqual(redriven.key, original.key);
    assert.equal(redriven.value?.toString(), JSON.stringify({ order: 2, total: 20 }));
    const from = redrivenFrom(redriven.headers);
    assert.ok(from, 'the re-driven record carries kafka-lab.redriven-from');
    assert.deepEqual(
      { topic: from.topic, partition: from.partition, offset: from.offset },
      {
        topic: dlq,
        partition: 0,
        offset: 1,
      },
    );
    assert.ok(from.at && Math.abs(Date.parse(from.at) - Date.now()) < 10 * 60_000, `redriven-at ${from.at}`);
    // The original headers go back with it; the dead-letter ones do not.
    const names = (redriven.headers ?? []).flatMap((h) => Object.keys(h));
    assert.ok(names.includes('seq'), `headers: ${names.join(', ')}`);
    assert.ok(!names.some((n) => n.startsWith('kafka-lab.dlq.')), `headers: ${names.join(', ')}`);

    // A message the session did not dead-letter is refused by the host, whatever the webview sends.
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('kafkaLab.redriveSessionDeadLetter', {
          sessionId: id,
          topic,
          partition: 0,
          offset: 1,
        }),
      ),
      /was not dead-lettered in this session/,
    );
    assert.equal(await ends(topic), 5, 'nothing more was written');
  });
});
