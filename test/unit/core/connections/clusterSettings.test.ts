import { strict as assert } from 'node:assert';
import {
  exportClusters,
  importClusters,
  neededSecrets,
  newClusterId,
  parseClusters,
  registryCredentialsOf,
  resolveConnection,
  secretKey,
} from '../../../../src/core/connections/clusterSettings';
import { toLibrdkafkaConfig } from '../../../../src/core/kafka/connection';

const scram = {
  id: 'local-sasl',
  name: 'Local SASL',
  bootstrapServers: '127.0.0.1:19093',
  securityProtocol: 'SASL_PLAINTEXT',
  sasl: { mechanism: 'SCRAM-SHA-512', username: 'lab' },
  registry: { url: 'http://127.0.0.1:18081', auth: 'basic', username: 'reg' },
};

describe('cluster connection settings (kafkaLab.clusters)', () => {
  it('accepts valid entries and normalizes defaults', () => {
    const { clusters, problems } = parseClusters([{ id: 'a', name: 'A', bootstrapServers: 'b:9092' }, scram]);
    assert.deepEqual(problems, []);
    assert.equal(clusters[0].securityProtocol, 'PLAINTEXT');
    assert.equal(clusters[1].sasl?.mechanism, 'SCRAM-SHA-512');
  });

  it('refuses secrets in settings and says where they belong', () => {
    const { clusters, problems } = parseClusters([{ ...scram, sasl: { ...scram.sasl, password: 'hunter2' } }]);
    assert.equal(clusters.length, 0);
    assert.match(problems[0], /kafkaLab\.clusters\[0\]\.sasl\.password looks like a secret/);
    assert.match(problems[0], /secret store/);
  });

  it('names every malformed field', () => {
    const { problems } = parseClusters([
      { id: 'bad id!', name: '', bootstrapServers: '' },
      { id: 'x', name: 'X', bootstrapServers: 'b:1', securityProtocol: 'SASL_SSL' },
      { id: 'y', name: 'Y', bootstrapServers: 'b:1', registry: { url: 'http://u:p@r:8081' } },
      { id: 'z', name: 'Z', bootstrapServers: 'b:1', sasl: { mechanism: 'KERBEROS' } },
    ]);
    const text = problems.join('\n');
    assert.match(text, /\[0\]\.id must be/);
    assert.match(text, /\[0\]\.name is missing/);
    assert.match(text, /\[1\] uses SASL_SSL but has no sasl settings/);
    assert.match(text, /\[2\]\.registry\.url carries credentials/);
    assert.match(text, /\[3\]\.sasl\.mechanism must be one of/);
    assert.deepEqual(parseClusters('nope').problems, ['kafkaLab.clusters must be a list of cluster connections.']);
  });

  it('refuses duplicate ids', () => {
    const { clusters, problems } = parseClusters([scram, scram]);
    assert.equal(clusters.length, 1);
    assert.match(problems[0], /used twice/);
  });

  it('exports without secrets and imports back', () => {
    const { clusters } = parseClusters([scram]);
    const json = exportClusters(clusters);
    assert.ok(!/password|secret|token/i.test(json.replace(/"username"/g, '')), json);
    assert.deepEqual(importClusters(json).clusters, clusters);
    assert.match(
      importClusters(
        '{"clusters": [{"id":"a","name":"A","bootstrapServers":"b:1","sasl":{"mechanism":"PLAIN","username":"u","password":"p"}}]}',
      ).problems[0],
      /looks like a secret/,
    );
    assert.match(importClusters('not json').problems[0], /not JSON/);
    assert.match(importClusters('{"a":1}').problems[0], /not a Kafka Consumer Lab export/);
  });

  it('resolves secrets from the store only at use', async () => {
    const { clusters } = parseClusters([scram]);
    const store = new Map([
      [secretKey('local-sasl', 'saslPassword'), 's3cret'],
      [secretKey('local-sasl', 'registryPassword'), 'r3g'],
    ]);
    const lookup = async (key: string) => store.get(key);
    const connection = await resolveConnection(clusters[0], lookup);
    assert.deepEqual(connection.sasl, { mechanism: 'SCRAM-SHA-512', username: 'lab', password: 's3cret' });
    assert.deepEqual(await registryCredentialsOf(clusters[0], lookup), {
      type: 'basic',
      username: 'reg',
      password: 'r3g',
    });
    assert.deepEqual(neededSecrets(clusters[0]), ['saslPassword', 'registryPassword']);
  });

  it('maps OAUTHBEARER client credentials and TLS files to librdkafka', async () => {
    const { clusters, problems } = parseClusters([
      {
        id: 'cloud',
        name: 'Cloud',
        bootstrapServers: 'k:9093',
        securityProtocol: 'SASL_SSL',
        sasl: { mechanism: 'OAUTHBEARER', tokenEndpointUrl: 'https://idp/token', clientId: 'app', scope: 'kafka' },
        tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' },
      },
    ]);
    assert.deepEqual(problems, []);
    const connection = await resolveConnection(clusters[0], async (key) =>
      key.endsWith('oauthClientSecret') ? 'cs' : key.endsWith('tlsKeyPassword') ? 'kp' : undefined,
    );
    const config = toLibrdkafkaConfig(connection);
    assert.equal(config['sasl.oauthbearer.method'], 'oidc');
    assert.equal(config['sasl.oauthbearer.client.secret'], 'cs');
    assert.equal(config['sasl.oauthbearer.scope'], 'kafka');
    assert.equal(config['ssl.ca.location'], '/ca.pem');
    assert.equal(config['ssl.key.password'], 'kp');
  });

  it('makes readable unique ids', () => {
    const { clusters } = parseClusters([scram]);
    assert.equal(newClusterId('Local SASL', []), 'local-sasl');
    assert.equal(newClusterId('local sasl', clusters), 'local-sasl-2');
    assert.equal(newClusterId('!!!', []), 'cluster');
  });
});
