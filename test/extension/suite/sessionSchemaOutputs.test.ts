import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import { toDisplayJson } from '../../../src/core/codec/displayValue';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { services, uniqueName, waitFor } from '../../support/services';

// A handler of one's own, run from a kafka-lab launch configuration (Run Handler) in a real VS Code,
// exactly-once, on a cluster connection with a Schema Registry: its outputs ask for Avro
// (valueSchema), and the extension host encodes them through the connection's registry before they
// join the transaction. A read_committed reader decodes them through the registry, exact; the
// input whose output does not fit is dead-lettered with the field named.

const kafkaSupport = () => import('../../support/kafka');
const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';

describe('Schema-encoded handler outputs through the cluster connection’s registry (real VS Code, broker and registry)', function () {
  this.timeout(150_000);
  let api: KafkaLabApi;
  let clusterId: string;
  const input = uniqueName('ext-sout-in');
  const output = uniqueName('ext-sout-out');
  const dlq = `${input}.dead-letter`;
  const groupId = uniqueName('ext-sout-group');
  const subject = `${output}-value`;
  const registry = new SchemaRegistryClient({ id: 'ext-schema-outputs', url: services.registry.url });
  const handlerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-sout-'));
  let schemaId = 0;

  before(async () => {
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Schema outputs test',
      bootstrapServers: services.kafka.plaintext,
      registry: { url: services.registry.url, auth: 'none' },
    });
    const kafka = await kafkaSupport();
    await Promise.all([kafka.createTopic(input, 1), kafka.createTopic(output, 1), kafka.createTopic(dlq, 1)]);
    const registered = await registry.register(subject, {
      schemaType: 'AVRO',
      schema: JSON.stringify({
        type: 'record',
        name: `Order_${output.replace(/[^A-Za-z0-9]/g, '_')}`,
        namespace: 'lab.ext',
        fields: [
          { name: 'id', type: 'long' },
          { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 } },
          { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        ],
      }),
    });
    assert.ok(registered.ok, registered.ok ? '' : registered.error.message);
    schemaId = registered.value.id;
    const producer = kafka.kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: [
        { id: '9223372036854775807', amount: '1234567890123456.78', at: '2026-11-01T10:20:30.123Z' },
        { id: '2', amount: '0.125', at: '2026-11-01T10:20:30.123Z' },
        { id: '3', amount: '-7.5', at: '1970-01-01T00:00:00.000Z' },
      ].map((v, i) => ({ key: `k${i}`, value: JSON.stringify(v) })),
    });
    await producer.disconnect();
  });

  after(async () => {
    if (!api) return;
    await api.sessions.manager.stopAll(15_000).catch(() => undefined);
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    const kafka = await kafkaSupport();
    await kafka.deleteTopicsQuietly(input, output, dlq);
    await kafka.withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
    await registry.deleteSubject(subject).catch(() => undefined);
    await registry.deleteSubject(subject, { permanent: true }).catch(() => undefined);
    registry.close();
    fs.rmSync(handlerDir, { recursive: true, force: true });
  });

  it('Run Handler, exactly-once: the outputs are Avro of the subject, exact for a read_committed reader; one that does not fit is dead-lettered naming the field', async () => {
    const handler = path.join(handlerDir, 'priceOrder.js');
    fs.writeFileSync(
      handler,
      [
        'exports.handle = async (message, context) => {',
        '  const o = message.value;',
        `  context.send({ topic: ${JSON.stringify(output)}, key: message.raw.key, value: { id: BigInt(o.id), amount: o.amount, at: o.at }, valueSchema: { format: 'avro' } });`,
        '};',
        '',
      ].join('\n'),
    );
    await vscode.debug.startDebugging(
      vscode.workspace.workspaceFolders?.[0],
      {
        type: 'kafka-lab',
        request: 'launch',
        name: 'Schema outputs test',
        handler,
        cluster: 'Schema outputs test',
        topics: [input],
        groupId,
        mode: 'running',
        delivery: 'exactly-once',
        commitPolicy: { maxMessages: 100, maxIntervalMs: 200 },
      },
      { noDebug: true },
    );
    const controller = await waitFor('the handler session', 30_000, () =>
      api.sessions.manager.list().find((c) => c.spec.groupId === groupId),
    );
    const kafka = await kafkaSupport();
    await waitFor('the three inputs committed', 60_000, async () =>
      (await kafka.committedOffsets(groupId, input)).get(0) === 3 ? true : undefined,
    );
    await vscode.commands.executeCommand('kafkaLab.stopSession', controller.id);

    const { readTopic } = await import('../../support/topicReader');
    const records = await readTopic(output, 'read_committed', 30_000);
    const decoder = new PayloadDecoder({ schemas: new SchemaCache(registry) });
    const values: unknown[] = [];
    for (const r of records) {
      const decoded = await decoder.decode(r.value, { topic: output, role: 'value' });
      assert.ok(decoded.ok && 'schema' in decoded, decoded.ok ? decoded.format : decoded.error.message);
      assert.equal(decoded.schema.id, schemaId, 'framed with the id of the subject’s latest version');
      values.push({ key: r.key, value: toDisplayJson(decoded.value) });
    }
    assert.deepEqual(values, [
      {
        key: 'k0',
        value: { id: '9223372036854775807', amount: '1234567890123456.78', at: '2026-11-01T10:20:30.123Z' },
      },
      { key: 'k2', value: { id: 3, amount: '-7.50', at: '1970-01-01T00:00:00.000Z' } },
    ]);
    const dead = await readTopic(dlq, 'read_committed', 30_000);
    assert.equal(dead.length, 1);
    const envelope = JSON.parse(dead[0]!.value!.toString()) as {
      original_offset: number;
      error_type: string;
      error_message: string;
    };
    assert.equal(envelope.original_offset, 1);
    assert.equal(envelope.error_type, 'OutputEncodeError');
    assert.match(envelope.error_message, /output 1: the value could not be encoded as Avro: .*\$\.amount/);
  });
});
