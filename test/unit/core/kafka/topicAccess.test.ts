import { strict as assert } from 'node:assert';
import { AuthorizationCode, writeDeniedMessage } from '../../../../src/core/kafka/topicAccess';
import { toProduceError } from '../../../../src/core/produce/produceErrors';

describe('authorisation messages', () => {
  it('a refused topic write names the broker error, the principal and the ACL to ask for', () => {
    const text = writeDeniedMessage(AuthorizationCode.TOPIC_AUTHORIZATION_FAILED, 'orders', 'alice');
    assert.equal(
      text,
      'The broker refused the write (TOPIC_AUTHORIZATION_FAILED): user "alice" is not authorised to write to topic "orders". ' +
        'Ask the cluster administrator for WRITE on topic "orders" (a WRITE ACL for this principal; it includes DESCRIBE), or connect as another principal. Nothing was written.',
    );
    assert.match(writeDeniedMessage(29, 'orders', undefined), /: this connection is not authorised/);
  });

  it('cluster and transactional-id refusals ask for what they lack', () => {
    assert.match(
      writeDeniedMessage(AuthorizationCode.CLUSTER_AUTHORIZATION_FAILED, 'orders', 'alice'),
      /^The broker refused the write \(CLUSTER_AUTHORIZATION_FAILED\): .*IDEMPOTENT_WRITE on the cluster/,
    );
    assert.match(
      writeDeniedMessage(AuthorizationCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'orders', 'alice'),
      /^The broker refused the transactional write \(TRANSACTIONAL_ID_AUTHORIZATION_FAILED\): .*WRITE and DESCRIBE on the transactional id/,
    );
  });

  it('the producer classifies every authorisation code as notAuthorized, with the principal', () => {
    for (const code of [29, 31, 53]) {
      const error = toProduceError({ code, message: 'Broker: Topic authorization failed' }, 'orders', 'alice');
      assert.equal(error.reason, 'notAuthorized');
      assert.equal(error.code, code);
      assert.match(error.message, /user "alice"/);
      assert.doesNotMatch(error.message, /does not exist/);
    }
  });
});
