import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { KafkaClientError } from '../../src/core/errors';
import { KafkaAdmin } from '../../src/core/kafka/admin';
import { differsFromDefault, type TopicConfigRow } from '../../src/core/kafka/topicConfigRows';
import { describeTopicConfigs } from '../../src/core/kafka/topicConfigs';
import { createLogger } from '../../src/core/logging';
import { deleteTopicsQuietly } from '../support/kafka';
import { services, uniqueName, waitFor } from '../support/services';

const { scram } = services.users;
const plaintext = { bootstrapServers: services.kafka.plaintext };
const saslScram = {
  bootstrapServers: services.kafka.saslPlaintext,
  securityProtocol: 'SASL_PLAINTEXT' as const,
  sasl: scram,
};

/** A TCP listener that accepts and never answers; closed right away, its port is one nothing listens on. */
function listener(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    // Reads (so that it sees the client's FIN) and never answers.
    socket.resume();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

async function failure(promise: Promise<unknown>): Promise<KafkaClientError> {
  const error = await promise.then(
    () => assert.fail('the call succeeded'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof KafkaClientError, `not a KafkaClientError: ${String(error)}`);
  return error;
}

const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('topic configs (DescribeConfigs through kafkajs) against the real broker', () => {
  const topic = uniqueName('it-configs');
  const admin = new KafkaAdmin(plaintext, { timeoutMs: 15_000 });

  before(async () => {
    await admin.createTopic({
      name: topic,
      partitions: 1,
      replicationFactor: 1,
      configs: { 'cleanup.policy': 'compact', 'retention.ms': '123456' },
    });
  });

  after(async () => {
    admin.close();
    await deleteTopicsQuietly(topic);
  });

  function byName(rows: readonly TopicConfigRow[]): Map<string, TopicConfigRow> {
    return new Map(rows.map((r) => [r.name, r]));
  }

  it('shows the configs set on the topic as differing from the defaults, first, and the rest as defaults', async () => {
    const before = tcpSockets();
    const lines: string[] = [];
    const rows = await describeTopicConfigs(plaintext, topic, {
      timeoutMs: 10_000,
      logger: createLogger((_level, line) => lines.push(line)),
    });
    const rowsByName = byName(rows);
    assert.ok(rows.length > 20, `only ${rows.length} configs`);
    assert.deepEqual(rowsByName.get('cleanup.policy'), {
      name: 'cleanup.policy',
      value: 'compact',
      source: 'dynamic topic',
      isDefault: false,
      readOnly: false,
      sensitive: false,
    });
    assert.equal(rowsByName.get('retention.ms')?.value, '123456');
    assert.equal(rowsByName.get('retention.ms')?.source, 'dynamic topic');
    for (const name of ['compression.type', 'max.message.bytes', 'min.compaction.lag.ms']) {
      const row = rowsByName.get(name);
      assert.ok(row, `no ${name}`);
      assert.equal(row.source, 'default', `${name}: ${JSON.stringify(row)}`);
      assert.equal(differsFromDefault(row), false);
    }
    // Sorted: every non-default row before every default one.
    const firstDefault = rows.findIndex((r) => !differsFromDefault(r));
    assert.ok(
      firstDefault > 0 && rows.slice(firstDefault).every((r) => !differsFromDefault(r)),
      rows.map((r) => `${r.name}:${r.source}`).join(', '),
    );
    // kafkajs's own log reached ours; the client is gone afterwards.
    assert.ok(
      lines.some((l) => l.includes('kafkajs')),
      lines.join('\n'),
    );
    await settle();
    assert.ok(tcpSockets() <= before, `sockets left open: ${tcpSockets()} > ${before}`);
  });

  it('the explorer gets them through KafkaAdmin', async () => {
    const rows = await admin.describeTopicConfigs(topic);
    assert.equal(byName(rows).get('cleanup.policy')?.value, 'compact');
  });

  it('works over SASL_PLAINTEXT with SCRAM-SHA-512', async () => {
    const rows = await describeTopicConfigs(saslScram, topic, { timeoutMs: 10_000 });
    assert.equal(byName(rows).get('retention.ms')?.value, '123456');
  });

  it('a wrong password fails fast with authenticationFailed, without the password', async () => {
    const wrong = `${scram.password}-wrong`;
    const started = Date.now();
    const error = await failure(
      describeTopicConfigs({ ...saslScram, sasl: { ...scram, password: wrong } }, topic, { timeoutMs: 15_000 }),
    );
    const elapsed = Date.now() - started;
    assert.equal(error.reason, 'authenticationFailed', error.message);
    assert.match(error.message, new RegExp(`Authentication failed for user "${scram.username}" with SCRAM-SHA-512`));
    assert.ok(!error.message.includes(wrong));
    assert.ok(elapsed < 8_000, `took ${elapsed} ms`);
  });

  it('a topic that does not exist is topicNotFound', async () => {
    const missing = uniqueName('it-configs-missing');
    const error = await failure(describeTopicConfigs(plaintext, missing, { timeoutMs: 10_000 }));
    assert.equal(error.reason, 'topicNotFound', error.message);
    assert.match(
      error.message,
      new RegExp(`Topic "${missing}" does not exist at ${services.kafka.plaintext.replace(/\./g, '\\.')}`),
    );
  });

  it('an unreachable broker gives brokerUnreachable within the bound', async () => {
    const closed = await listener();
    await closed.close();
    const started = Date.now();
    const error = await failure(
      describeTopicConfigs({ bootstrapServers: `127.0.0.1:${closed.port}` }, topic, { timeoutMs: 4_000 }),
    );
    assert.equal(error.reason, 'brokerUnreachable', error.message);
    assert.match(error.message, new RegExp(`Could not reach a broker at 127\\.0\\.0\\.1:${closed.port}`));
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  });

  it('a listener that never answers ends in a timeout within the bound, and leaves no socket open', async () => {
    const silent = await listener();
    try {
      const before = tcpSockets();
      const started = Date.now();
      const error = await failure(
        describeTopicConfigs({ bootstrapServers: `127.0.0.1:${silent.port}` }, topic, { timeoutMs: 3_000 }),
      );
      assert.ok(Date.now() - started < 4_500, `took ${Date.now() - started} ms`);
      assert.equal(error.reason, 'timeout', error.message);
      assert.match(error.message, new RegExp(`No answer from 127\\.0\\.0\\.1:${silent.port}`));
      // A retry kafkajs had scheduled may still open a socket; it is closed as soon as that connect settles.
      await waitFor('the sockets of the timed-out call to close', 5_000, () =>
        tcpSockets() <= before ? true : undefined,
      );
    } finally {
      await silent.close();
    }
  });
});
