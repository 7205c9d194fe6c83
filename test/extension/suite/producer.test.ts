import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import { toDisplayJson } from '../../../src/core/codec/displayValue';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { fetchRecord } from '../../../src/core/kafka/recordFetch';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import type { ImportSummary } from '../../../src/core/produce/fileImport';
import type { ProducerPanel } from '../../../src/webviews/producerPanel/producerPanel';
import { PRODUCER_ROOT_ID } from '../../../src/webviews/producerPanel/protocol';
import { services, uniqueName, waitFor } from '../../support/services';

// The producer form in a real VS Code webview against the real broker and registry, driven from
// OUTSIDE through the browser (scripts/lib/webviewProbe.mjs): real clicks and typing, a schema
// mismatch shown at its field with nothing written, then a send verified on the broker.

const kafkaSupport = () => import('../../support/kafka');
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

describe('the producer form in a real VS Code, on the real broker and registry', function () {
  this.timeout(180_000);
  let api: KafkaLabApi;
  let clusterId: string;
  const topic = uniqueName('ext-produce');
  const registry = new SchemaRegistryClient({ id: 'ext-produce', url: services.registry.url });
  const subject = `${topic}-value`;
  const schema = {
    type: 'record',
    name: 'Payment',
    namespace: 'lab.ext',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
      { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD'] } },
    ],
  };

  before(async function () {
    if (!PROBE_URL) this.skip(); // only the code-server runner can look into webviews
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Producer test',
      bootstrapServers: services.kafka.plaintext,
      registry: { url: services.registry.url },
    });
    await (await kafkaSupport()).createTopic(topic, 1);
    const registered = await registry.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(schema) });
    assert.ok(registered.ok, registered.ok ? '' : registered.error.message);
  });

  after(async () => {
    if (!PROBE_URL) return;
    api.producing.panels.dispose();
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    await (await kafkaSupport()).deleteTopicsQuietly(topic);
    await registry.deleteSubject(subject);
    await registry.deleteSubject(subject, { permanent: true });
    registry.close();
  });

  const endOffset = async (): Promise<number> =>
    (await kafkaSupport()).withAdmin(async (admin) => Number((await admin.fetchTopicOffsets(topic))[0].high));

  it('shows a schema mismatch at the field and sends nothing; then a fixed value is sent and is on the broker', async () => {
    const panel = await vscode.commands.executeCommand<ProducerPanel>('kafkaLab.produceMessage', { clusterId, topic });
    assert.ok(panel, 'Produce Message opened no panel');
    await panel.host.whenReady();
    await waitFor('the partitions in the form', 20_000, async () =>
      (await evaluate<number>(`document.getElementById('partition').options.length`)) === 2 ? true : undefined,
    );

    // A user picks the registry form and types a value whose amount has too many places and whose currency is unknown.
    await probe({ op: 'select', selector: '#value-form', value: 'schema' });
    await probe({ op: 'select', selector: '#value-schema-format', value: 'avro' });
    await probe({ op: 'fill', selector: '#key-text', value: 'pay-1' });
    await probe({
      op: 'fill',
      selector: '#value-text',
      value: JSON.stringify({ id: 'pay-1', amount: '12.345', currency: 'GBP' }, null, 2),
    });
    await probe({ op: 'fill', selector: '#headers', value: 'source: producer-form test' });
    await probe({ op: 'click', selector: '#send' });
    const paths = await waitFor('the field errors at the value', 30_000, async () => {
      const found = await evaluate<string[] | null>(
        `(() => { const e = document.querySelector('.field-error[data-field="value"]'); if (!e || e.hidden) return null; return [...e.querySelectorAll('[data-path]')].map((li) => li.dataset.path); })()`,
      );
      return found && found.length ? found : undefined;
    });
    assert.deepEqual([...paths].sort(), ['$.amount', '$.currency']);
    assert.equal(
      await evaluate<string | null>(`document.getElementById('value-text').getAttribute('aria-invalid')`),
      'true',
    );
    assert.ok(api.producing.panels.entries().length === 1);
    const outcome = panel.lastOutcome;
    assert.ok(outcome && !outcome.ok, 'the host kept a failed outcome');
    assert.equal(await endOffset(), 0, 'nothing was written');
    await screenshot('producer-field-error');

    // Fixed: the same form, a valid value.
    await probe({
      op: 'fill',
      selector: '#value-text',
      value: JSON.stringify({ id: 'pay-1', amount: '12.34', currency: 'EUR' }, null, 2),
    });
    await probe({ op: 'click', selector: '#send' });
    const offset = await waitFor('the sent result', 30_000, async () => {
      const value = await evaluate<string | null>(`document.querySelector('.result').dataset.offset ?? null`);
      return value ?? undefined;
    });
    assert.equal(offset, '0');
    assert.equal(
      await evaluate<boolean>(`document.querySelector('.field-error[data-field="value"]').hidden`),
      true,
      'the field error is cleared',
    );
    assert.equal(await endOffset(), 1);
    const record = await fetchRecord({ bootstrapServers: services.kafka.plaintext }, topic, 0, 0, 15_000);
    assert.equal(record.key?.toString(), 'pay-1');
    assert.deepEqual(
      record.headers?.map((h) => Object.entries(h).map(([k, v]) => [k, String(v)])),
      [[['source', 'producer-form test']]],
    );
    const decoder = new PayloadDecoder({ schemas: new SchemaCache(registry) });
    const decoded = await decoder.decode(record.value, { topic, role: 'value' });
    assert.ok(decoded.ok && decoded.format === 'avro', 'the value is Avro in the wire format');
    assert.deepEqual(toDisplayJson((decoded as { value: unknown }).value), {
      id: 'pay-1',
      amount: '12.34',
      currency: 'EUR',
    });
    await screenshot('producer-sent');

    // Produce Copy of that record fills the same form with it (exact bytes read by offset, no group).
    await vscode.commands.executeCommand('kafkaLab.produceCopy', { clusterId, topic, partition: 0, offset: 0 });
    await waitFor('the copy in the form', 20_000, async () =>
      (await evaluate<string>(`document.getElementById('value-text').value`)).includes('"12.34"') &&
      (await evaluate<string>(`document.querySelector('.prefill-note').textContent`)).includes('offset 0')
        ? true
        : undefined,
    );
  });

  it('Produce from File sends a document and names the bad record by line and column', async () => {
    const text = [
      '{"key": "f-1", "value": {"n": 1}}',
      '{"key": "f-2", "value": {"n": 2}',
      '{"key": "f-3", "value": "three"}',
    ].join('\n');
    const summary = await vscode.commands.executeCommand<ImportSummary>('kafkaLab.produceFromFile', {
      clusterId,
      topic,
      text,
      format: 'ndjson',
      onBadRecord: 'skip',
    });
    assert.equal(summary.sent, 2);
    assert.deepEqual(
      summary.failures.map((f) => [f.index, f.line, f.column]),
      [[1, 2, 33]],
    );
    assert.equal(await endOffset(), 3);
  });
});
