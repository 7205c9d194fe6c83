// npm run test:generator: the generated projects (TypeScript and Python) connect to the rig's
// secured listeners with nothing but their environment, as .env.example names it: mTLS with an
// encrypted client key (its password from the environment), and SASL_SSL with OAUTHBEARER (OIDC
// client credentials against the rig's identity provider). Each consumes records and commits them;
// no secret is in a generated file or in the consumer's output.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultGeneratorInput, type GeneratorInput } from '../../../src/core/generator/generatorInput';
import { CommittedReader } from '../../support/committedReader';
import { createTopic, deleteTopicsQuietly, produceSequence, withAdmin } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { assertNoSecrets, requireSecuredRig, rigSecrets, secured, tlsFiles } from '../security/securityRig';
import { ConsumerProcess, pythonFor, removeProjects, repoRoot, run, writeProject } from './generatedProject';

const RECORDS = 5;

const TS_HANDLER = `import { appendFileSync } from 'node:fs';
import type { HandlerContext, HandlerMessage, HandlerResult } from './contract';

export class InvalidMessage extends Error {}

export async function handle(message: HandlerMessage<unknown>, _context: HandlerContext): Promise<HandlerResult> {
  appendFileSync(process.env.SEEN_FILE as string, JSON.stringify(message.value) + '\\n');
  return undefined;
}
`;

const PY_HANDLER = `import json
import os


def handle(message, context):
    with open(os.environ["SEEN_FILE"], "a") as f:
        f.write(json.dumps(message.value) + "\\n")
`;

/** The environment of each secured listener, as a deployment would set it from .env.example. */
const listeners: Array<[string, NodeJS.ProcessEnv]> = [
  [
    'mTLS (encrypted client key)',
    {
      KAFKA_BOOTSTRAP_SERVERS: secured.kafka.mtls,
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_SSL_CA_LOCATION: tlsFiles.ca,
      KAFKA_SSL_CERTIFICATE_LOCATION: tlsFiles.clientCert,
      KAFKA_SSL_KEY_LOCATION: tlsFiles.clientEncryptedKey,
      KAFKA_SSL_KEY_PASSWORD: secured.tls.clientKeyPassword,
    },
  ],
  [
    'OAUTHBEARER (OIDC) over SASL_SSL',
    {
      KAFKA_BOOTSTRAP_SERVERS: secured.kafka.saslSsl,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SSL_CA_LOCATION: tlsFiles.ca,
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: secured.oauth.tokenEndpoint,
      KAFKA_SASL_OAUTHBEARER_CLIENT_ID: secured.oauth.clients.good.clientId,
      KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: secured.oauth.clients.good.clientSecret,
    },
  ],
];

function project(language: GeneratorInput['language'], topic: string, groupId: string): GeneratorInput {
  return defaultGeneratorInput({
    language,
    groupId,
    topics: [topic],
    commitPolicy: { kind: 'perMessage' },
    // Generated for the plaintext listener: the environment alone moves it to a secured one.
    connection: { bootstrapServers: services.kafka.plaintext },
  });
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const reader = await CommittedReader.open(services.kafka.plaintext, groupId);
  try {
    return [...(await reader.read(topic, [0])).values()].reduce((n, o) => n + Math.max(0, o), 0);
  } finally {
    await reader.close();
  }
}

describe('generated projects on the secured listeners: mTLS and OAUTHBEARER from the environment', function () {
  this.timeout(15 * 60_000);
  const topic = uniqueName('it-gen-sec');
  const groups: string[] = [];
  const processes: ConsumerProcess[] = [];

  before(async () => {
    requireSecuredRig();
    await createTopic(topic, 1);
    await createTopic(`${topic}.dead-letter`, 1);
    await produceSequence(topic, RECORDS);
  });

  after(async () => {
    for (const p of processes) await p.kill();
    await deleteTopicsQuietly(topic, `${topic}.dead-letter`);
    for (const g of groups) await withAdmin((admin) => admin.deleteGroups([g])).catch(() => undefined);
    removeProjects();
  });

  async function consumeOver(
    label: string,
    env: NodeJS.ProcessEnv,
    dir: string,
    groupId: string,
    command: readonly string[],
  ): Promise<void> {
    const seen = path.join(dir, `seen-${groups.length}.ndjson`);
    const consumer = new ConsumerProcess(command[0] as string, command.slice(1), dir, {
      ...process.env,
      ...env,
      KAFKA_GROUP_ID: groupId,
      SEEN_FILE: seen,
      PYTHONUNBUFFERED: '1',
    });
    processes.push(consumer);
    await waitFor(`${RECORDS} records committed over ${label}`, 90_000, async () => {
      if (!consumer.running) throw new Error(`the consumer exited over ${label}:\n${consumer.log.slice(-4000)}`);
      return (await committedTotal(groupId, topic)) === RECORDS ? true : undefined;
    });
    consumer.signal('SIGTERM');
    assert.equal((await consumer.waitForExit(60_000)).code, 0, consumer.log.slice(-3000));
    const values = fs
      .readFileSync(seen, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number });
    assert.deepEqual(
      values.map((v) => v.seq),
      Array.from({ length: RECORDS }, (_, i) => i),
      `the records consumed over ${label}`,
    );
    assertNoSecrets([consumer.log], rigSecrets);
  }

  const secretsNotIn = (dir: string): void => {
    const texts: string[] = [];
    const walk = (d: string): void => {
      for (const entry of fs.readdirSync(d, { withFileTypes: true }))
        if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('seen-')) continue;
        else if (entry.isDirectory()) walk(path.join(d, entry.name));
        else texts.push(fs.readFileSync(path.join(d, entry.name), 'utf8'));
    };
    walk(dir);
    assertNoSecrets(texts, rigSecrets);
  };

  it('TypeScript: consumes and commits over mTLS and over OAUTHBEARER', async () => {
    const groupId = uniqueName('gen-sec-ts');
    const dir = writeProject(project('typescript', topic, groupId), 'gen-sec-ts');
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    fs.writeFileSync(path.join(dir, 'src', 'handler.ts'), TS_HANDLER);
    await run(path.join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', '.'], {
      cwd: dir,
      timeoutMs: 180_000,
      what: 'tsc (strict)',
    });
    for (const [label, env] of listeners) {
      const group = `${groupId}-${groups.length}`;
      groups.push(group);
      await consumeOver(label, env, dir, group, [process.execPath, 'dist/src/consumer.js']);
    }
    secretsNotIn(dir);
  });

  it('Python: consumes and commits over mTLS and over OAUTHBEARER', async () => {
    const groupId = uniqueName('gen-sec-py');
    const dir = writeProject(project('python', topic, groupId), 'gen-sec-py');
    const python = await pythonFor(dir);
    fs.writeFileSync(path.join(dir, 'src', 'handler.py'), PY_HANDLER);
    for (const [label, env] of listeners) {
      const group = `${groupId}-${groups.length}`;
      groups.push(group);
      await consumeOver(label, env, dir, group, [python, 'src/consumer.py']);
    }
    secretsNotIn(dir);
  });
});
