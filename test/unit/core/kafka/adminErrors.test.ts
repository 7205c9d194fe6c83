import { strict as assert } from 'node:assert';
import { KafkaClientError } from '../../../../src/core/errors';
import { bounded, toAdminError } from '../../../../src/core/kafka/adminErrors';
import { RdKafkaCode } from '../../../../src/core/kafka/clientErrors';

const context = { bootstrapServers: 'b:9092', username: 'alice' };

describe('admin errors', () => {
  it('classifies broker answers by code, with what to do', () => {
    const cases: Array<[number, string, RegExp]> = [
      [3, 'topicNotFound', /Topic "t" does not exist/],
      [36, 'topicAlreadyExists', /already exists; choose another name/],
      [69, 'groupNotFound', /group "g" does not exist/],
      [68, 'groupHasActiveMembers', /stop every consumer of the group/],
      [25, 'groupHasActiveMembers', /active members/],
      [30, 'notAuthorized', /User "alice" is not authorized/],
      [38, 'invalidRequest', /rejected the request/],
      [999, 'unknown', /see the log/],
    ];
    for (const [code, reason, message] of cases) {
      const error = toAdminError(
        { code, message: 'broker says no' },
        { operation: 'do it', topic: 't', groupId: 'g' },
        context,
      );
      assert.equal(error.reason, reason, `code ${code}`);
      assert.match(error.message, /^Could not do it \(broker says no\)\./);
      assert.match(error.message, message);
    }
  });

  it('keeps connection-level classification for local errors', () => {
    assert.equal(
      toAdminError({ code: RdKafkaCode.TRANSPORT, message: 'x' }, { operation: 'x' }, context).reason,
      'brokerUnreachable',
    );
    assert.equal(
      toAdminError({ code: RdKafkaCode.TIMED_OUT, message: 'x' }, { operation: 'x' }, context).reason,
      'timeout',
    );
  });

  it('settles within its bound when the client never calls back, preferring an earlier specific error', async () => {
    const started = Date.now();
    const timeout = await bounded(50, { operation: 'wait' }, context, () => undefined).catch((e: unknown) => e);
    assert.ok(timeout instanceof KafkaClientError && timeout.reason === 'timeout', String(timeout));
    assert.ok(Date.now() - started < 1000);
    const auth = await bounded(
      50,
      { operation: 'wait' },
      context,
      () => undefined,
      () => ({ code: -1, message: 'Local: Authentication failure' }),
    ).catch((e: unknown) => e);
    assert.ok(auth instanceof KafkaClientError && auth.reason === 'authenticationFailed', String(auth));
  });

  it('resolves with the value, maps an error, and ignores a late callback', async () => {
    assert.equal(await bounded(1000, { operation: 'x' }, context, (done) => done(null, 7)), 7);
    const failed = await bounded(1000, { operation: 'create topic "t"', topic: 't' }, context, (done) =>
      done({ code: 36, message: 'exists' }),
    ).catch((e: unknown) => e);
    assert.ok(failed instanceof KafkaClientError && failed.reason === 'topicAlreadyExists');
    let late: ((e: null, v: number) => void) | undefined;
    const timedOut = await bounded<number>(20, { operation: 'x' }, context, (done) => (late = done)).catch(
      (e: unknown) => e,
    );
    late?.(null, 1);
    assert.ok(timedOut instanceof KafkaClientError);
    const thrown = await bounded(1000, { operation: 'x' }, context, () => {
      throw new Error('boom');
    }).catch((e: unknown) => e);
    assert.ok(thrown instanceof KafkaClientError && /boom/.test(thrown.message));
  });
});
