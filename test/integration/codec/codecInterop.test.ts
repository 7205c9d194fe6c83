import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { SchemaDecoded } from '../../../src/core/codec/decodeResult';
import { buildDisplay } from '../../../src/core/codec/displayModel';
import { toDisplayJson } from '../../../src/core/codec/displayValue';
import { parseJsonExact } from '../../../src/core/codec/losslessJson';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { createTopic, deleteTopicsQuietly } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';
import { interopView } from './support/interopView';
import { consume, type TestRecord } from './support/records';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

interface Meant {
  label: string;
  format: 'avro' | 'protobuf' | 'jsonSchema';
  type?: string;
  /** "pyview": `meant` is pyview() of the Python objects (compare with interopView of our display model). */
  view?: 'pyview';
  meant: unknown;
}

/** Protobuf JSON leaves unset message fields out; the decoder shows them as null. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

/**
 * Interop: Confluent's own Python serializers (confluent-kafka from PyPI, installed by
 * scripts/interop.sh) register schemas in the real registry and produce records to the real broker;
 * this codec decodes them to exactly what the Python side meant.
 */
describe("codec interop with Confluent's Python serializers", function () {
  this.timeout(60_000);
  const topic = uniqueName('it-codec-interop');
  const runId = randomBytes(4).toString('hex');
  const registry = new SchemaRegistryClient({ id: 'interop', url: services.registry.url });
  const decoder = new PayloadDecoder({ schemas: new SchemaCache(registry) });
  let meant: Meant[] = [];
  let records: TestRecord[] = [];

  before(async function () {
    let python: string;
    try {
      python = execFileSync('bash', [path.join(repoRoot, 'scripts', 'interop.sh'), 'python'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    } catch {
      // The peer comes from PyPI; scripts/setup.sh installs it. Without it there is nothing to compare with.
      console.warn('    interop peer not installed (run: bash scripts/interop.sh); skipping');
      this.skip();
    }
    await createTopic(topic, 1);
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        python,
        [
          path.join(repoRoot, 'test', 'integration', 'codec', 'interop', 'confluentPeer.py'),
          services.kafka.plaintext,
          services.registry.url,
          topic,
          runId,
        ],
        { timeout: 45_000, maxBuffer: 1024 * 1024 },
        (error, out, err) =>
          error ? reject(new Error(`the Python peer failed: ${error.message}\n${err}`)) : resolve(out),
      );
    });
    // Exact: the Python side writes int64 edges as JSON integers.
    meant = stdout
      .trim()
      .split('\n')
      .map((line) => parseJsonExact(line) as Meant);
    assert.equal(meant.length, 11);
    records = await consume(topic, meant.length);
  });

  after(async () => {
    const subjects = await registry.listSubjects();
    const ours = subjects.ok ? subjects.value.filter((s) => s.startsWith(topic)) : [];
    // Dependents first, then the imported file's subject (named after the file by Confluent's serializer).
    for (const subject of [...ours, `lab/interop/${runId}/common.proto`]) {
      await registry.deleteSubject(subject);
      await registry.deleteSubject(subject, { permanent: true });
    }
    registry.close();
    await deleteTopicsQuietly(topic);
  });

  for (const format of ['avro', 'protobuf', 'jsonSchema'] as const) {
    it(`${format} records decode to what the Python serializer meant`, async () => {
      const cases = meant.filter((m) => m.format === format);
      assert.ok(cases.length >= 2);
      for (const expected of cases) {
        const record = records.find((r) => r.label === expected.label);
        assert.ok(record, `record ${expected.label} consumed`);
        const result = await decoder.decode(record.value, { topic, role: 'value' });
        assert.ok(
          result.ok,
          `${expected.label}: ${result.ok ? '' : `${result.error.reason}: ${result.error.message}`}`,
        );
        assert.equal(result.format, format, expected.label);
        const decoded = result as SchemaDecoded;
        if (expected.view === 'pyview') {
          assert.deepEqual(interopView(buildDisplay(decoded.value)), expected.meant, expected.label);
        } else {
          const shown = toDisplayJson(decoded.value);
          assert.deepEqual(format === 'protobuf' ? withoutNulls(shown) : shown, expected.meant, expected.label);
        }
        if (expected.type) assert.equal(decoded.messageType, expected.type);
        assert.ok(decoded.schema.subject?.startsWith(topic), `subject ${decoded.schema.subject}`);
        const key = await decoder.decode(record.key, { topic, role: 'key' });
        assert.ok(key.ok && key.format === 'text' && key.text === expected.label);
      }
    });
  }
});
