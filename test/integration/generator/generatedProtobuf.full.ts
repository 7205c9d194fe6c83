// The generated projects on a Protobuf value subject of the real registry: the TypeScript consumer
// decodes through the registry with protobufjs to the proto3 JSON mapping (int64 and uint64 exact,
// Timestamp to the microsecond, enums by name, bytes base64, the message the record's index names),
// the Python consumer gets instances of the message classes generated from the subject for
// confluent-kafka's ProtobufDeserializer; in both, a record not in the wire format is dead-lettered.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PayloadEncoder } from '../../../src/core/codec/payloadEncoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { defaultGeneratorInput, type GeneratorInput } from '../../../src/core/generator/generatorInput';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { CommittedReader } from '../../support/committedReader';
import { createTopic, deleteTopicsQuietly, kafkaClient, withAdmin } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { ConsumerProcess, pythonFor, removeProjects, repoRoot, run, writeProject } from './generatedProject';

const PROTO = `syntax = "proto3";
package lab.generated;

import "google/protobuf/timestamp.proto";

message OrderPlaced {
  int64 id = 1;
  string note = 2;
  google.protobuf.Timestamp placedAt = 3;
  Status status = 4;
  repeated Line lines = 5;
  map<string, int32> tags = 6;
  bytes blob = 7;

  message Line {
    string sku = 1;
    uint64 qty = 2;
  }
  enum Status {
    STATUS_UNKNOWN = 0;
    STATUS_PAID = 1;
  }
}

message Refund {
  string reason = 1;
}
`;

const ORDER = {
  id: '9223372036854775807',
  note: 'first',
  placedAt: '2026-11-30T12:34:56.789123Z',
  status: 'STATUS_PAID',
  lines: [{ sku: 'a-1', qty: '18446744073709551615' }],
  tags: { gift: 1 },
  blob: 'AQL/',
};

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const reader = await CommittedReader.open(services.kafka.plaintext, groupId);
  try {
    return [...(await reader.read(topic, [0])).values()].reduce((n, o) => n + Math.max(0, o), 0);
  } finally {
    await reader.close();
  }
}

