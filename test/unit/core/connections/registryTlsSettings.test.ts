import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCluster, registryConnectionOf } from '../../../../src/core/connections/clusterSettings';
import { RegistryError } from '../../../../src/core/registry/registryErrors';

const base = { id: 'r', name: 'R', bootstrapServers: 'k:9093' };

describe('registry settings: a private CA for an https registry', () => {
  it('reads the CA file into the registry connection', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-ca-'));
    try {
      const caFile = path.join(dir, 'ca.crt');
      fs.writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const { cluster, problems } = parseCluster(
        { ...base, registry: { url: 'https://registry:8081', auth: 'basic', username: 'u', caFile } },
        'c',
      );
      assert.deepEqual(problems, []);
      assert.ok(cluster);
      const connection = registryConnectionOf(cluster);
      assert.equal(connection?.caPem, fs.readFileSync(caFile, 'utf8'));
      assert.equal(connection?.auth, 'basic');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a CA file for an http registry, and names an unreadable file with a typed error', () => {
    const http = parseCluster({ ...base, registry: { url: 'http://registry:8081', caFile: '/ca.crt' } }, 'c');
    assert.equal(http.cluster, undefined);
    assert.match(http.problems.join('\n'), /c\.registry\.caFile is set but the registry URL is not https/);

    const { cluster } = parseCluster(
      { ...base, registry: { url: 'https://registry:8081', caFile: '/nonexistent/ca.crt' } },
      'c',
    );
    assert.ok(cluster);
    assert.throws(
      () => registryConnectionOf(cluster),
      (error: unknown) =>
        error instanceof RegistryError &&
        error.reason === 'invalidConfiguration' &&
        /\/nonexistent\/ca\.crt cannot be read \(ENOENT\)/.test(error.message),
    );
  });
});
