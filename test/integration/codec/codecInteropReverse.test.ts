import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SchemaDecoded } from '../../../src/core/codec/decodeResult';
import { buildDisplay } from '../../../src/core/codec/displayModel';
import { toDisplayJson } from '../../../src/core/codec/displayValue';
import { parseJsonExact } from '../../../src/core/codec/losslessJson';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { PayloadEncoder, type EncodeRequest } from '../../../src/core/codec/payloadEncoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { createTopic, deleteTopicsQuietly, kafkaClient } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';
import { interopView } from './support/interopView';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const interopDir = path.join(repoRoot, 'test', 'integration', 'codec', 'interop');

interface Corpus {
  avro: { schema: unknown; records: Record<string, unknown>[] };
  json: { schema: unknown; records: string[] };
}

/** The same message as interop/wktEvent.py builds from a descriptor. */
const wktEventProto = (pkg: string): string => `syntax = "proto3";
package ${pkg};
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/any.proto";

enum Level { LEVEL_UNKNOWN = 0; LEVEL_HIGH = 1; }
message Event {
  google.protobuf.Timestamp at = 1;
  google.protobuf.Duration took = 2;
  google.protobuf.Int64Value big = 3;
  google.protobuf.StringValue note = 4;
  google.protobuf.BoolValue flag = 5;
  google.protobuf.Struct attrs = 6;
  google.protobuf.ListValue list = 7;
  google.protobuf.Value any_json = 8;
  google.protobuf.FieldMask mask = 9;
  google.protobuf.Any detail = 10;
  int64 min = 11;
  uint64 max = 12;
  double ratio = 13;
  Level level = 14;
  repeated google.protobuf.Timestamp history = 15;
}
message Detail { string code = 1; google.protobuf.Timestamp seen = 2; }
`;

/** The canonical proto3 JSON of an Event: what we encode, and what MessageToDict must read back. */
const wktEvent = (pkg: string): Record<string, unknown> => ({
  at: '0001-01-01T00:00:00Z',
  took: '0.000000001s',
  big: '9223372036854775807',
  note: 'a😀b𝄞',
  flag: true,
  attrs: { nested: { deep: [1, 'x', null, false] }, empty: {} },
  list: [],
  any_json: { k: 'v' },
  mask: 'a.bC,d',
  detail: { '@type': `type.googleapis.com/${pkg}.Detail`, code: '', seen: '9999-12-31T23:59:59.999999999Z' },
  min: '-9223372036854775808',
  max: '18446744073709551615',
  ratio: '-Infinity',
  level: 'LEVEL_UNKNOWN',
  history: ['1969-12-31T23:59:59.999Z'],
});

/**
 * Reverse interop: this codec encodes (Avro with every logical type, Protobuf with well-known
 * types, JSON Schema) against the real registry and produces to the real broker; Confluent's own
 * Python deserializers (confluent-kafka from PyPI) read the same values back.
 */
