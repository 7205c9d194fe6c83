// The generated exactly-once variant and the generated security settings (OAUTHBEARER, mTLS):
// which files are written, what they declare, and what the generated TypeScript config.ts really
// does with an environment (transpiled and loaded here; the broker tests run the same code).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { generateProject, type GeneratedFile } from '../../../../src/core/generator/generateProject';
import {
  GeneratorInputError,
  defaultGeneratorInput,
  type GeneratorInput,
} from '../../../../src/core/generator/generatorInput';

const eos = (over: Partial<GeneratorInput> = {}): GeneratorInput =>
  defaultGeneratorInput({
    language: 'typescript',
    groupId: 'orders-service',
    topics: ['orders'],
    delivery: 'exactly-once',
    outputTopic: 'orders.enriched',
    connection: { bootstrapServers: 'broker:9092' },
    ...over,
  });

const fileOf = (files: readonly GeneratedFile[], name: string): string => {
  const file = files.find((f) => f.path === name);
  assert.ok(file, `${name} is generated`);
  return file.content;
};

type Settings = { connection: Record<string, string>; transactionalId?: string; outputTopic?: string };

/** The generated src/config.ts, transpiled to CommonJS and loaded: its loadSettings as the project runs it. */
async function generatedLoadSettings(input: GeneratorInput): Promise<(env: NodeJS.ProcessEnv) => Settings> {
  const source = fileOf(generateProject(input), 'src/config.ts');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-config-'));
  try {
    const file = path.join(dir, 'config.js');
    fs.writeFileSync(file, js);
    return ((await import(file)) as { loadSettings: (env: NodeJS.ProcessEnv) => Settings }).loadSettings;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('generator: the exactly-once variant', () => {
  it('writes the transactional consumer in both languages, with no watermark to keep, and says what it covers', () => {
    const typescript = generateProject(eos());
    const consumer = fileOf(typescript, 'src/consumer.ts');
    for (const call of ['initTransactions', 'beginTransaction', 'sendOffsetsToTransaction', 'commitTransaction'])
      assert.ok(consumer.includes(`.${call}(`), `consumer.ts calls ${call}`);
    assert.match(consumer, /abortTransaction[\s\S]*this\.consumer\.seek\(/, 'an abort seeks back');
    assert.match(fileOf(typescript, 'src/config.ts'), /'isolation\.level': 'read_committed'/);
    assert.match(fileOf(typescript, 'src/contract.ts'), /export interface OutputRecord/);
    assert.ok(!typescript.some((f) => f.path.includes('watermark')));
    assert.doesNotMatch(fileOf(typescript, 'package.json'), /watermark/);

    const python = generateProject(eos({ language: 'python' }));
    const py = fileOf(python, 'src/consumer.py');
    for (const call of ['init_transactions', 'begin_transaction', 'send_offsets_to_transaction', 'commit_transaction'])
      assert.ok(py.includes(call), `consumer.py calls ${call}`);
    assert.match(py, /consumer_group_metadata\(\)/);
    assert.match(fileOf(python, 'src/settings.py'), /"isolation\.level": "read_committed"/);
    assert.ok(!python.some((f) => f.path.includes('watermark')));

    for (const files of [typescript, python]) {
      const readme = fileOf(files, 'README.md');
      assert.match(readme, /\*\*Only Kafka outputs are covered\.\*\*/);
      assert.match(readme, /fatal: the transactional producer … was fenced/);
      const env = fileOf(files, '.env.example');
      assert.match(env, /^KAFKA_OUTPUT_TOPIC=orders\.enriched$/m);
      assert.match(env, /^KAFKA_INSTANCE_ID=$/m);
      assert.match(env, /^KAFKA_TRANSACTION_TIMEOUT_MS=60000$/m);
      const launch = JSON.parse(fileOf(files, '.vscode/launch.json')) as {
        configurations: Array<Record<string, unknown>>;
      };
      assert.equal(launch.configurations.find((c) => c.type === 'kafka-lab')?.delivery, 'exactly-once');
    }
  });

  it('derives the transactional.id from the group and the instance id', async () => {
    const load = await generatedLoadSettings(eos());
    assert.equal(load({ KAFKA_INSTANCE_ID: 'pod-3' }).transactionalId, 'orders-service-pod-3');
    assert.equal(load({ KAFKA_INSTANCE_ID: 'a', KAFKA_GROUP_ID: 'g2' }).transactionalId, 'g2-a');
    assert.equal(load({}).transactionalId, `orders-service-${os.hostname()}`);
    assert.equal(load({ KAFKA_OUTPUT_TOPIC: 'other' }).outputTopic, 'other');
  });

  it('refuses an exactly-once input without a usable output topic or with concurrency, naming the field', () => {
    const field = (over: Partial<GeneratorInput>): string | undefined => {
      try {
        generateProject(eos(over));
        return undefined;
      } catch (error) {
        assert.ok(error instanceof GeneratorInputError, String(error));
        return error.field;
      }
    };
    assert.equal(field({ outputTopic: undefined }), 'outputTopic');
    assert.equal(field({ outputTopic: 'orders' }), 'outputTopic');
    assert.equal(field({ outputTopic: 'orders.dead-letter', dlqTopic: 'orders.dead-letter' }), 'outputTopic');
    assert.equal(field({ outputTopic: 'bad topic' }), 'outputTopic');
    assert.equal(field({ concurrency: 4 }), 'concurrency');
    assert.equal(field({ delivery: 'at-least-once' }), 'outputTopic');
    assert.equal(field({}), undefined);
  });
});

describe('generator: the exactly-once outputs module', () => {
  type Outputs = {
    encodeOutput(o: Record<string, unknown>, topic: string): Record<string, unknown>;
    refusal(error: unknown): string;
  };
  async function outputsModule(): Promise<Outputs> {
    const source = fileOf(generateProject(eos()), 'src/outputs.ts');
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-outputs-'));
    try {
      fs.writeFileSync(path.join(dir, 'outputs.js'), js);
      return (await import(path.join(dir, 'outputs.js'))) as Outputs;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('encodes text and bytes as they are, other values as JSON, to the output topic unless one is named', async () => {
    const { encodeOutput } = await outputsModule();
    assert.deepEqual(encodeOutput({ value: 'text', key: 'k', headers: { a: 'b' } }, 'out'), {
      topic: 'out',
      partition: null,
      key: 'k',
      value: Buffer.from('text'),
      headers: [{ a: 'b' }],
    });
    assert.deepEqual(encodeOutput({ value: { n: 1 }, topic: 'other', partition: 2 }, 'out'), {
      topic: 'other',
      partition: 2,
      key: null,
      value: Buffer.from('{"n":1}'),
      headers: [],
    });
    assert.deepEqual(encodeOutput({ value: Buffer.from([0xff]) }, 'out').value, Buffer.from([0xff]));
    assert.equal(encodeOutput({ value: null }, 'out').value, null);
    assert.throws(
      () => encodeOutput({ value: { big: 1n } }, 'out'),
      TypeError,
      "a value JSON cannot hold is the handler's error",
    );
  });

  it("tells a refused record (the handler's) from a transaction that must abort, and a fatal producer", async () => {
    const { refusal } = await outputsModule();
    assert.equal(refusal({ code: 10, message: 'Broker: Message size too large' }), 'record');
    assert.equal(refusal({ code: -188, message: 'Local: Unknown topic' }), 'record');
    assert.equal(refusal({ code: -172, message: 'Local: Erroneous state' }), 'transaction');
    assert.equal(refusal({ code: -184, message: 'Local: Queue full' }), 'transaction');
    assert.equal(refusal({ code: -150, isFatal: true, message: 'Local: Fatal error' }), 'fatal');
  });
});

describe('generator: OAUTHBEARER and mTLS settings from the environment', () => {
  const oauth: GeneratorInput['connection'] = {
    bootstrapServers: 'broker:9093',
    securityProtocol: 'SASL_SSL',
    saslMechanism: 'OAUTHBEARER',
    oauthTokenEndpointUrl: 'https://idp.example/oauth2/token',
    oauthClientId: 'orders-service',
    oauthScope: 'kafka',
    sslCaLocation: '/etc/kafka/ca.pem',
  };

  it('names the OIDC settings in .env.example, the client secret and the key password empty', () => {
    for (const language of ['typescript', 'python'] as const) {
      const env = fileOf(
        generateProject(defaultGeneratorInput({ language, groupId: 'g', topics: ['t'], connection: oauth })),
        '.env.example',
      );
      assert.match(env, /^KAFKA_SASL_MECHANISM=OAUTHBEARER$/m);
      assert.match(env, /^KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL=https:\/\/idp\.example\/oauth2\/token$/m);
      assert.match(env, /^KAFKA_SASL_OAUTHBEARER_CLIENT_ID=orders-service$/m);
      assert.match(env, /^KAFKA_SASL_OAUTHBEARER_SCOPE=kafka$/m);
      assert.match(env, /^KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET=$/m);
      assert.match(env, /^KAFKA_SSL_KEY_PASSWORD=$/m);
      assert.doesNotMatch(env, /KAFKA_SASL_PASSWORD/);
    }
  });

  it('configures librdkafka for OIDC client credentials, the secret only from the environment', async () => {
    const load = await generatedLoadSettings(
      defaultGeneratorInput({ language: 'typescript', groupId: 'g', topics: ['t'], connection: oauth }),
    );
    const settings = load({ KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: 's3cret' });
    assert.deepEqual(settings.connection, {
      'bootstrap.servers': 'broker:9093',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanisms': 'OAUTHBEARER',
      'sasl.oauthbearer.method': 'oidc',
      'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/oauth2/token',
      'sasl.oauthbearer.client.id': 'orders-service',
      'sasl.oauthbearer.client.secret': 's3cret',
      'sasl.oauthbearer.scope': 'kafka',
      'ssl.ca.location': '/etc/kafka/ca.pem',
    });
    assert.throws(() => load({}), /KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET must be set for OAUTHBEARER/);
    for (const files of [
      generateProject(
        defaultGeneratorInput({ language: 'typescript', groupId: 'g', topics: ['t'], connection: oauth }),
      ),
      generateProject(defaultGeneratorInput({ language: 'python', groupId: 'g', topics: ['t'], connection: oauth })),
    ])
      for (const file of files) assert.doesNotMatch(file.content, /s3cret/, file.path);
  });

  it('sets the client certificate and key for mTLS from the environment, and refuses one without the other', async () => {
    const load = await generatedLoadSettings(
      defaultGeneratorInput({
        language: 'typescript',
        groupId: 'g',
        topics: ['t'],
        connection: { bootstrapServers: 'b:1' },
      }),
    );
    const settings = load({
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_SSL_CA_LOCATION: '/tls/ca.crt',
      KAFKA_SSL_CERTIFICATE_LOCATION: '/tls/client.crt',
      KAFKA_SSL_KEY_LOCATION: '/tls/client.key',
      KAFKA_SSL_KEY_PASSWORD: 'pw',
    });
    assert.deepEqual(settings.connection, {
      'bootstrap.servers': 'b:1',
      'security.protocol': 'SSL',
      'ssl.ca.location': '/tls/ca.crt',
      'ssl.certificate.location': '/tls/client.crt',
      'ssl.key.location': '/tls/client.key',
      'ssl.key.password': 'pw',
    });
    assert.throws(() => load({ KAFKA_SSL_CERTIFICATE_LOCATION: '/tls/client.crt' }), /KAFKA_SSL_KEY_LOCATION/);
    assert.throws(
      () =>
        generateProject(
          defaultGeneratorInput({
            language: 'python',
            groupId: 'g',
            topics: ['t'],
            connection: { bootstrapServers: 'b:1', securityProtocol: 'SSL', sslCertificateLocation: '/c.crt' },
          }),
        ),
      (error: unknown) => error instanceof GeneratorInputError && error.field === 'connection',
    );
  });
});
