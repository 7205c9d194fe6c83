import { strict as assert } from 'node:assert';
import { probeCluster } from '../../src/core/kafka/clusterProbe';
import { KafkaClientError } from '../../src/core/errors';
import { createTopic, deleteTopicsQuietly, kafkaClient, withAdmin } from '../support/kafka';
import { freeLoopbackPort, services, uniqueName, waitFor } from '../support/services';

const { scram, plain } = services.users;

/** Below the ephemeral range, so that nothing (not even the client itself) answers on it. */
const freePort = freeLoopbackPort;

describe('authentication over SASL_PLAINTEXT', () => {
  it('SCRAM-SHA-512 with the right password reads cluster metadata', async () => {
    const result = await probeCluster(
      { bootstrapServers: services.kafka.saslPlaintext, securityProtocol: 'SASL_PLAINTEXT', sasl: scram },
      { timeoutMs: 10_000 },
    );
    assert.equal(result.brokers.length, 1);
  });

  it('PLAIN with the right password reads cluster metadata', async () => {
    const result = await probeCluster(
      { bootstrapServers: services.kafka.saslPlaintext, securityProtocol: 'SASL_PLAINTEXT', sasl: plain },
      { timeoutMs: 10_000 },
    );
    assert.equal(result.brokers.length, 1);
  });

  it('produces and consumes as the SCRAM user', async () => {
    const topic = uniqueName('it-scram');
    const groupId = uniqueName('it-scram-group');
    await createTopic(topic, 1);
    try {
      const kafka = kafkaClient({
        brokers: services.kafka.saslPlaintext,
        sasl: { mechanism: 'scram-sha-512', username: scram.username, password: scram.password },
      });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'k', value: 'over SCRAM' }] });
      await producer.disconnect();

      const consumer = kafka.consumer({
        kafkaJS: { groupId, fromBeginning: true, autoCommit: false },
      });
      const values: string[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [topic] });
        await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
        await waitFor('the message produced over SCRAM', 30_000, () => (values.length ? true : undefined));
        assert.deepEqual(values, ['over SCRAM']);
      } finally {
        await consumer.disconnect();
      }
    } finally {
      // The group exists on the broker once the consumer joined: tests leave no groups behind.
      await withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
      await deleteTopicsQuietly(topic);
    }
  });

  for (const user of [scram, plain]) {
    it(`a wrong ${user.mechanism} password fails fast with a clear, typed error that does not leak the password`, async () => {
      const wrong = `${user.password}-wrong`;
      const started = Date.now();
      const error = await probeCluster(
        {
          bootstrapServers: services.kafka.saslPlaintext,
          securityProtocol: 'SASL_PLAINTEXT',
          sasl: { ...user, password: wrong },
        },
        { timeoutMs: 15_000 },
      ).then(
        () => assert.fail('a wrong password was accepted'),
        (e: unknown) => e,
      );
      const elapsed = Date.now() - started;
      assert.ok(error instanceof KafkaClientError, `not a KafkaClientError: ${String(error)}`);
      assert.equal(error.reason, 'authenticationFailed', error.message);
      assert.match(error.message, new RegExp(`user "${user.username}"`));
      assert.match(error.message, /Check the username, the password/);
      assert.ok(!error.message.includes(wrong), 'the error message contains the password');
      // Bounded, and much sooner than the timeout: the auth failure ends the wait.
      assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
    });
  }

  it('an unreachable broker gives a clear error within the bounded wait', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await probeCluster({ bootstrapServers: `127.0.0.1:${port}` }, { timeoutMs: 4_000 }).then(
      () => assert.fail('connected to a closed port'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof KafkaClientError);
    assert.equal(error.reason, 'brokerUnreachable', error.message);
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.ok(Date.now() - started < 8_000, `took ${Date.now() - started} ms`);
  });

  it('the SASL listener refuses a client that does not authenticate', async () => {
    const error = await probeCluster({ bootstrapServers: services.kafka.saslPlaintext }, { timeoutMs: 4_000 }).then(
      () => assert.fail('an unauthenticated client read metadata from the SASL listener'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof KafkaClientError, String(error));
  });
});