describe("reverse codec interop: Confluent's Python deserializers read what we encode", function () {
  this.timeout(90_000);
  const topic = uniqueName('it-codec-reverse');
  const runId = randomBytes(4).toString('hex');
  const pkg = `lab.interop.r${runId}.wkt`;
  const corpus = JSON.parse(fs.readFileSync(path.join(interopDir, 'edgeCorpus.json'), 'utf8')) as Corpus;
  const registry = new SchemaRegistryClient({ id: 'interop-reverse', url: services.registry.url });
  const schemas = new SchemaCache(registry);
  const encoder = new PayloadEncoder({ registry, schemas });
  const decoder = new PayloadDecoder({ schemas });
  const sent: { label: string; format: 'avro' | 'protobuf' | 'json'; bytes: Buffer }[] = [];
  let shown = new Map<string, unknown>();
  let python = '';

  before(async function () {
    try {
      python = execFileSync('bash', [path.join(repoRoot, 'scripts', 'interop.sh'), 'python'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    } catch {
      console.warn('    interop peer not installed (run: bash scripts/interop.sh); skipping');
      this.skip();
    }
    await createTopic(topic, 1);
    const encode = async (
      label: string,
      format: 'avro' | 'protobuf' | 'json',
      request: EncodeRequest,
    ): Promise<void> => {
      const result = await encoder.encode(request);
      assert.ok(result.ok && result.bytes, `${label}: ${result.ok ? 'no bytes' : result.error.message}`);
      sent.push({ label, format, bytes: result.bytes });
    };
    const common = { topic, role: 'value' as const, strategy: 'TopicRecordName' as const };
    for (const [i, record] of corpus.avro.records.entries()) {
      await encode(`avro-${i}`, 'avro', {
        ...common,
        format: 'avro',
        input: { value: record },
        register: { schema: JSON.stringify(corpus.avro.schema) },
      });
    }
    await encode('protobuf-wkt', 'protobuf', {
      ...common,
      format: 'protobuf',
      input: { value: wktEvent(pkg) },
      register: { schema: wktEventProto(pkg) },
      messageType: `${pkg}.Event`,
    });
    for (const [i, text] of corpus.json.records.entries()) {
      await encode(`json-${i}`, 'json', {
        ...common,
        format: 'jsonSchema',
        input: { json: text },
        register: { schema: JSON.stringify(corpus.json.schema) },
      });
    }
    const producer = kafkaClient().producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: sent.map((s) => ({ key: s.label, value: s.bytes, headers: { case: s.label, format: s.format } })),
      });
    } finally {
      await producer.disconnect();
    }
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        python,
        [
          path.join(interopDir, 'confluentReader.py'),
          services.kafka.plaintext,
          services.registry.url,
          topic,
          String(sent.length),
          pkg,
        ],
        { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
        (error, out, err) =>
          error ? reject(new Error(`the Python reader failed: ${error.message}\n${err}`)) : resolve(out),
      );
    });
    shown = new Map(
      stdout
        .trim()
        .split('\n')
        .map((line) => parseJsonExact(line) as { label: string; shown: unknown })
        .map((r) => [r.label, r.shown]),
    );
  });

  after(async () => {
    const subjects = await registry.listSubjects();
    for (const subject of subjects.ok ? subjects.value.filter((s) => s.startsWith(topic)) : []) {
      await registry.deleteSubject(subject);
      await registry.deleteSubject(subject, { permanent: true });
    }
    registry.close();
    await deleteTopicsQuietly(topic);
  });

  it('Avro with every logical type, int64 edges, empty bytes, NaN/±Infinity and surrogate pairs: AvroDeserializer reads our values', async () => {
    for (const [i, record] of corpus.avro.records.entries()) {
      const label = `avro-${i}`;
      const bytes = sent.find((s) => s.label === label)!.bytes;
      const ours = await decoder.decode(bytes, { topic, role: 'value' });
      assert.ok(ours.ok && ours.format === 'avro', label);
      const model = buildDisplay((ours as SchemaDecoded).value);
      // our own reading first: the readable forms we were given (longs as numbers when safe)
      const longs = new Set(
        (corpus.avro.schema as { fields: { name: string; type: unknown }[] }).fields
          .filter((f) => JSON.stringify(f.type).includes('"long"') && !JSON.stringify(f.type).includes('logicalType'))
          .map((f) => f.name),
      );
      const readable = Object.fromEntries(
        Object.entries(record).map(([k, v]) => [
          k,
          longs.has(k) && typeof v === 'string' && Number.isSafeInteger(Number(v)) ? Number(v) : v,
        ]),
      );
      assert.deepEqual(model.json, readable, `${label} as we read it`);
      assert.deepEqual(shown.get(label), interopView(model), `${label} as confluent-kafka read it`);
    }
  });

  it('Protobuf with well-known types, 64-bit edges and -Infinity: ProtobufDeserializer + MessageToDict read the canonical JSON we encoded', () => {
    assert.deepEqual(shown.get('protobuf-wkt'), wktEvent(pkg));
  });

  it('JSON Schema with integers beyond 2^53 and surrogate pairs: JSONDeserializer reads them exactly', async () => {
    for (const [i, text] of corpus.json.records.entries()) {
      const label = `json-${i}`;
      assert.deepEqual(shown.get(label), parseJsonExact(text), label);
      const ours = await decoder.decode(sent.find((s) => s.label === label)!.bytes, { topic, role: 'value' });
      assert.ok(ours.ok && ours.format === 'jsonSchema' && !('violations' in ours && ours.violations), label);
      assert.deepEqual(
        toDisplayJson((ours as SchemaDecoded).value),
        JSON.parse(text.replace(/(-?\d{17,})/g, '"$1"')),
        label,
      );
    }
  });
});
