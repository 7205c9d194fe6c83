import { strict as assert } from 'node:assert';
import { HandlerLaunchError, parseHandlerLaunch } from '../../../../src/core/handler/handlerLaunchConfig';

const base = {
  type: 'kafka-lab',
  request: 'launch',
  name: 'Transform orders',
  handler: '/w/src/transform.ts',
  cluster: 'Local demo',
  topics: ['orders'],
  groupId: 'dev-orders',
};

describe('kafka-lab launch configurations: the delivery guarantee', () => {
  it('is at-least-once unless the configuration says exactly-once', () => {
    assert.equal(parseHandlerLaunch(base).delivery, 'at-least-once');
    const eos = parseHandlerLaunch({ ...base, delivery: 'exactly-once', transactionalIdPrefix: 'orders-tx' });
    assert.equal(eos.delivery, 'exactly-once');
    assert.equal(eos.transactionalIdPrefix, 'orders-tx');
    // Transactions of 500 messages or 100 ms unless a commit policy is given.
    assert.deepEqual(eos.commitPolicy, { kind: 'batch', maxMessages: 500, maxIntervalMs: 100 });
    assert.deepEqual(
      parseHandlerLaunch({ ...base, delivery: 'exactly-once', commitPolicy: 'perMessage' }).commitPolicy,
      {
        kind: 'perMessage',
      },
    );
    assert.equal(
      parseHandlerLaunch({ ...base, delivery: 'exactly-once', transactionTimeoutMs: 120_000 }).transactionTimeoutMs,
      120_000,
    );
  });

  it('refuses what exactly-once cannot keep, naming the field', () => {
    assert.throws(
      () => parseHandlerLaunch({ ...base, delivery: 'twice' }),
      (e: unknown) => e instanceof HandlerLaunchError && e.field === 'delivery',
    );
    assert.throws(
      () => parseHandlerLaunch({ ...base, delivery: 'exactly-once', partitionConcurrency: 4 }),
      (e: unknown) => e instanceof HandlerLaunchError && e.field === 'partitionConcurrency',
    );
    assert.throws(
      () => parseHandlerLaunch({ ...base, delivery: 'exactly-once', transactionTimeoutMs: 5 }),
      (e: unknown) => e instanceof HandlerLaunchError && e.field === 'transactionTimeoutMs',
    );
  });
});
