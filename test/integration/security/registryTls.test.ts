import { strict as assert } from 'node:assert';
import * as avro from 'avsc';
import { toDisplayJson } from '../../../src/core/codec/displayValue';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import {
  type ClusterSettings,
  registryConnectionOf,
  registryCredentialsOf,
  secretKey,
} from '../../../src/core/connections/clusterSettings';
import { testConnection } from '../../../src/core/connections/connectionTest';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { RegistryError } from '../../../src/core/registry/registryErrors';
import { uniqueName } from '../../support/services';
import { assertNoSecrets, recordingLogger, requireSecuredRig, rigSecrets, secured, tlsFiles } from './securityRig';

const { url, username, password } = secured.registryTls;

function cluster(registry: Partial<NonNullable<ClusterSettings['registry']>> = {}): ClusterSettings {
  return {
    id: 'registry-tls',
    name: 'Registry over TLS',
    bootstrapServers: secured.kafka.plaintext,
    securityProtocol: 'PLAINTEXT',
    registry: { url, auth: 'basic', username, caFile: tlsFiles.ca, ...registry },
  };
}

/** A registry client made the way the extension makes one: settings, and the password from the secret store. */
function clientFor(settings: ClusterSettings, storedPassword: string | undefined, logger = recordingLogger().logger) {
  const store = new Map(
    storedPassword === undefined ? [] : [[secretKey(settings.id, 'registryPassword'), storedPassword]],
  );
  const connection = registryConnectionOf(settings);
  assert.ok(connection);
  return new SchemaRegistryClient(
    { ...connection, requestTimeoutMs: 10_000 },
    { secrets: { registryCredentials: () => registryCredentialsOf(settings, async (key) => store.get(key)) }, logger },
  );
}

describe('the Schema Registry over TLS with basic auth (the rig proxy in front of Apicurio)', function () {
  this.timeout(60_000);
  before(requireSecuredRig);

  it('registers a schema and decodes a framed record through it, with the private CA and the stored password', async () => {
    const { logger, lines } = recordingLogger();
    const registry = clientFor(cluster(), password, logger);
    const topic = uniqueName('it-sec-registry');
    const subject = `${topic}-value`;
    const schema = {
      type: 'record',
      name: 'Payment',
      namespace: 'lab.security',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
        { name: 'sequence', type: 'long' },
      ],
    };
    try {
      const registered = await registry.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(schema) });
      assert.ok(registered.ok, registered.ok ? '' : `${registered.error.reason}: ${registered.error.message}`);
      const body = avro.Type.forSchema(schema as avro.Schema).toBuffer({
        id: 'p-1',
        amount: Buffer.from([0x01, 0x86, 0xa0]), // 100000 → 1000.00
        sequence: 42,
      });
      const header = Buffer.alloc(5);
      header.writeUInt8(0, 0);
      header.writeUInt32BE(registered.value.id, 1);
      const decoder = new PayloadDecoder({ schemas: new SchemaCache(registry) });
      const result = await decoder.decode(Buffer.concat([header, body]), { topic, role: 'value' });
      assert.ok(result.ok, result.ok ? '' : `${result.error.reason}: ${result.error.message}`);
      assert.equal(result.format, 'avro');
      assert.deepEqual(toDisplayJson(result.value), { id: 'p-1', amount: '1000.00', sequence: 42 });
    } finally {
      await registry.deleteSubject(subject);
      await registry.deleteSubject(subject, { permanent: true });
      registry.close();
    }
    assertNoSecrets(lines, rigSecrets);
  });

  it('a wrong password is "unauthorized", and an untrusted CA (or none) is "tls": distinct, and secret-free', async () => {
    const wrong = `${password}-wrong`;
    const outcomes = new Map<string, string>();
    const texts: string[] = [];
    for (const [what, settings, stored] of [
      ['wrong password', cluster(), wrong],
      ['untrusted CA', cluster({ caFile: tlsFiles.otherCa }), password],
      ['no CA file', cluster({ caFile: undefined }), password],
    ] as const) {
      const { logger, lines } = recordingLogger();
      const registry = clientFor(settings, stored, logger);
      try {
        const result = await registry.listSubjects();
        assert.equal(result.ok, false, `${what}: the registry answered`);
        if (result.ok) continue;
        assert.ok(result.error instanceof RegistryError);
        outcomes.set(what, result.error.reason);
        texts.push(result.error.message, ...lines);
      } finally {
        registry.close();
      }
    }
    assert.deepEqual(Object.fromEntries(outcomes), {
      'wrong password': 'unauthorized',
      'untrusted CA': 'tls',
      'no CA file': 'tls',
    });
    assertNoSecrets(texts, [...rigSecrets, wrong]);
  });

  it('the connection test reports the registry over TLS, and a missing CA file by name', async () => {
    const settings = cluster();
    const store = new Map([[secretKey(settings.id, 'registryPassword'), password]]);
    const ok = await testConnection(settings, async (key) => store.get(key), { timeoutMs: 10_000 });
    assert.ok(ok.registry?.ok, ok.registry && !ok.registry.ok ? ok.registry.message : 'no registry check');
    const missing = await testConnection(cluster({ caFile: `${tlsFiles.ca}.missing` }), async (key) => store.get(key), {
      timeoutMs: 10_000,
    });
    assert.equal(missing.registry?.ok, false);
    assert.equal(missing.registry && !missing.registry.ok ? missing.registry.reason : '', 'invalidConfiguration');
    assert.match(
      missing.registry && !missing.registry.ok ? missing.registry.message : '',
      /ca\.crt\.missing cannot be read/,
    );
  });
});