describe('generated consumer projects on a Protobuf subject of the real registry', function () {
  this.timeout(15 * 60_000);
  const client = new SchemaRegistryClient({ id: 'it-generator-proto', url: services.registry.url });
  const topic = uniqueName('it-gen-proto');
  const subject = `${topic}-value`;
  const groups: string[] = [];
  const processes: ConsumerProcess[] = [];
  let schema: { id: number; version: number };

  before(async () => {
    await createTopic(topic, 1);
    await createTopic(`${topic}.dead-letter`, 1);
    const encoder = new PayloadEncoder({ registry: client, schemas: new SchemaCache(client) });
    const order = await encoder.encode({
      format: 'protobuf',
      topic,
      role: 'value',
      input: { value: ORDER },
      register: { schema: PROTO },
    });
    assert.ok(order.ok, order.ok ? '' : order.error.message);
    const refund = await encoder.encode({
      format: 'protobuf',
      topic,
      role: 'value',
      messageType: 'lab.generated.Refund',
      input: { value: { reason: 'late' } },
    });
    assert.ok(refund.ok, refund.ok ? '' : refund.error.message);
    const latest = await client.getSchemaByVersion(subject, 'latest');
    assert.ok(latest.ok);
    schema = { id: latest.value.id, version: latest.value.version };
    const producer = kafkaClient().producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: [
          { key: 'order', value: order.bytes as Buffer },
          { key: 'refund', value: refund.bytes as Buffer },
          { key: 'poison', value: Buffer.from('plain text') },
        ],
      });
    } finally {
      await producer.disconnect();
    }
  });

  after(async () => {
    for (const p of processes) await p.kill();
    await deleteTopicsQuietly(topic, `${topic}.dead-letter`);
    for (const g of groups) await withAdmin((admin) => admin.deleteGroups([g])).catch(() => undefined);
    await client.deleteSubject(subject).catch(() => undefined);
    await client.deleteSubject(subject, { permanent: true }).catch(() => undefined);
    client.close();
    removeProjects();
  });

  const input = (language: GeneratorInput['language'], groupId: string): GeneratorInput =>
    defaultGeneratorInput({
      language,
      groupId,
      topics: [topic],
      valueFormat: 'protobuf',
      schema: { subject, version: schema.version, id: schema.id, schema: PROTO },
      commitPolicy: { kind: 'perMessage' },
      connection: { bootstrapServers: services.kafka.plaintext, schemaRegistryUrl: services.registry.url },
    });

  async function consume(dir: string, groupId: string, command: readonly string[]): Promise<void> {
    const consumer = new ConsumerProcess(command[0] as string, command.slice(1), dir, {
      ...process.env,
      SEEN_FILE: path.join(dir, 'seen.txt'),
      PYTHONUNBUFFERED: '1',
    });
    processes.push(consumer);
    await waitFor('the Protobuf topic committed to its end', 90_000, async () => {
      if (!consumer.running) throw new Error(`the consumer exited:\n${consumer.log}`);
      return (await committedTotal(groupId, topic)) === 3 ? true : undefined;
    });
    consumer.signal('SIGTERM');
    assert.equal((await consumer.waitForExit(60_000)).code, 0, consumer.log.slice(-3000));
    assert.match(consumer.log, /dead-lettered .*MessageDecodeError|dead-lettered .*magic byte/);
  }

  it('TypeScript: the interfaces compile strict; int64, uint64, Timestamp, enum, bytes, map and the second message decode exactly', async () => {
    const groupId = uniqueName('gen-proto-ts');
    groups.push(groupId);
    const dir = writeProject(input('typescript', groupId), 'gen-proto-ts');
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    assert.match(fs.readFileSync(path.join(dir, 'src', 'types.ts'), 'utf8'), /export interface OrderPlaced \{/);
    fs.writeFileSync(
      path.join(dir, 'src', 'handler.ts'),
      `import { appendFileSync } from 'node:fs';
import type { HandlerContext, HandlerMessage, HandlerResult } from './contract';
import type { AnyMessage } from './types';

export class InvalidMessage extends Error {}

export async function handle(message: HandlerMessage<AnyMessage | null>, _context: HandlerContext): Promise<HandlerResult> {
  // The record may be the schema's second message (a Refund): no lines then.
  const value = message.value;
  const qty: string | undefined = value && 'lines' in value ? value.lines[0]?.qty : undefined;
  appendFileSync(process.env.SEEN_FILE as string, JSON.stringify({ value: message.value, qty, format: message.format.value }) + '\\n');
  return undefined;
}
`,
    );
    await run(path.join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', '.'], {
      cwd: dir,
      timeoutMs: 180_000,
      what: 'tsc (strict) with the Protobuf types',
    });
    await consume(dir, groupId, [process.execPath, 'dist/src/consumer.js']);
    const seen = fs
      .readFileSync(path.join(dir, 'seen.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { value: unknown; qty?: string; format: unknown });
    assert.deepEqual(
      seen.map((s) => s.value),
      [ORDER, { reason: 'late' }],
    );
    assert.equal(seen[0]?.qty, '18446744073709551615');
    assert.deepEqual(seen[0]?.format, { format: 'protobuf', schemaId: schema.id });
  });

  it('Python: ProtobufDeserializer with the generated message classes gives ints, a Timestamp, the enum and the second message', async () => {
    const groupId = uniqueName('gen-proto-py');
    groups.push(groupId);
    const dir = writeProject(input('python', groupId), 'gen-proto-py');
    const python = await pythonFor(dir);
    fs.writeFileSync(
      path.join(dir, 'src', 'handler.py'),
      `import os

from model import OrderPlaced


def handle(message, context):
    v = message.value
    if isinstance(v, OrderPlaced):
        line = (type(v).__name__, v.id, v.note, v.placedAt.ToJsonString(), OrderPlaced.Status.Name(v.status), [(l.sku, l.qty) for l in v.lines], dict(v.tags), v.blob)
    else:
        line = (type(v).__name__, v.reason)
    with open(os.environ["SEEN_FILE"], "a") as f:
        f.write(repr(line) + " " + message.format["value"]["format"] + "\\n")
`,
    );
    await consume(dir, groupId, [python, 'src/consumer.py']);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'seen.txt'), 'utf8').trim().split('\n'), [
      "('OrderPlaced', 9223372036854775807, 'first', '2026-11-30T12:34:56.789123Z', 'STATUS_PAID', [('a-1', 18446744073709551615)], {'gift': 1}, b'\\x01\\x02\\xff') protobuf",
      "('Refund', 'late') protobuf",
    ]);
  });
});
