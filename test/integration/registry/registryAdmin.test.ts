// Browsing and admin calls of the registry client against the real registry (Apicurio Registry
// 3.0.9's Confluent-compatible API). Where Apicurio answers differently from Confluent, the test
// pins what it really does and says so.
import { strict as assert } from 'node:assert';
import type { RegistryError } from '../../../src/core/registry/registryErrors';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import type { RegistryResult } from '../../../src/core/registry/registryTypes';
import { services, uniqueName } from '../../support/services';
import { RegistryFront, TcpProxy } from '../codec/support/registryFronts';

function errorOf<T>(result: RegistryResult<T>): RegistryError {
  assert.ok(!result.ok, `expected a failure, got ${JSON.stringify(result.ok && result.value)}`);
  return result.error;
}

function valueOf<T>(result: RegistryResult<T>): T {
  assert.ok(result.ok, result.ok ? '' : `${result.error.reason}: ${result.error.message}`);
  return result.value;
}

const avro = (fields: object[]): string =>
  JSON.stringify({ type: 'record', name: 'Reading', namespace: 'lab.admin', fields });
const v1 = avro([{ name: 'celsius', type: 'double' }]);
const v2 = avro([
  { name: 'celsius', type: 'double' },
  { name: 'unit', type: 'string', default: 'C' },
]);
const v3 = avro([
  { name: 'celsius', type: 'double' },
  { name: 'unit', type: 'string', default: 'C' },
  { name: 'sensor', type: ['null', 'string'], default: null },
]);
const breaking = avro([{ name: 'celsius', type: 'string' }]);

