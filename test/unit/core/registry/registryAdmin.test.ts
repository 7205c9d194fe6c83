import { strict as assert } from 'node:assert';
import { SchemaRegistryClient } from '../../../../src/core/registry/registryClient';
import type {
  RegistryHttp,
  RegistryHttpOutcome,
  RegistryHttpRequest,
} from '../../../../src/core/registry/registryHttp';
import type { RegistryResult } from '../../../../src/core/registry/registryTypes';

/** Answers each request from a script keyed by "METHOD path?query"; records what was asked. */
class ScriptedHttp implements RegistryHttp {
  readonly asked: string[] = [];
  constructor(private readonly script: Record<string, [number, unknown]>) {}
  async send(request: RegistryHttpRequest): Promise<RegistryHttpOutcome> {
    const key = `${request.method} ${request.url.pathname.replace(/^\/base/, '')}${request.url.search}`;
    this.asked.push(key);
    const [status, body] = this.script[key] ?? [404, { error_code: 404, message: `no script for ${key}` }];
    return { ok: true, response: { status, body: JSON.stringify(body) } };
  }
  close(): void {}
}

const client = (http: RegistryHttp): SchemaRegistryClient =>
  new SchemaRegistryClient({ id: 'u', url: 'http://registry.test/base' }, { http });

function reasonOf<T>(result: RegistryResult<T>): string {
  assert.ok(!result.ok, 'expected a failure');
  return result.error.reason;
}

describe('SchemaRegistryClient admin calls (scripted HTTP)', () => {
  it('passes deleted=true for listings that include soft-deleted subjects and versions', async () => {
    const http = new ScriptedHttp({
      'GET /subjects?deleted=true': [200, ['a-value', 'b-value']],
      'GET /subjects/a-value/versions?deleted=true': [200, [1, 2]],
      'GET /subjects/a-value/versions/1?deleted=true': [
        200,
        { subject: 'a-value', version: 1, id: 7, schema: '"string"' },
      ],
    });
    const registry = client(http);
    assert.deepEqual(await registry.listSubjects({ deleted: true }), { ok: true, value: ['a-value', 'b-value'] });
    assert.deepEqual(await registry.listVersions('a-value', { deleted: true }), { ok: true, value: [1, 2] });
    const version = await registry.getSchemaByVersion('a-value', 1, { deleted: true });
    assert.ok(version.ok && version.value.id === 7 && version.value.schemaType === 'AVRO');
  });

  it('a soft delete is one request; a permanent one soft-deletes first', async () => {
    const http = new ScriptedHttp({
      'DELETE /subjects/s/versions/2': [200, 2],
      'DELETE /subjects/s/versions/2?permanent=true': [200, 2],
      'DELETE /subjects/s': [200, [1, 3]],
      'DELETE /subjects/s?permanent=true': [200, [1, 3]],
    });
    const registry = client(http);
    assert.deepEqual(await registry.deleteVersion('s', 2), { ok: true, value: 2 });
    assert.deepEqual(http.asked.splice(0), ['DELETE /subjects/s/versions/2']);
    assert.deepEqual(await registry.deleteVersion('s', 2, { permanent: true }), { ok: true, value: 2 });
    assert.deepEqual(http.asked.splice(0), [
      'DELETE /subjects/s/versions/2',
      'DELETE /subjects/s/versions/2?permanent=true',
    ]);
    assert.deepEqual(await registry.deleteSubject('s', { permanent: true }), { ok: true, value: [1, 3] });
    assert.deepEqual(http.asked.splice(0), ['DELETE /subjects/s', 'DELETE /subjects/s?permanent=true']);
  });

  it('a permanent delete of something soft-deleted already goes on (Confluent 404/40406, Apicurio 409/40406; subjects 40404)', async () => {
    for (const status of [404, 409]) {
      const http = new ScriptedHttp({
        'DELETE /subjects/s/versions/1': [status, { error_code: 40406, message: 'Schema is already soft deleted' }],
        'DELETE /subjects/s/versions/1?permanent=true': [200, 1],
        'DELETE /subjects/s': [404, { error_code: 40404, message: 'Subject s is in soft deleted state.' }],
        'DELETE /subjects/s?permanent=true': [200, [1]],
      });
      const registry = client(http);
      assert.deepEqual(await registry.deleteVersion('s', 1, { permanent: true }), { ok: true, value: 1 });
      assert.deepEqual(await registry.deleteSubject('s', { permanent: true }), { ok: true, value: [1] });
      assert.equal(reasonOf(await registry.deleteVersion('s', 1)), 'alreadyDeleted');
      assert.equal(reasonOf(await registry.deleteSubject('s')), 'alreadyDeleted');
    }
  });

  it('stops after a soft delete that fails for another reason; classifies "soft delete first" and not found', async () => {
    const http = new ScriptedHttp({
      'DELETE /subjects/gone/versions/1': [404, { error_code: 40401, message: 'Subject not found' }],
      'DELETE /subjects/s/versions/4': [404, { error_code: 40402, message: 'Version not found' }],
      'DELETE /subjects/s/versions/5?permanent=true': [
        409,
        { error_code: 40407, message: 'must be soft deleted first' },
      ],
    });
    const registry = client(http);
    assert.equal(reasonOf(await registry.deleteVersion('gone', 1, { permanent: true })), 'subjectNotFound');
    assert.deepEqual(http.asked.splice(0), ['DELETE /subjects/gone/versions/1']);
    assert.equal(reasonOf(await registry.deleteVersion('s', 4)), 'versionNotFound');
    // Reached only if a registry forgets a soft delete between the two steps.
    const direct = await (
      registry as unknown as { request: (spec: object) => Promise<RegistryResult<unknown>> }
    ).request({
      method: 'DELETE',
      path: '/subjects/s/versions/5',
      query: 'permanent=true',
      action: 'delete',
      parse: () => 5,
    });
    assert.equal(reasonOf(direct), 'notSoftDeleted');
    assert.equal(reasonOf(await registry.deleteVersion('s', 1.5)), 'invalidRequest');
  });

  it("an incompatible registration keeps the registry's reasons", async () => {
    const http = new ScriptedHttp({
      'POST /subjects/s/versions': [
        409,
        {
          error_code: 409,
          message:
            'Incompatible artifact: s [AVRO], list of diff types: [reader type: STRING not compatible with writer type: INT at /fields/0/type]',
        },
      ],
    });
    const result = await client(http).register('s', { schemaType: 'AVRO', schema: '"string"' });
    assert.ok(!result.ok);
    assert.equal(result.error.reason, 'incompatible');
    assert.match(result.error.message, /The registry said: .*STRING not compatible with writer type: INT/);
  });
});
