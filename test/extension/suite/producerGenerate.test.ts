import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import { toDisplayJson } from '../../../src/core/codec/displayValue';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import type { ProducerPanel } from '../../../src/webviews/producerPanel/producerPanel';
import { PRODUCER_ROOT_ID } from '../../../src/webviews/producerPanel/protocol';
import { services, uniqueName, waitFor } from '../../support/services';
import { PROBE_URL, evaluateIn, probeIn, screenshot } from '../support/browser';

// Generate from schema and Produce N in the producer form, in a real VS Code webview against the
// real broker and registry, driven from outside through the browser (scripts/lib/webviewProbe.mjs).
// What arrives on the broker is read back by assignment (no group) and decoded against the schema.

const kafkaSupport = () => import('../../support/kafka');
const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';

const probe = <T = Record<string, unknown>>(request: Record<string, unknown>) => probeIn<T>(PRODUCER_ROOT_ID, request);

const evaluate = <T>(expression: string) => evaluateIn<T>(PRODUCER_ROOT_ID, expression);

interface Status {
  phase: string | null;
  run: string | null;
  sent: string | null;
  text: string;
}

const statusOf = (): Promise<Status> =>
  evaluate<Status>(
    `(() => { const e = document.getElementById('generate-status'); return { phase: e.getAttribute('data-phase'), run: e.getAttribute('data-run'), sent: e.getAttribute('data-sent'), text: e.textContent }; })()`,
  );

/** Waits until the status shows one of `phases` (for run `run` when given). */
async function statusIn(phases: readonly string[], what: string, timeoutMs: number, run?: number): Promise<Status> {
  return waitFor(what, timeoutMs, async () => {
    const s = await statusOf();
    return s.phase && phases.includes(s.phase) && (run === undefined || s.run === String(run)) ? s : undefined;
  });
}

function jsonSchemaFakerLoaded(): boolean {
  return Object.keys(require.cache).some((file) => file.endsWith(`${path.sep}dist${path.sep}jsonSchemaFaker.js`));
}