describe('schema registry admin calls against the real registry', function () {
  this.timeout(30_000);
  const registry = new SchemaRegistryClient({ id: 'it-admin', url: services.registry.url });
  const created: string[] = [];
  const newSubject = (kind: string): string => {
    const subject = `${uniqueName(`it-admin-${kind}`)}-value`;
    created.push(subject);
    return subject;
  };

  after(async () => {
    // Newest first: a subject that another one references cannot go before it.
    for (const subject of [...created].reverse()) {
      const deleted = await registry.deleteSubject(subject, { permanent: true });
      assert.ok(deleted.ok || deleted.error.reason === 'subjectNotFound', deleted.ok ? '' : deleted.error.message);
    }
    registry.close();
  });

  it('reads a version with its schema text, type, id and references, for Avro, Protobuf and JSON Schema', async () => {
    const subject = newSubject('read');
    const { id } = valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v1 }));
    const version = valueOf(await registry.getSchemaByVersion(subject, 1));
    assert.deepEqual(
      { ...version, schema: JSON.parse(version.schema) },
      { subject, version: 1, id, schemaType: 'AVRO', schema: JSON.parse(v1), references: [] },
    );

    const proto = newSubject('proto');
    const protoText = 'syntax = "proto3";\npackage lab.admin;\n\nmessage Reading {\n  double celsius = 1;\n}\n';
    valueOf(await registry.register(proto, { schemaType: 'PROTOBUF', schema: protoText }));
    const protoVersion = valueOf(await registry.getSchemaByVersion(proto, 'latest'));
    assert.equal(protoVersion.schemaType, 'PROTOBUF');
    assert.equal(protoVersion.schema, protoText, 'Protobuf text comes back as registered');

    const json = newSubject('json');
    valueOf(
      await registry.register(json, {
        schemaType: 'JSON',
        schema: '{"type":"object","properties":{"celsius":{"type":"number"}}}',
      }),
    );
    assert.equal(valueOf(await registry.getSchemaByVersion(json, 1)).schemaType, 'JSON');

    // A reference: a JSON Schema that points at the first one.
    const withRef = newSubject('ref');
    const references = [{ name: 'reading.json', subject: json, version: 1 }];
    valueOf(
      await registry.register(withRef, {
        schemaType: 'JSON',
        schema: '{"type":"object","properties":{"reading":{"$ref":"reading.json"}}}',
        references,
      }),
    );
    assert.deepEqual(valueOf(await registry.getSchemaByVersion(withRef, 1)).references, references);
    // A referenced schema cannot be deleted (Apicurio answers 422 / 42206, as Confluent does).
    const referenced = errorOf(await registry.deleteSubject(json));
    assert.equal(referenced.reason, 'referenced');
    assert.match(referenced.message, /other subjects reference it/);
    assert.equal(errorOf(await registry.deleteVersion(json, 1, { permanent: true })).reason, 'referenced');
  });

  it("checks a candidate against the latest version; an incompatible registration is refused with the registry's reasons", async () => {
    const subject = newSubject('compat');
    valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v1 }));
    assert.equal(
      valueOf(await registry.checkCompatibility(subject, { schemaType: 'AVRO', schema: v2 })).compatible,
      true,
    );
    const verdict = valueOf(await registry.checkCompatibility(subject, { schemaType: 'AVRO', schema: breaking }));
    assert.equal(verdict.compatible, false);
    // Apicurio difference: even with verbose=true its check sends no "messages"; Confluent lists the reasons.
    assert.deepEqual(verdict.messages, []);

    const refused = errorOf(await registry.register(subject, { schemaType: 'AVRO', schema: breaking }));
    assert.equal(refused.reason, 'incompatible');
    assert.equal(refused.details.status, 409);
    // The reasons come with the refused registration (Apicurio: its rule violation, with the diff).
    assert.match(
      refused.details.registryMessage ?? '',
      /STRING not compatible with writer type: DOUBLE at \/fields\/0\/type/,
    );
    assert.match(
      refused.message,
      /not compatible with the subject's earlier versions.*The registry said: .*STRING not compatible/,
    );
    assert.deepEqual(valueOf(await registry.listVersions(subject)), [1], 'nothing was registered');
  });

  it('a compatibility check of a schema that does not parse is "invalid schema", not a server error', async () => {
    const subject = newSubject('invalid');
    valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v1 }));
    const error = errorOf(
      await registry.checkCompatibility(subject, { schemaType: 'AVRO', schema: '{"type":"recordd"}' }),
    );
    assert.equal(error.reason, 'invalidSchema');
    assert.match(error.message, /considers the schema invalid.*invalid Avro schema/);
    // Apicurio difference: against a JSON Schema subject the same text gets 500 with error_code 0
    // (Confluent: 422 / 42201); the client classifies it as an invalid schema too.
    const json = newSubject('invalid-json');
    valueOf(
      await registry.register(json, {
        schemaType: 'JSON',
        schema: '{"type":"object","properties":{"a":{"type":"string"}}}',
      }),
    );
    const quirk = errorOf(
      await registry.checkCompatibility(json, { schemaType: 'JSON', schema: '{"type":"recordd"}' }),
    );
    assert.deepEqual([quirk.reason, quirk.details.status, quirk.details.errorCode], ['invalidSchema', 500, 0]);
    assert.match(quirk.message, /considers the schema invalid.*recordd/);
  });

  it('a check against a subject that does not exist yet: Apicurio says compatible (Confluent answers 404)', async () => {
    const subject = newSubject('fresh');
    const result = await registry.checkCompatibility(subject, { schemaType: 'AVRO', schema: v1 });
    // Either answer means "nothing to be compatible with"; pin what this registry does.
    assert.deepEqual(result, { ok: true, value: { compatible: true, messages: [] } });
  });

  it('soft-deletes a version: hidden from listings, still readable with deleted=true, its id still resolves', async () => {
    const subject = newSubject('soft');
    const first = valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v1 }));
    valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v2 }));
    valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v3 }));
    assert.deepEqual(valueOf(await registry.listVersions(subject)), [1, 2, 3]);

    assert.equal(valueOf(await registry.deleteVersion(subject, 1)), 1);
    assert.deepEqual(valueOf(await registry.listVersions(subject)), [2, 3]);
    assert.deepEqual(valueOf(await registry.listVersions(subject, { deleted: true })), [1, 2, 3]);
    assert.equal(errorOf(await registry.getSchemaByVersion(subject, 1)).reason, 'versionNotFound');
    assert.equal(valueOf(await registry.getSchemaByVersion(subject, 1, { deleted: true })).id, first.id);
    assert.equal(valueOf(await registry.getSchemaById(first.id)).id, first.id, 'records written with it still decode');

    const again = errorOf(await registry.deleteVersion(subject, 1));
    assert.equal(again.reason, 'alreadyDeleted');
    assert.match(again.message, /soft-deleted already/);
    assert.equal(errorOf(await registry.deleteVersion(subject, 9)).reason, 'versionNotFound');
    assert.equal(errorOf(await registry.deleteVersion(subject, 0)).reason, 'invalidRequest');
  });

  it('deletes a version permanently (soft first when needed): gone even from deleted=true listings', async () => {
    const subject = newSubject('hard');
    valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v1 }));
    valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v2 }));
    valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v3 }));
    // Not soft-deleted yet: the client soft-deletes, then deletes for good.
    assert.equal(valueOf(await registry.deleteVersion(subject, 2, { permanent: true })), 2);
    assert.deepEqual(valueOf(await registry.listVersions(subject, { deleted: true })), [1, 3]);
    // Soft-deleted already: straight to the permanent delete.
    valueOf(await registry.deleteVersion(subject, 3));
    assert.equal(valueOf(await registry.deleteVersion(subject, 3, { permanent: true })), 3);
    assert.deepEqual(valueOf(await registry.listVersions(subject, { deleted: true })), [1]);
    assert.equal(valueOf(await registry.getSchemaByVersion(subject, 'latest')).version, 1);
  });

  it('soft-deletes a subject (listed only with deleted=true), then permanently', async () => {
    const subject = newSubject('subject');
    valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v1 }));
    valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v2 }));
    assert.deepEqual(valueOf(await registry.deleteSubject(subject)), [1, 2]);
    assert.ok(!valueOf(await registry.listSubjects()).includes(subject));
    assert.ok(valueOf(await registry.listSubjects({ deleted: true })).includes(subject));
    assert.equal(errorOf(await registry.listVersions(subject)).reason, 'subjectNotFound');
    // Apicurio answers a second soft delete with 404 / 40404 (as Confluent does).
    assert.equal(errorOf(await registry.deleteSubject(subject)).reason, 'alreadyDeleted');

    assert.deepEqual(valueOf(await registry.deleteSubject(subject, { permanent: true })), [1, 2]);
    assert.ok(!valueOf(await registry.listSubjects({ deleted: true })).includes(subject));
    assert.equal(errorOf(await registry.deleteSubject(subject)).reason, 'subjectNotFound');
  });

  it('a subject whose every version was soft-deleted disappears, and can still be deleted for good', async () => {
    const subject = newSubject('emptied');
    valueOf(await registry.register(subject, { schemaType: 'AVRO', schema: v1 }));
    valueOf(await registry.deleteVersion(subject, 1));
    assert.ok(!valueOf(await registry.listSubjects()).includes(subject));
    assert.ok(valueOf(await registry.listSubjects({ deleted: true })).includes(subject));
    valueOf(await registry.deleteSubject(subject, { permanent: true }));
    assert.ok(!valueOf(await registry.listSubjects({ deleted: true })).includes(subject));
  });

  it('names a missing subject precisely', async () => {
    const missing = `${uniqueName('it-admin-missing')}-value`;
    const results: Array<RegistryResult<unknown>> = [
      await registry.listVersions(missing),
      await registry.deleteSubject(missing),
      await registry.deleteVersion(missing, 1),
      await registry.getSchemaByVersion(missing, 'latest'),
    ];
    for (const result of results) {
      const error = errorOf(result);
      assert.equal(error.reason, 'subjectNotFound');
      assert.match(error.message, /has no such subject/);
    }
  });

  describe('when the registry cannot be used', () => {
    it('unreachable: a typed error at once; hanging: a typed error within the bound', async () => {
      const proxy = await TcpProxy.start(services.registry.url);
      const client = new SchemaRegistryClient({ id: 'it-admin-down', url: proxy.url, requestTimeoutMs: 800 });
      try {
        await proxy.stop();
        const down = errorOf(await client.deleteVersion('x-value', 1));
        assert.equal(down.reason, 'unreachable');
        assert.match(down.message, /Cannot reach the schema registry/);
        await proxy.restart();
        proxy.hang = true;
        const started = Date.now();
        const hung = errorOf(await client.listSubjects({ deleted: true }));
        assert.equal(hung.reason, 'timeout');
        assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      } finally {
        client.close();
        await proxy.close();
      }
    });

    it('401 without the right credentials, for browsing and for deleting', async () => {
      const front = await RegistryFront.start(services.registry.url, { users: { alice: 'alice-pw' } });
      const client = new SchemaRegistryClient({ id: 'it-admin-401', url: front.url });
      try {
        const results: Array<RegistryResult<unknown>> = [
          await client.listSubjects(),
          await client.listVersions('x-value'),
          await client.deleteSubject('x-value', { permanent: true }),
        ];
        for (const result of results) {
          const error = errorOf(result);
          assert.equal(error.reason, 'unauthorized');
          assert.match(error.message, /401 Unauthorized.*needs credentials/);
        }
      } finally {
        client.close();
        await front.close();
      }
    });
  });
});
