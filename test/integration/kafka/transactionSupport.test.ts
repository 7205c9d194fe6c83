import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { KafkaClientError } from '../../../src/core/errors';
import { KafkaAdmin } from '../../../src/core/kafka/admin';
import { TRANSACTION_STATE_TOPIC, describeTransactionSupport } from '../../../src/core/kafka/transactionSupport';
import { services } from '../../support/services';

// What the start flow reads before an exactly-once session joins: the real broker's transaction
// state log settings, against its broker count.

describe('transaction support of the real cluster', function () {
  this.timeout(60_000);

  it('the local single broker can run transactions, and says why (its settings as read)', async () => {
    const admin = new KafkaAdmin({ bootstrapServers: services.kafka.plaintext }, { timeoutMs: 15_000 });
    try {
      const support = await admin.transactionSupport('Local');
      assert.equal(support.problem, undefined, support.problem);
      assert.equal(support.brokers, 1);
      assert.ok(Number.isInteger(support.brokerId), `broker id ${support.brokerId}`);
      assert.equal(support.replicationFactor, 1, 'the rig sets transaction.state.log.replication.factor=1');
      assert.equal(support.minIsr, 1);
      assert.equal(typeof support.stateTopicExists, 'boolean');
      // Listed through the plain admin too, when it exists (other tests ran transactions).
      const internal = (await admin.listTopics({ includeInternal: true })).map((t) => t.name);
      assert.equal(support.stateTopicExists, internal.includes(TRANSACTION_STATE_TOPIC));
    } finally {
      admin.close();
    }
  });

  it('a broker that never answers ends in a typed timeout within the bound', async () => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      socket.resume();
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const error = await describeTransactionSupport({ bootstrapServers: `127.0.0.1:${port}` }, 'Silent', {
        timeoutMs: 3_000,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof KafkaClientError, `got ${String(error)}`);
      assert.match(error.message, /whether the cluster can run transactions/);
      // Generous: only that the bound holds, not how fast (2 shared cores).
      assert.ok(Date.now() - started < 30_000, 'the bound held');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