describe('Generate from schema and Produce N in the producer form (real VS Code, broker, registry)', function () {
  this.timeout(240_000);
  let api: KafkaLabApi;
  let clusterId: string;
  const base = uniqueName('ext-generate');
  const suffix = base.replace(/[^A-Za-z0-9]/g, '_');
  const topics = { avro: `${base}-avro`, cancel: `${base}-cancel`, json: `${base}-json`, refused: `${base}-refused` };
  const subjects = Object.values(topics).map((t) => `${t}-value`);
  const registry = new SchemaRegistryClient({ id: 'ext-generate', url: services.registry.url });
  const avroSchema = {
    type: 'record',
    name: `Reading_${suffix}`,
    namespace: 'lab.ext.generate',
    fields: [
      { name: 'sensor', type: 'string' },
      { name: 'count', type: 'long' },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'level', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
      { name: 'state', type: { type: 'enum', name: 'State', symbols: ['OK', 'WARN', 'FAIL'] } },
      { name: 'note', type: ['null', 'string'], default: null },
      { name: 'tags', type: { type: 'array', items: 'string' } },
    ],
  };
  let avroId = 0;

  const endOffsets = async (topic: string): Promise<number> =>
    (await kafkaSupport()).withAdmin(async (admin) =>
      (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0),
    );

  const openForm = async (topic: string): Promise<ProducerPanel> => {
    api.producing.panels.dispose(); // one form at a time: the probe finds the first frame with the form's root
    const panel = await vscode.commands.executeCommand<ProducerPanel>('kafkaLab.produceMessage', { clusterId, topic });
    assert.ok(panel, 'Produce Message opened no panel');
    await panel.host.whenReady();
    await waitFor('the form', 20_000, async () =>
      (await evaluate<boolean>(`!!document.getElementById('generate')`)) ? true : undefined,
    );
    return panel;
  };

  before(async function () {
    if (!PROBE_URL) this.skip(); // only the code-server runner can look into webviews
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Generate test',
      bootstrapServers: services.kafka.plaintext,
      registry: { url: services.registry.url },
    });
    const kafka = await kafkaSupport();
    await kafka.createTopic(topics.avro, 2);
    await kafka.createTopic(topics.cancel, 1);
    await kafka.createTopic(topics.json, 1);
    await kafka.createTopic(topics.refused, 1);
    const avro = await registry.register(`${topics.avro}-value`, {
      schemaType: 'AVRO',
      schema: JSON.stringify(avroSchema),
    });
    assert.ok(avro.ok, avro.ok ? '' : avro.error.message);
    avroId = avro.value.id;
    for (const topic of [topics.cancel]) {
      const r = await registry.register(`${topic}-value`, { schemaType: 'AVRO', schema: JSON.stringify(avroSchema) });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
    }
    const json = await registry.register(`${topics.json}-value`, {
      schemaType: 'JSON',
      schema: JSON.stringify({
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: {
          email: { type: 'string', format: 'email' },
          qty: { type: 'integer', minimum: 1, maximum: 9 },
        },
        required: ['email', 'qty'],
        additionalProperties: false,
      }),
    });
    assert.ok(json.ok, json.ok ? '' : json.error.message);
    // A schema Generate refuses: the jsonPath keyword would evaluate script expressions.
    const refused = await registry.register(`${topics.refused}-value`, {
      schemaType: 'JSON',
      schema: JSON.stringify({
        type: 'object',
        properties: { x: { type: 'string', jsonPath: '$..x' } },
        required: ['x'],
      }),
    });
    assert.ok(refused.ok, refused.ok ? '' : refused.error.message);
  });

  after(async () => {
    if (!PROBE_URL) return;
    api.producing.panels.dispose();
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    await (await kafkaSupport()).deleteTopicsQuietly(...Object.values(topics));
    for (const subject of subjects) {
      await registry.deleteSubject(subject);
      await registry.deleteSubject(subject, { permanent: true });
    }
    registry.close();
  });

  it('Generate fills the value from the topic’s Avro value subject; Produce N sends N records that decode against it', async () => {
    const panel = await openForm(topics.avro);
    // The value is still in the JSON form: Generate takes the topic's value subject by default.
    assert.equal(await evaluate<string>(`document.getElementById('value-form').value`), 'json');
    await probe({ op: 'fill', selector: '#generate-seed', value: '7' });
    await probe({ op: 'click', selector: '#generate' });
    const generated = await statusIn(['generated', 'failed'], 'the generated value', 30_000);
    assert.equal(generated.phase, 'generated', generated.text);
    assert.match(generated.text, new RegExp(`${topics.avro}-value version 1 \\(seed 7\\)`));
    assert.equal(await evaluate<string>(`document.getElementById('value-form').value`), 'schema');
    assert.equal(await evaluate<string>(`document.getElementById('value-schema-format').value`), 'avro');
    const text = await evaluate<string>(`document.getElementById('value-text').value`);
    const value = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(value).sort(), avroSchema.fields.map((f) => f.name).sort());
    assert.match(String(value.at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'the timestamp is readable');
    assert.match(String(value.level), /^-?\d+\.\d{2}$/, 'the decimal is an exact string with its scale');
    // The same seed gives the same value.
    await probe({ op: 'fill', selector: '#value-text', value: '' });
    await probe({ op: 'click', selector: '#generate' });
    await waitFor('the same value again', 30_000, async () =>
      (await evaluate<string>(`document.getElementById('value-text').value`)) === text ? true : undefined,
    );

    // Produce N: 40 records with the typed key and header.
    await probe({ op: 'fill', selector: '#key-text', value: 'sensor-key' });
    await probe({ op: 'fill', selector: '#headers', value: 'source: generate test' });
    await probe({ op: 'fill', selector: '#generate-count', value: '40' });
    await probe({ op: 'fill', selector: '#generate-seed', value: '' });
    await probe({ op: 'click', selector: '#produce-n' });
    const done = await statusIn(['complete', 'stopped', 'failed', 'cancelled'], 'Produce N to end', 120_000, 1);
    assert.equal(done.phase, 'complete', done.text);
    assert.equal(done.sent, '40');
    assert.match(done.text, /Sent all 40 generated records \(seed \d+\)/);
    const summary = panel.lastGenerated;
    assert.ok(summary, 'the host kept the summary');
    assert.equal(summary.sent, 40);
    assert.equal(summary.failed, 0);
    assert.equal(
      summary.partitions.reduce((n, p) => n + p.count, 0),
      40,
    );
    await screenshot('producer-generate');

    // On the broker: exactly 40, each an Avro record of the registered schema, with key and header.
    assert.equal(await endOffsets(topics.avro), 40);
    const { readDeadLetters } = await import('../../../src/core/dlq/deadLetterReader');
    const read = await readDeadLetters({
      connection: { bootstrapServers: services.kafka.plaintext },
      topic: topics.avro,
      timeoutMs: 60_000,
    });
    assert.equal(read.records.length, 40);
    const decoder = new PayloadDecoder({ schemas: new SchemaCache(registry) });
    const seen = new Set<string>();
    for (const record of read.records) {
      assert.equal(record.key?.toString(), 'sensor-key');
      assert.deepEqual(
        record.headers?.map((h) => Object.entries(h).map(([k, v]) => [k, String(v)])),
        [[['source', 'generate test']]],
      );
      const decoded = await decoder.decode(record.value, { topic: topics.avro, role: 'value' });
      assert.ok(
        decoded.ok && decoded.format === 'avro',
        `offset ${record.offset} is not Avro: ${decoded.ok ? decoded.format : decoded.error.message}`,
      );
      assert.equal(decoded.schema.id, avroId);
      const shown = toDisplayJson(decoded.value) as Record<string, unknown>;
      assert.ok(['OK', 'WARN', 'FAIL'].includes(String(shown.state)));
      assert.ok(shown.note === null || typeof shown.note === 'string');
      assert.ok(Array.isArray(shown.tags));
      seen.add(JSON.stringify(shown));
    }
    assert.ok(seen.size > 1, 'the records differ from one another');
  });

  it('Produce N at a rate can be cancelled, and the summary counts exactly what the broker has', async () => {
    const panel = await openForm(topics.cancel);
    await probe({ op: 'fill', selector: '#generate-count', value: '100000' });
    await probe({ op: 'fill', selector: '#generate-rate', value: '20' });
    await probe({ op: 'click', selector: '#produce-n' });
    await waitFor('a few records sent at 20/s', 60_000, async () => {
      const s = await statusOf();
      return s.phase === 'running' && Number(s.sent) >= 3 ? true : undefined;
    });
    assert.equal(await evaluate<boolean>(`document.getElementById('cancel-generated').hidden`), false);
    await probe({ op: 'click', selector: '#cancel-generated' });
    const done = await statusIn(['cancelled', 'complete', 'stopped', 'failed'], 'the cancelled run', 60_000);
    assert.equal(done.phase, 'cancelled', done.text);
    const summary = panel.lastGenerated;
    assert.ok(summary);
    assert.equal(summary.outcome, 'cancelled');
    assert.ok(summary.sent >= 3 && summary.sent < 100_000, `sent ${summary.sent}`);
    assert.equal(done.sent, String(summary.sent));
    assert.match(done.text, new RegExp(`Cancelled: ${summary.sent.toLocaleString('en-US')} of 100,000`));
    assert.equal(await endOffsets(topics.cancel), summary.sent, 'the broker has exactly what the summary says');
    assert.equal(await evaluate<boolean>(`document.getElementById('cancel-generated').hidden`), true);
  });

  it('a JSON Schema subject generates through json-schema-faker, loaded on first use from its own bundle', async () => {
    const panel = await openForm(topics.json);
    await probe({ op: 'click', selector: '#generate' });
    const generated = await statusIn(['generated', 'failed'], 'the generated JSON Schema value', 30_000);
    assert.equal(generated.phase, 'generated', generated.text);
    assert.equal(await evaluate<string>(`document.getElementById('value-schema-format').value`), 'jsonSchema');
    const value = JSON.parse(await evaluate<string>(`document.getElementById('value-text').value`)) as {
      email: string;
      qty: number;
    };
    assert.deepEqual(Object.keys(value).sort(), ['email', 'qty']);
    assert.match(value.email, /@/);
    assert.ok(Number.isInteger(value.qty) && value.qty >= 1 && value.qty <= 9);
    assert.ok(jsonSchemaFakerLoaded(), 'dist/jsonSchemaFaker.js was loaded for the JSON Schema');
    await probe({ op: 'fill', selector: '#generate-count', value: '5' });
    await probe({ op: 'click', selector: '#produce-n' });
    const done = await statusIn(['complete', 'stopped', 'failed', 'cancelled'], 'Produce N to end', 60_000);
    assert.equal(done.phase, 'complete', done.text);
    assert.equal(panel.lastGenerated?.sent, 5);
    assert.equal(await endOffsets(topics.json), 5);
  });

  it('a schema Generate cannot work from, and a subject that does not exist, say so and send nothing', async () => {
    await openForm(topics.refused);
    await probe({ op: 'click', selector: '#generate' });
    const refused = await statusIn(['failed', 'generated'], 'the refusal', 30_000);
    assert.equal(refused.phase, 'failed');
    assert.match(refused.text, /jsonPath/);
    assert.match(refused.text, /Type the value by hand/);
    await probe({ op: 'click', selector: '#produce-n' });
    const failed = await statusIn(['failed'], 'Produce N refused', 30_000, 1);
    assert.match(failed.text, /jsonPath/);

    // The value form names a subject the registry does not have.
    await probe({ op: 'select', selector: '#value-form', value: 'schema' });
    await probe({ op: 'select', selector: '#value-schema-format', value: 'avro' });
    await probe({ op: 'fill', selector: '#value-subject', value: `${topics.refused}-missing` });
    await probe({ op: 'click', selector: '#generate' });
    const missing = await waitFor('the unknown subject', 30_000, async () => {
      const s = await statusOf();
      return s.phase === 'failed' && s.text.includes('-missing') ? s : undefined;
    });
    assert.match(missing.text, new RegExp(`${topics.refused}-missing`));
    assert.equal(await endOffsets(topics.refused), 0, 'nothing was written');
  });
});
