import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import type { ImportSummary } from '../../../src/core/produce/fileImport';
import type { ProducerPanel } from '../../../src/webviews/producerPanel/producerPanel';
import { PRODUCER_ROOT_ID } from '../../../src/webviews/producerPanel/protocol';
import type { AclBroker } from '../../support/aclBroker';
import { waitFor } from '../../support/services';

// An authorisation error in a real VS Code: the producer form and Produce from File, as a user a
// DENY WRITE ACL refuses, on a private broker with the StandardAuthorizer (test/support/aclBroker.ts,
// loaded lazily: it pulls in the native client). The form is driven from outside through the
// browser (scripts/lib/webviewProbe.mjs). The shared broker is not touched.

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';
const PROBE_URL = process.env.KAFKA_LAB_WEBVIEW_URL;

async function probe<T = Record<string, unknown>>(request: Record<string, unknown>): Promise<T> {
  const response = await fetch(PROBE_URL!, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ root: PRODUCER_ROOT_ID, ...request }),
  });
  const body = (await response.json()) as T & { error?: string };
  assert.equal(response.status, 200, `probe ${String(request.op)}: ${body.error}`);
  return body;
}

async function evaluate<T>(expression: string): Promise<T> {
  return (await probe<{ value: T }>({ op: 'evaluate', expression })).value;
}

async function screenshot(name: string): Promise<void> {
  const url = process.env.KAFKA_LAB_SCREENSHOT_URL;
  if (!url) return;
  const response = await fetch(`${url}?name=${encodeURIComponent(name)}`);
  assert.equal(response.status, 200, `screenshot ${name} failed: ${await response.text()}`);
}

describe('an authorisation error in the producer form and Produce from File, in a real VS Code', function () {
  this.timeout(180_000);
  let api: KafkaLabApi;
  let clusterId: string | undefined;
  let broker: AclBroker | undefined;
  const topic = 'orders.denied';

  before(async function () {
    if (!PROBE_URL) this.skip(); // only the code-server runner can look into webviews
    this.timeout(240_000);
    const { AclBroker } = await import('../../support/aclBroker');
    broker = new AclBroker();
    await broker.start();
    await broker.createTopics([{ topic, partitions: 1 }]);
    await broker.acl('deny', ['Write'], [topic]);
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'ACL test',
      bootstrapServers: broker.bootstrap,
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'PLAIN', username: broker.user.username, password: broker.user.password },
    });
  });

  after(async () => {
    if (PROBE_URL) {
      api?.producing.panels.dispose();
      if (clusterId) await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    }
    await broker?.destroy();
  });

  const recordCount = async (): Promise<number> =>
    broker!.withAdmin(async (admin) =>
      (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0),
    );

  it('Send shows TOPIC_AUTHORIZATION_FAILED at the topic, asks for WRITE, offers no Create Topic, and writes nothing', async () => {
    const panel = await vscode.commands.executeCommand<ProducerPanel>('kafkaLab.produceMessage', { clusterId, topic });
    assert.ok(panel, 'Produce Message opened no panel');
    await panel.host.whenReady();
    await probe({ op: 'fill', selector: '#key-text', value: 'order-1' });
    await probe({ op: 'fill', selector: '#value-text', value: '{"orderId": 1}' });
    await probe({ op: 'click', selector: '#send' });
    const shown = await waitFor('the error at the topic', 30_000, async () => {
      const found = await evaluate<{ text: string; reason: string | null; buttons: string[] } | null>(
        `(() => { const e = document.querySelector('.field-error[data-field="topic"]'); if (!e || e.hidden) return null;
          return { text: e.textContent, reason: e.querySelector('.problem')?.dataset.reason ?? null,
                   buttons: [...e.querySelectorAll('button')].map((b) => b.textContent) }; })()`,
      );
      return found ?? undefined;
    });
    assert.equal(shown.reason, 'notAuthorized', shown.text);
    assert.match(shown.text, /TOPIC_AUTHORIZATION_FAILED/);
    assert.match(shown.text, /user "lab-user" is not authorised to write to topic "orders\.denied"/);
    assert.match(shown.text, /Ask the cluster administrator for WRITE on topic "orders\.denied"/);
    assert.deepEqual(shown.buttons, [], 'no Create Topic… for a topic that exists');
    const outcome = panel.lastOutcome;
    assert.ok(outcome && !outcome.ok, 'the host kept a failed outcome');
    assert.equal(await recordCount(), 0, 'nothing was written');
    await screenshot('producer-not-authorised');
  });

  it('Produce from File: 0 sent, each record listed as not sent with the reason', async () => {
    const text = ['{"key": "f-1", "value": {"n": 1}}', '{"key": "f-2", "value": {"n": 2}}'].join('\n');
    const summary = await vscode.commands.executeCommand<ImportSummary>('kafkaLab.produceFromFile', {
      clusterId,
      topic,
      text,
      format: 'ndjson',
      onBadRecord: 'skip',
    });
    assert.equal(summary.sent, 0);
    assert.equal(summary.failed, 2);
    assert.deepEqual(
      summary.failures.map((f) => [f.index, f.line, f.reason]),
      [
        [0, 1, 'notAuthorized'],
        [1, 2, 'notAuthorized'],
      ],
    );
    for (const f of summary.failures) assert.match(f.message, /TOPIC_AUTHORIZATION_FAILED/);
    assert.equal(await recordCount(), 0);
  });
});
