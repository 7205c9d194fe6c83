import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildEnvelope } from '../../../../src/core/dlq/envelope';
import { DLQ_ENVELOPE_FIELDS, DLQ_HEADERS, DLQ_HEADER_LIMITS } from '../../../../src/core/dlq/envelopeContract';
import { generateProject } from '../../../../src/core/generator/generateProject';
import {
  GeneratorInputError,
  defaultGeneratorInput,
  type GeneratorInput,
} from '../../../../src/core/generator/generatorInput';
import {
  AVSC_VERSION,
  CONFLUENT_KAFKA_PYTHON_VERSION,
  KAFKA_JAVASCRIPT_VERSION,
} from '../../../../src/core/generator/projectFile';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..', '..');
const extensionPackage = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const installedVersion = (name: string): string =>
  (
    JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

const input = (over: Partial<GeneratorInput> = {}): GeneratorInput =>
  defaultGeneratorInput({
    language: 'typescript',
    groupId: 'orders-service',
    topics: ['orders'],
    connection: {
      bootstrapServers: 'broker:9092',
      securityProtocol: 'SASL_SSL',
      saslMechanism: 'SCRAM-SHA-512',
      saslUsername: 'svc',
    },
    ...over,
  });

const fileOf = (files: ReturnType<typeof generateProject>, name: string): string => {
  const found = files.find((f) => f.path === name);
  assert.ok(found, `${name} is generated`);
  return found.content;
};

describe('generator: the project files', () => {
  it('writes the TypeScript project: consumer, handler in its own module, tests, README, Dockerfile, .env.example, launch.json', () => {
    const files = generateProject(input());
    assert.deepEqual(
      files.map((f) => f.path),
      [
        'package.json',
        'tsconfig.json',
        'src/consumer.ts',
        'src/config.ts',
        'src/contract.ts',
        'src/decode.ts',
        'src/deadLetter.ts',
        'src/watermark.ts',
        'src/types.ts',
        'src/handler.ts',
        'test/handler.test.ts',
        'test/watermark.test.ts',
        'test/deadLetter.test.ts',
        'test/integration.test.ts',
        'README.md',
        'Dockerfile',
        '.dockerignore',
        '.gitignore',
        '.env.example',
        '.vscode/launch.json',
      ],
    );
    const tsconfig = JSON.parse(fileOf(files, 'tsconfig.json')) as { compilerOptions: Record<string, unknown> };
    assert.equal(tsconfig.compilerOptions.strict, true);
    const consumer = fileOf(files, 'src/consumer.ts');
    assert.match(fileOf(files, 'src/config.ts'), /'enable\.auto\.commit': false/);
    assert.match(fileOf(files, 'src/config.ts'), /'partition\.assignment\.strategy': 'cooperative-sticky'/);
    assert.match(consumer, /assignmentLost\(\)/);
    assert.match(consumer, /this\.consumer\.pause\(tp\)/);
    assert.doesNotMatch(consumer, /\bsleep\(|Atomics\.wait|execSync/, 'no sleeping in the poll loop');
    assert.match(consumer, /process\.on\('SIGTERM'/);
  });

  it('pins the native client, avsc and the dev tools to the versions the extension itself uses', () => {
    assert.equal(KAFKA_JAVASCRIPT_VERSION, extensionPackage.dependencies['@confluentinc/kafka-javascript']);
    assert.equal(AVSC_VERSION, extensionPackage.dependencies.avsc);
    const pkg = JSON.parse(
      fileOf(
        generateProject(
          input({ valueFormat: 'avro', connection: { bootstrapServers: 'b:1', schemaRegistryUrl: 'http://r:8081' } }),
        ),
        'package.json',
      ),
    ) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    assert.equal(pkg.dependencies['@confluentinc/kafka-javascript'], KAFKA_JAVASCRIPT_VERSION);
    assert.equal(pkg.dependencies.avsc, AVSC_VERSION);
    assert.equal(pkg.devDependencies.typescript, installedVersion('typescript'));
    assert.equal(pkg.devDependencies['@types/node'], installedVersion('@types/node'));
    const interop = fs.readFileSync(path.join(repoRoot, 'scripts', 'interop.sh'), 'utf8');
    assert.ok(interop.includes(`==${CONFLUENT_KAFKA_PYTHON_VERSION}`), 'the Python client the interop peer proves');
  });

  it('writes the dead-letter contract from the extension constants in both languages', () => {
    for (const language of ['typescript', 'python'] as const) {
      const files = generateProject(input({ language }));
      const source = fileOf(files, language === 'typescript' ? 'src/deadLetter.ts' : 'src/dead_letter.py');
      for (const header of Object.values(DLQ_HEADERS))
        assert.ok(source.includes(`"${header}"`), `${language}: ${header}`);
      for (const field of DLQ_ENVELOPE_FIELDS) assert.ok(source.includes(field), `${language}: ${field}`);
      assert.ok(
        source.includes(String(DLQ_HEADER_LIMITS.errorMessage)) &&
          source.includes(String(DLQ_HEADER_LIMITS.errorStack)),
      );
    }
    // The extension's own envelope has the contract's fields, in its order.
    const envelope = buildEnvelope(
      { topic: 't', partition: 0, offset: 1, timestamp: 5, key: null, value: Buffer.from('x') },
      new Error('e'),
      1,
    );
    assert.deepEqual(Object.keys(envelope), [...DLQ_ENVELOPE_FIELDS]);
  });

  it('never writes a secret: passwords come from environment variables named in .env.example', () => {
    for (const language of ['typescript', 'python'] as const) {
      const files = generateProject(
        input({ language, connection: { ...input().connection, schemaRegistryUrl: 'https://r.example:8081' } }),
      );
      const env = fileOf(files, '.env.example');
      assert.match(env, /^KAFKA_SASL_PASSWORD=$/m);
      assert.match(env, /^SCHEMA_REGISTRY_USER_INFO=$/m);
      assert.match(env, /^KAFKA_SASL_USERNAME=svc$/m);
      assert.match(env, /^KAFKA_SECURITY_PROTOCOL=SASL_SSL$/m);
      assert.ok(fileOf(files, '.gitignore').includes('.env'));
    }
  });

  it('writes a kafka-lab launch configuration the extension accepts, on the handler module', async () => {
    const { parseHandlerLaunch } = await import('../../../../src/core/handler/handlerLaunchConfig');
    for (const [language, handler] of [
      ['typescript', 'src/handler.ts'],
      ['python', 'src/handler.py'],
    ] as const) {
      const launch = JSON.parse(
        fileOf(generateProject(input({ language, clusterName: 'Prod' })), '.vscode/launch.json'),
      ) as {
        configurations: Array<Record<string, unknown>>;
      };
      const config = launch.configurations.find((c) => c.type === 'kafka-lab');
      assert.ok(config);
      assert.equal(config.handler, `\${workspaceFolder}/${handler}`);
      const parsed = parseHandlerLaunch({ ...config, handler: `/work/project/${handler}` });
      assert.equal(parsed.cluster, 'Prod');
      assert.equal(
        parsed.groupId,
        'orders-service-debug',
        'a group of its own, so a running service keeps its partitions',
      );
      assert.deepEqual(parsed.commitPolicy, { kind: 'batch', maxMessages: 500, maxIntervalMs: 5000 });
      assert.equal(parsed.language, language === 'python' ? 'python' : 'node');
    }
  });

  it('refuses input that could break out of a generated string, naming the field', () => {
    const cases: Array<[Partial<GeneratorInput>, string]> = [
      [{ topics: ["orders'; rm -rf /"] }, 'topics'],
      [{ groupId: 'g${process.exit()}' }, 'groupId'],
      [{ dlqTopic: 'orders' }, 'dlqTopic'],
      [{ concurrency: 0 }, 'concurrency'],
      [{ connection: { bootstrapServers: 'b:1', schemaRegistryUrl: 'http://r"/x' } }, 'connection'],
      [{ connection: { bootstrapServers: 'not a host' } }, 'connection.bootstrapServers'],
      [{ valueFormat: 'avro', connection: { bootstrapServers: 'b:1' } }, 'connection'],
      [{ commitPolicy: { kind: 'batch', maxMessages: 0, maxIntervalMs: 10 } }, 'commitPolicy'],
    ];
    for (const [over, field] of cases)
      assert.throws(
        () => generateProject(input(over)),
        (e: unknown) => e instanceof GeneratorInputError && e.field === field,
        `${JSON.stringify(over)} is refused as ${field}`,
      );
  });

  it('derives the project types from the subject and decodes through the registry for Avro', () => {
    const files = generateProject(
      input({
        valueFormat: 'avro',
        connection: { bootstrapServers: 'b:1', schemaRegistryUrl: 'http://r:8081' },
        schema: {
          subject: 'orders-value',
          version: 3,
          id: 7,
          schema: JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] }),
        },
      }),
    );
    assert.ok(files.some((f) => f.path === 'src/registry.ts'));
    assert.match(fileOf(files, 'src/types.ts'), /export interface Order \{\n {2}id: number \| string;/);
    assert.match(fileOf(files, 'src/handler.ts'), /import type \{ Order as Value \} from '\.\/types';/);
    const py = generateProject(
      input({
        language: 'python',
        valueFormat: 'avro',
        connection: { bootstrapServers: 'b:1', schemaRegistryUrl: 'http://r:8081' },
        schema: {
          subject: 'orders-value',
          version: 3,
          id: 7,
          schema: JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] }),
        },
      }),
    );
    assert.match(fileOf(py, 'requirements.txt'), /^confluent-kafka\[avro\]==2\.16\.1$/m);
    assert.match(fileOf(py, 'src/decode.py'), /AvroDeserializer\(self\._registry\)/);
    assert.match(fileOf(py, 'src/model.py'), /class Order\(TypedDict\):\n {4}id: int/);
  });
});
