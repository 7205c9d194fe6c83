import { strict as assert } from 'node:assert';
import { RegistryError } from '../../../../src/core/registry/registryErrors';
import { createLogger } from '../../../../src/core/logging';
import { SchemaRegistryClient, validateRegistryConnection } from '../../../../src/core/registry/registryClient';
import type { RegistryConnection, RegistryCredentials } from '../../../../src/core/registry/registryTypes';
import { RegistryHttpDouble } from './support/registryHttpDouble';

const url = 'http://registry.test/base';

function client(
  http: RegistryHttpDouble,
  connection: Partial<RegistryConnection> = {},
  credentials?: RegistryCredentials,
  lines: string[] = [],
): SchemaRegistryClient {
  return new SchemaRegistryClient(
    { id: 'conn-1', url, ...connection },
    {
      http,
      secrets: { registryCredentials: async (id) => (id === 'conn-1' ? credentials : undefined) },
      logger: createLogger((level, line) => lines.push(`${level} ${line}`)),
    },
  );
}

function errorOf<T>(result: { ok: true; value: T } | { ok: false; error: RegistryError }): RegistryError {
  assert.ok(!result.ok, 'expected a failure');
  assert.ok(result.error instanceof RegistryError);
  return result.error;
}

describe('SchemaRegistryClient (against a registry HTTP double)', () => {
  it('lists subjects and versions, reads schemas by id and by subject/version', async () => {
    const http = new RegistryHttpDouble();
    const a = http.add('orders-value', { schemaType: 'AVRO', schema: '"string"' });
    const b = http.add('orders-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message M {}' });
    const registry = client(http);
    assert.deepEqual(await registry.listSubjects(), { ok: true, value: ['orders-value'] });
    assert.deepEqual(await registry.listVersions('orders-value'), { ok: true, value: [1, 2] });
    const byId = await registry.getSchemaById(b.id);
    assert.ok(byId.ok);
    assert.equal(byId.value.schemaType, 'PROTOBUF');
    const first = await registry.getSchemaById(a.id);
    assert.ok(first.ok);
    assert.equal(first.value.schemaType, 'AVRO', 'a response without schemaType means AVRO');
    const latest = await registry.getSchemaByVersion('orders-value', 'latest');
    assert.ok(latest.ok);
    assert.deepEqual([latest.value.id, latest.value.version, latest.value.subject], [b.id, 2, 'orders-value']);
    assert.deepEqual(await registry.getSubjectVersionsForId(a.id), {
      ok: true,
      value: [{ subject: 'orders-value', version: 1 }],
    });
  });

  it('encodes subject names in paths (Protobuf import subjects contain slashes)', async () => {
    const http = new RegistryHttpDouble();
    http.add('lab/common.proto', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";' });
    const result = await client(http).getSchemaByVersion('lab/common.proto', 1);
    assert.ok(result.ok);
    assert.ok(http.requests[0].path.includes('lab%2Fcommon.proto'));
  });

  it('registers, checks compatibility, and gets/sets compatibility levels', async () => {
    const http = new RegistryHttpDouble();
    const registry = client(http);
    const registered = await registry.register('s-value', { schemaType: 'JSON', schema: '{"type":"object"}' });
    assert.ok(registered.ok);
    assert.equal(JSON.parse(http.requests[0].body ?? '').schemaType, 'JSON');
    assert.deepEqual(await registry.checkCompatibility('s-value', { schemaType: 'JSON', schema: '{}' }), {
      ok: true,
      value: { compatible: true, messages: [] },
    });
    http.compatible = false;
    const check = await registry.checkCompatibility('s-value', { schemaType: 'JSON', schema: '{}' });
    assert.ok(check.ok && !check.value.compatible && check.value.messages.length === 1);
    assert.ok(http.requests.at(-1)?.path.includes('verbose=true'));
    // A subject without its own level reports the global one (404 40408 → GET /config).
    assert.deepEqual(await registry.getCompatibility('s-value'), { ok: true, value: 'BACKWARD' });
    assert.deepEqual(await registry.setCompatibility('FULL', 's-value'), { ok: true, value: 'FULL' });
    assert.deepEqual(await registry.getCompatibility('s-value'), { ok: true, value: 'FULL' });
    const bogus = await registry.setCompatibility('SOMETIMES' as never);
    assert.equal(errorOf(bogus).reason, 'invalidRequest');
  });

  describe('every failure is a typed RegistryError whose message says what to do', () => {
    const cases: { name: string; setup: (http: RegistryHttpDouble) => void; reason: string; says: RegExp }[] = [
      {
        name: 'connection refused',
        setup: (h) => (h.failure = { kind: 'unreachable', detail: 'ECONNREFUSED' }),
        reason: 'unreachable',
        says: /Cannot reach .*Check that it is running/,
      },
      {
        name: 'TLS failure',
        setup: (h) => (h.failure = { kind: 'tls', detail: 'SELF_SIGNED_CERT_IN_CHAIN' }),
        reason: 'tls',
        says: /CA certificate/,
      },
      {
        name: '401',
        setup: (h) => (h.failure = { status: 401, body: { error_code: 401, message: 'Unauthorized' } }),
        reason: 'unauthorized',
        says: /401 Unauthorized.*credentials/,
      },
      {
        name: '403',
        setup: (h) =>
          (h.failure = { status: 403, body: { error_code: 40301, message: 'User cannot access the resource.' } }),
        reason: 'forbidden',
        says: /403 Forbidden.*permission/,
      },
      {
        name: '500',
        setup: (h) =>
          (h.failure = { status: 500, body: { error_code: 50001, message: 'Error in the backend data store' } }),
        reason: 'serverError',
        says: /Try again/,
      },
      {
        name: 'an HTML page (wrong URL)',
        setup: (h) => (h.failure = { status: 200, body: '<html>login</html>' }),
        reason: 'badResponse',
        says: /Confluent-compatible API/,
      },
    ];
    for (const { name, setup, reason, says } of cases) {
      it(name, async () => {
        const http = new RegistryHttpDouble();
        setup(http);
        const error = errorOf(await client(http).getSchemaById(3));
        assert.equal(error.reason, reason);
        assert.match(error.message, says);
      });
    }

    it('a timeout, bounded by the connection setting', async () => {
      const http = new RegistryHttpDouble();
      http.hang = true;
      const started = Date.now();
      const error = errorOf(await client(http, { requestTimeoutMs: 50 }).getSchemaById(3));
      assert.equal(error.reason, 'timeout');
      assert.match(error.message, /within 50 ms/);
      assert.ok(Date.now() - started < 1000);
    });

    it('404s by error code: unknown schema id, subject, version', async () => {
      const http = new RegistryHttpDouble();
      http.add('s-value', { schemaType: 'AVRO', schema: '"int"' });
      const registry = client(http);
      assert.equal(errorOf(await registry.getSchemaById(99)).reason, 'schemaNotFound');
      assert.equal(errorOf(await registry.getSchemaByVersion('nope', 'latest')).reason, 'subjectNotFound');
      assert.equal(errorOf(await registry.getSchemaByVersion('s-value', 7)).reason, 'versionNotFound');
      assert.equal(errorOf(await registry.getSchemaById(99)).details.errorCode, 40403);
    });

    it('a 404 without an error code falls back to what was asked for', async () => {
      const http = new RegistryHttpDouble();
      http.failure = { status: 404, body: 'Not Found' };
      assert.equal(errorOf(await client(http).getSchemaById(5)).reason, 'schemaNotFound');
    });

    it('409 on registration is incompatibility, 422 an invalid schema', async () => {
      const http = new RegistryHttpDouble();
      http.failure = { status: 409, body: { error_code: 409, message: 'incompatible' } };
      assert.equal(
        errorOf(await client(http).register('s', { schemaType: 'AVRO', schema: '"int"' })).reason,
        'incompatible',
      );
      http.failure = { status: 422, body: { error_code: 42201, message: 'Invalid schema' } };
      assert.equal(
        errorOf(await client(http).register('s', { schemaType: 'AVRO', schema: '{' })).reason,
        'invalidSchema',
      );
    });
  });

  describe('credentials', () => {
    it('sends basic auth from the secret lookup', async () => {
      const http = new RegistryHttpDouble();
      await client(http, { auth: 'basic' }, { type: 'basic', username: 'alice', password: 's3cret:pw' }).listSubjects();
      assert.equal(
        http.requests[0].headers.Authorization,
        `Basic ${Buffer.from('alice:s3cret:pw').toString('base64')}`,
      );
    });

    it('sends a bearer token from the secret lookup', async () => {
      const http = new RegistryHttpDouble();
      await client(http, { auth: 'bearer' }, { type: 'bearer', token: 'tok-123' }).listSubjects();
      assert.equal(http.requests[0].headers.Authorization, 'Bearer tok-123');
    });

    it('sends nothing without auth, and refuses when the credentials are missing', async () => {
      const http = new RegistryHttpDouble();
      await client(http).listSubjects();
      assert.equal(http.requests[0].headers.Authorization, undefined);
      const error = errorOf(await client(http, { auth: 'basic' }, undefined).listSubjects());
      assert.equal(error.reason, 'missingCredentials');
      assert.equal(http.requests.length, 1, 'no request without the credentials');
    });

    it('never logs credentials', async () => {
      const http = new RegistryHttpDouble();
      const lines: string[] = [];
      const registry = client(
        http,
        { auth: 'basic' },
        { type: 'basic', username: 'alice', password: 'hunter2-secret' },
        lines,
      );
      await registry.listSubjects();
      http.failure = { status: 401, body: { message: 'bad password hunter2-secret' } };
      const error = errorOf(await registry.listSubjects());
      http.failure = { kind: 'unreachable' };
      await registry.listSubjects();
      assert.ok(lines.length >= 2);
      const everything = lines.join('\n') + error.message + JSON.stringify(error.details);
      assert.ok(!everything.includes('hunter2-secret'), everything);
      assert.ok(!everything.includes(Buffer.from('alice:hunter2-secret').toString('base64')));
    });
  });

  describe('connection validation', () => {
    it('refuses credentials in the URL and odd schemes, before any request', async () => {
      assert.equal(
        validateRegistryConnection({ id: 'x', url: 'https://bob:pw@registry:8081' })?.reason,
        'invalidConfiguration',
      );
      assert.match(
        validateRegistryConnection({ id: 'x', url: 'https://bob:pw@registry:8081' })?.message ?? '',
        /Remove them from the URL/,
      );
      assert.equal(validateRegistryConnection({ id: 'x', url: 'ftp://registry' })?.reason, 'invalidConfiguration');
      assert.equal(validateRegistryConnection({ id: 'x', url: 'not a url' })?.reason, 'invalidConfiguration');
      assert.equal(
        validateRegistryConnection({ id: 'x', url: 'http://r:8081', requestTimeoutMs: 0 })?.reason,
        'invalidConfiguration',
      );
      assert.equal(validateRegistryConnection({ id: 'x', url: 'http://r:8081/apis/ccompat/v7' }), undefined);
      const http = new RegistryHttpDouble();
      const error = errorOf(
        await new SchemaRegistryClient({ id: 'x', url: 'https://bob:pw@registry:8081' }, { http }).listSubjects(),
      );
      assert.equal(error.reason, 'invalidConfiguration');
      assert.equal(http.requests.length, 0);
      assert.ok(!error.message.includes('pw@'));
    });
  });
});
