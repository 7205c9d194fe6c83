import { strict as assert } from 'node:assert';
import { KafkaClientError } from '../../../../src/core/errors';
import { fromKafkajsError, overallTimeout } from '../../../../src/core/kafka/kafkajsErrors';

const subject = { operation: 'describe the configs of topic "t"', topic: 't' };
const context = { bootstrapServers: 'b:9092', username: 'alice', mechanism: 'SCRAM-SHA-512', waitedMs: 1000 };

/** Errors shaped like kafkajs's (name, type, code, cause), without loading kafkajs. */
function kafkajsError(
  name: string,
  message: string,
  fields: { code?: number | string; type?: string; cause?: unknown } = {},
): Error {
  const error = new Error(message, fields.cause === undefined ? undefined : { cause: fields.cause });
  error.name = name;
  Object.assign(error, { code: fields.code, type: fields.type });
  return error;
}

describe('kafkajs errors', () => {
  it('a missing topic is topicNotFound', () => {
    const error = fromKafkajsError(
      kafkajsError('KafkaJSProtocolError', 'This server does not host this topic-partition', {
        code: 3,
        type: 'UNKNOWN_TOPIC_OR_PARTITION',
      }),
      subject,
      context,
    );
    assert.equal(error.reason, 'topicNotFound');
    assert.match(error.message, /Topic "t" does not exist at b:9092/);
  });

  it('a refused login is authenticationFailed, found under the retry wrappers', () => {
    const sasl = kafkajsError(
      'KafkaJSSASLAuthenticationError',
      'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials',
    );
    const wrapped = kafkajsError('KafkaJSNumberOfRetriesExceeded', sasl.message, {
      cause: kafkajsError('KafkaJSNonRetriableError', sasl.message, { cause: sasl }),
    });
    const error = fromKafkajsError(wrapped, subject, context);
    assert.equal(error.reason, 'authenticationFailed');
    assert.match(error.message, /Authentication failed for user "alice" with SCRAM-SHA-512 at b:9092/);
    assert.equal(
      fromKafkajsError(kafkajsError('KafkaJSProtocolError', 'x', { code: 58 }), subject, context).reason,
      'authenticationFailed',
    );
  });

  it('connection failures are brokerUnreachable, request timeouts are timeout', () => {
    const refused = kafkajsError('KafkaJSNumberOfRetriesExceeded', 'Connection error: connect ECONNREFUSED', {
      cause: kafkajsError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:1', {
        code: 'ECONNREFUSED',
      }),
    });
    const unreachable = fromKafkajsError(refused, subject, context);
    assert.equal(unreachable.reason, 'brokerUnreachable');
    assert.match(
      unreachable.message,
      /Could not reach a broker at b:9092 \(Connection error: connect ECONNREFUSED 127\.0\.0\.1:1\)/,
    );
    assert.equal(
      fromKafkajsError(
        kafkajsError('KafkaJSRequestTimeoutError', 'Request DescribeConfigs timed out'),
        subject,
        context,
      ).reason,
      'timeout',
    );
    assert.equal(overallTimeout(subject, context, 1234).reason, 'timeout');
    assert.match(overallTimeout(subject, context, 1234).message, /within 1234 ms/);
  });

  it('authorization answers are notAuthorized; anything else is unknown and points to the log', () => {
    assert.equal(
      fromKafkajsError(kafkajsError('KafkaJSProtocolError', 'no', { code: 29 }), subject, context).reason,
      'notAuthorized',
    );
    const other = fromKafkajsError(new TypeError('boom'), subject, context);
    assert.equal(other.reason, 'unknown');
    assert.match(other.message, /Could not describe the configs of topic "t" \(boom\)\..*see the log/);
  });

  it('keeps our own typed errors (from the token provider) as they are', () => {
    const ours = new KafkaClientError('authenticationFailed', 'token endpoint refused');
    assert.equal(
      fromKafkajsError(kafkajsError('KafkaJSNumberOfRetriesExceeded', 'x', { cause: ours }), subject, context),
      ours,
    );
  });

  it('survives a cyclic cause chain', () => {
    const a = kafkajsError('KafkaJSError', 'a');
    Object.assign(a, { cause: a });
    assert.equal(fromKafkajsError(a, subject, context).reason, 'unknown');
  });
});

describe('kafkajs errors after an earlier request timeout', () => {
  it('an unclassifiable error is reported as the timeout seen before it; a classifiable one stays', () => {
    const earlier = { name: 'KafkaJSRequestTimeoutError', message: 'request ApiVersions to b:9092 timed out' };
    const later = fromKafkajsError(new Error('Broker not connected'), subject, context, earlier);
    assert.equal(later.reason, 'timeout');
    assert.match(later.message, /No answer from b:9092 .*request ApiVersions to b:9092 timed out/);
    const protocol = kafkajsError('KafkaJSProtocolError', 'x', { code: 3 });
    assert.equal(fromKafkajsError(protocol, subject, context, earlier).reason, 'topicNotFound');
    const ours = new KafkaClientError('unknown', 'ours');
    assert.equal(fromKafkajsError(ours, subject, context, earlier), ours);
  });
});
