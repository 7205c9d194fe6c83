import { strict as assert } from 'node:assert';
import { RegistryError } from '../../../src/core/registry/registryErrors';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { encodeFrame } from '../../../src/core/codec/wireFormat';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import type { RegistryConnection, RegistryCredentials, RegistryResult } from '../../../src/core/registry/registryTypes';
import { services, uniqueName } from '../../support/services';
import { makeTestCertificates, RegistryFront } from './support/registryFronts';

function errorOf<T>(result: RegistryResult<T>): RegistryError {
  assert.ok(!result.ok, 'expected a failure');
  return result.error;
}

describe('schema registry client against the real registry', function () {
  this.timeout(30_000);
  const subject = `${uniqueName('it-registry')}-value`;
  const v1 = JSON.stringify({
    type: 'record',
    name: 'Reading',
    namespace: 'lab.registry',
    fields: [{ name: 'celsius', type: 'double' }],
  });
  const v2 = JSON.stringify({
    type: 'record',
    name: 'Reading',
    namespace: 'lab.registry',
    fields: [
      { name: 'celsius', type: 'double' },
      { name: 'unit', type: 'string', default: 'C' },
    ],
  });
  const breaking = JSON.stringify({
    type: 'record',
    name: 'Reading',
    namespace: 'lab.registry',
    fields: [{ name: 'celsius', type: 'string' }],
  });
  const registry = new SchemaRegistryClient({ id: 'it', url: services.registry.url });
  let id1: number;

  after(async () => {
    await registry.deleteSubject(subject);
    await registry.deleteSubject(subject, { permanent: true });
    registry.close();
  });

  it('registers (idempotently), lists subjects and versions, reads by id and by version', async () => {
    const first = await registry.register(subject, { schemaType: 'AVRO', schema: v1 });
    assert.ok(first.ok);
    id1 = first.value.id;
    assert.deepEqual(await registry.register(subject, { schemaType: 'AVRO', schema: v1 }), {
      ok: true,
      value: { id: id1 },
    });
    const second = await registry.register(subject, { schemaType: 'AVRO', schema: v2 });
    assert.ok(second.ok && second.value.id !== id1);
    const subjects = await registry.listSubjects();
    assert.ok(subjects.ok && subjects.value.includes(subject));
    assert.deepEqual(await registry.listVersions(subject), { ok: true, value: [1, 2] });
    const byId = await registry.getSchemaById(id1);
    assert.ok(byId.ok && byId.value.schemaType === 'AVRO' && JSON.parse(byId.value.schema).fields.length === 1);
    const latest = await registry.getSchemaByVersion(subject, 'latest');
    assert.ok(latest.ok && latest.value.version === 2 && latest.value.id === second.value.id);
    const one = await registry.getSchemaByVersion(subject, 1);
    assert.ok(one.ok && one.value.id === id1);
    assert.deepEqual(await registry.getSubjectVersionsForId(id1), { ok: true, value: [{ subject, version: 1 }] });
  });

  it('checks compatibility', async () => {
    const fine = await registry.checkCompatibility(subject, { schemaType: 'AVRO', schema: v2 });
    assert.deepEqual(fine.ok && fine.value.compatible, true);
    const bad = await registry.checkCompatibility(subject, { schemaType: 'AVRO', schema: breaking });
    assert.deepEqual(bad.ok && bad.value.compatible, false);
  });

  it('gets the level in force (the global one when the subject has none) and sets a subject level', async () => {
    const global = await registry.getCompatibility();
    assert.ok(global.ok);
    assert.deepEqual(
      await registry.getCompatibility(subject),
      global,
      'no subject level yet: the global level applies',
    );
    assert.deepEqual(await registry.setCompatibility('FULL', subject), { ok: true, value: 'FULL' });
    assert.deepEqual(await registry.getCompatibility(subject), { ok: true, value: 'FULL' });
  });

  it('names missing things precisely', async () => {
    assert.equal(errorOf(await registry.getSchemaById(1_999_999_999)).reason, 'schemaNotFound');
    assert.equal(errorOf(await registry.listVersions(`${subject}-nope`)).reason, 'subjectNotFound');
    assert.equal(errorOf(await registry.getSchemaByVersion(subject, 42)).reason, 'versionNotFound');
    assert.equal(
      errorOf(await registry.register(subject, { schemaType: 'AVRO', schema: '{"type":"recordd"}' })).reason,
      'invalidSchema',
    );
  });

  describe('authentication (a front that checks credentials before the registry)', () => {
    let front: RegistryFront;
    const secrets = new Map<string, RegistryCredentials>();
    const clientFor = (connection: Omit<RegistryConnection, 'url'>): SchemaRegistryClient =>
      new SchemaRegistryClient(
        { url: front.url, ...connection },
        { secrets: { registryCredentials: async (id) => secrets.get(id) } },
      );

    before(async () => {
      front = await RegistryFront.start(services.registry.url, {
        users: { alice: 'alice-pw', reader: 'reader-pw' },
        tokens: ['token-123'],
        readOnlyUsers: ['reader'],
      });
      secrets.set('alice', { type: 'basic', username: 'alice', password: 'alice-pw' });
      secrets.set('wrong', { type: 'basic', username: 'alice', password: 'guess' });
      secrets.set('reader', { type: 'basic', username: 'reader', password: 'reader-pw' });
      secrets.set('bearer', { type: 'bearer', token: 'token-123' });
    });
    after(() => front.close());

    it('basic auth and bearer tokens from the secret lookup reach the registry', async () => {
      for (const [id, auth] of [
        ['alice', 'basic'],
        ['bearer', 'bearer'],
      ] as const) {
        const client = clientFor({ id, auth });
        const result = await client.getSchemaById(id1);
        client.close();
        assert.ok(result.ok, `${id}: ${result.ok ? '' : result.error.message}`);
      }
      assert.ok(front.seenAuthorization.includes(`Basic ${Buffer.from('alice:alice-pw').toString('base64')}`));
      assert.ok(front.seenAuthorization.includes('Bearer token-123'));
    });

    it('401 with wrong or no credentials, 403 for a read-only user that registers, missing credentials before any request', async () => {
      const wrong = clientFor({ id: 'wrong', auth: 'basic' });
      const none = clientFor({ id: 'none' });
      const reader = clientFor({ id: 'reader', auth: 'basic' });
      const missing = clientFor({ id: 'nobody', auth: 'bearer' });
      try {
        const unauthorized = errorOf(await wrong.getSchemaById(id1));
        assert.equal(unauthorized.reason, 'unauthorized');
        assert.match(unauthorized.message, /Check the username and password/);
        assert.match(errorOf(await none.listSubjects()).message, /It needs credentials/);
        assert.ok((await reader.getSchemaById(id1)).ok);
        const forbidden = errorOf(await reader.register(subject, { schemaType: 'AVRO', schema: v1 }));
        assert.equal(forbidden.reason, 'forbidden');
        assert.match(forbidden.message, /403 Forbidden.*lack permission/);
        const seen = front.seenAuthorization.length;
        assert.equal(errorOf(await missing.listSubjects()).reason, 'missingCredentials');
        assert.equal(front.seenAuthorization.length, seen);
      } finally {
        for (const client of [wrong, none, reader, missing]) client.close();
      }
    });

    it('a decode through a registry that refuses the credentials is a typed error, not a throw', async () => {
      const client = clientFor({ id: 'wrong', auth: 'basic' });
      const decoder = new PayloadDecoder({ schemas: new SchemaCache(client) });
      const result = await decoder.decode(encodeFrame(id1, Buffer.alloc(8)), { topic: 't', role: 'value' });
      client.close();
      assert.ok(!result.ok && result.error instanceof RegistryError && result.error.reason === 'unauthorized');
    });
  });

  describe('TLS with a private CA', () => {
    let certificates: ReturnType<typeof makeTestCertificates>;
    let front: RegistryFront;

    before(async function () {
      certificates = makeTestCertificates();
      if (!certificates) this.skip(); // needs the openssl command to make a CA
      front = await RegistryFront.start(services.registry.url, {
        tls: { key: certificates.key, cert: certificates.cert },
      });
    });
    after(() => front?.close());

    it('connects when the connection carries the CA, and names the TLS problem when it does not', async () => {
      assert.ok(certificates);
      const trusted = new SchemaRegistryClient({ id: 'tls', url: front.url, caPem: certificates.ca });
      const untrusted = new SchemaRegistryClient({ id: 'tls', url: front.url });
      const otherCa = new SchemaRegistryClient({ id: 'tls', url: front.url, caPem: certificates.otherCa });
      try {
        const result = await trusted.getSchemaById(id1);
        assert.ok(result.ok, result.ok ? '' : result.error.message);
        for (const client of [untrusted, otherCa]) {
          const error = errorOf(await client.getSchemaById(id1));
          assert.equal(error.reason, 'tls');
          assert.match(error.message, /add that CA certificate to the connection/);
        }
      } finally {
        for (const client of [trusted, untrusted, otherCa]) client.close();
      }
    });
  });
});
