import { strict as assert } from 'node:assert';
import { KafkaClientError } from '../../../../src/core/errors';
import { RdKafkaCode, reasonOf, toKafkaClientError } from '../../../../src/core/kafka/clientErrors';
import { toLibrdkafkaConfig, validateConnection } from '../../../../src/core/kafka/connection';

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(
    fn,
    (error: unknown) =>
      error instanceof KafkaClientError && error.reason === 'invalidConfiguration' && pattern.test(error.message),
  );
}

describe('cluster connection settings', () => {
  it('maps a SASL connection to librdkafka properties, never enabling anything implicit', () => {
    const config = toLibrdkafkaConfig({
      bootstrapServers: 'a.example:9093, [::1]:9093',
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
    });
    assert.deepEqual(config, {
      'bootstrap.servers': 'a.example:9093, [::1]:9093',
      'client.id': 'kafka-consumer-lab',
      'security.protocol': 'sasl_plaintext',
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'u',
      'sasl.password': 'p',
    });
  });

  it('defaults to PLAINTEXT', () => {
    assert.equal(toLibrdkafkaConfig({ bootstrapServers: '127.0.0.1:9092' })['security.protocol'], 'plaintext');
  });

  it('rejects malformed bootstrap servers with a message that shows the expected form', () => {
    invalid(() => validateConnection({ bootstrapServers: '' }), /at least one host:port/);
    invalid(() => validateConnection({ bootstrapServers: 'localhost' }), /"localhost" is not host:port/);
    invalid(() => validateConnection({ bootstrapServers: 'localhost:99999' }), /not host:port/);
    invalid(() => validateConnection({ bootstrapServers: 'http://broker:9092' }), /not host:port/);
  });

  it('requires credentials for SASL protocols and refuses stray credentials', () => {
    invalid(
      () => validateConnection({ bootstrapServers: 'b:1', securityProtocol: 'SASL_SSL' }),
      /needs a SASL mechanism/,
    );
    invalid(
      () =>
        validateConnection({
          bootstrapServers: 'b:1',
          securityProtocol: 'SSL',
          sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' },
        }),
      /Choose SASL_PLAINTEXT or SASL_SSL/,
    );
    invalid(() => validateConnection({ bootstrapServers: 'b:1', securityProtocol: 'TLS' as never }), /not one of/);
  });
});

describe('Kafka client error classification', () => {
  it('classifies by code, not by text', () => {
    assert.equal(reasonOf({ code: RdKafkaCode.AUTHENTICATION, message: 'whatever' }), 'authenticationFailed');
    assert.equal(reasonOf({ code: RdKafkaCode.SASL_AUTHENTICATION_FAILED }), 'authenticationFailed');
    assert.equal(reasonOf({ code: RdKafkaCode.TRANSPORT }), 'brokerUnreachable');
    assert.equal(reasonOf({ code: RdKafkaCode.ALL_BROKERS_DOWN }), 'brokerUnreachable');
    assert.equal(reasonOf({ code: RdKafkaCode.TIMED_OUT }), 'timeout');
    assert.equal(reasonOf({ message: 'Authentication failed' }), 'unknown');
  });

  it('builds messages that say what to do, naming the user but never a password', () => {
    const error = toKafkaClientError(
      { code: RdKafkaCode.AUTHENTICATION, message: 'SASL authentication error' },
      { bootstrapServers: 'b:9093', username: 'alice', mechanism: 'SCRAM-SHA-512' },
    );
    assert.equal(error.reason, 'authenticationFailed');
    assert.match(error.message, /user "alice" with SCRAM-SHA-512 at b:9093/);
    assert.match(error.message, /Check the username/);
    const unreachable = toKafkaClientError({ code: RdKafkaCode.TRANSPORT }, { bootstrapServers: 'b:9092' });
    assert.match(unreachable.message, /Could not reach a broker at b:9092.*Check the bootstrap servers/);
  });
});

describe('error events without a code', () => {
  it("recovers the code from the binding's err2str text (code -1)", () => {
    assert.equal(reasonOf({ code: -1, message: 'authentication failure' }), 'authenticationFailed');
    assert.equal(reasonOf({ code: -1, message: 'Local: Authentication failure' }), 'authenticationFailed');
    assert.equal(reasonOf({ code: -1, message: 'broker transport failure' }), 'brokerUnreachable');
    assert.equal(reasonOf({ code: -1, message: 'all broker connections are down' }), 'brokerUnreachable');
    assert.equal(reasonOf({ code: -1, message: 'something else' }), 'unknown');
  });
});
