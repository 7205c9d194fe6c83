import { strict as assert } from 'node:assert';
import { HandlerLaunchError, parseHandlerLaunch } from '../../../../src/core/handler/handlerLaunchConfig';

// What "Debug Handler…" writes after its delivery step must parse back to the same settings.
const written = {
  type: 'kafka-lab',
  request: 'launch',
  name: 'Debug dev-orders handler',
  handler: '/w/src/transform.ts',
  cluster: 'Local demo',
  topics: ['orders'],
  groupId: 'dev-orders',
  mode: 'stepping',
  delivery: 'exactly-once',
  transactionalIdPrefix: 'kafka-lab-dev-orders',
  outputTopics: ['orders.enriched', 'orders.audit'],
};

describe('kafka-lab launch configurations: what the Debug Handler flow writes', () => {
  it('reads back the delivery, the transactional id prefix and the output topics', () => {
    const launch = parseHandlerLaunch(written);
    assert.equal(launch.delivery, 'exactly-once');
    assert.equal(launch.transactionalIdPrefix, 'kafka-lab-dev-orders');
    assert.deepEqual(launch.outputTopics, ['orders.enriched', 'orders.audit']);
  });

  it('at-least-once, as written for that choice, has no output topics', () => {
    const launch = parseHandlerLaunch({ ...written, delivery: 'at-least-once', outputTopics: undefined });
    assert.equal(launch.delivery, 'at-least-once');
    assert.equal('outputTopics' in launch, false);
  });

  it('refuses output topics that are not topic names, naming the field', () => {
    for (const bad of [['a b'], ['x'.repeat(250)], ['..'], 'orders', [7]]) {
      assert.throws(
        () => parseHandlerLaunch({ ...written, outputTopics: bad }),
        (e: unknown) => e instanceof HandlerLaunchError && e.field === 'outputTopics',
        JSON.stringify(bad),
      );
    }
  });
});
