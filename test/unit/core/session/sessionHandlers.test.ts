import { strict as assert } from 'node:assert';
import { PayloadDecoder } from '../../../../src/core/codec/payloadDecoder';
import type { ConsumedMessage } from '../../../../src/core/engine/types';
import type { HandlerFactory, HandlerRequest } from '../../../../src/core/session/handlerFactory';
import { SessionController, type SessionSpec } from '../../../../src/core/session/sessionController';
import { FakeCluster } from '../engine/support/fakeCluster';
import { FakeDeadLetters } from '../engine/support/fakeDeadLetters';
import { waitFor } from '../engine/support/harness';

const spec: SessionSpec = {
  clusterId: 'local',
  clusterName: 'local',
  groupId: 'g',
  topics: ['orders'],
  autoOffsetReset: 'earliest',
  mode: 'running',
  handler: 'noop',
  commitPolicy: { kind: 'perMessage' },
  members: 1,
};

/** A factory whose handlers record what they handled and whether they were closed. */
function recordingFactory() {
  const made: Array<{ request: HandlerRequest; handled: ConsumedMessage[]; closed: number }> = [];
  const factory: HandlerFactory = async (request) => {
    const entry = { request, handled: [] as ConsumedMessage[], closed: 0 };
    made.push(entry);
    return { handle: (m) => void entry.handled.push(m), close: async () => void entry.closed++ };
  };
  return { made, factory };
}

function controller(
  cluster: FakeCluster,
  handlers: HandlerFactory,
  overrides: Partial<SessionSpec> = {},
): SessionController {
  return new SessionController(
    's-1',
    { ...spec, ...overrides },
    {
      connection: { bootstrapServers: 'fake:9092' },
      decoder: new PayloadDecoder(),
      handlers,
      engine: { consumers: cluster.factory, deadLetters: () => new FakeDeadLetters() },
    },
  );
}

describe('a session runs the handler the factory makes, and closes it when it stops (fake cluster)', () => {
  it('running mode hands every message to the factory’s handler; stop closes it once', async () => {
    const cluster = new FakeCluster();
    cluster.fill('orders', 2, 5);
    const { made, factory } = recordingFactory();
    const c = controller(cluster, factory);
    await c.start();
    assert.equal(made.length, 1);
    assert.equal(made[0].request.sessionId, 's-1');
    assert.equal(made[0].request.spec.groupId, 'g');
    await waitFor('10 handled', () => made[0].handled.length === 10);
    await c.stop();
    assert.equal(made[0].closed, 1);
    assert.equal(made[0].request.signal.aborted, true, 'the stop is signalled to the factory');
    assert.equal(cluster.committed('g', 'orders', 0), 5);
  });

  it('run-until wraps the factory’s handler: it stops on the match before the handler sees it', async () => {
    const cluster = new FakeCluster();
    cluster.fill('orders', 1, 6);
    const { made, factory } = recordingFactory();
    const c = controller(cluster, factory, { mode: 'stepping' });
    await c.start();
    c.runUntilMatch({ kind: 'offsetReached', offset: 3 });
    await waitFor('stopped on offset 3', () => c.current?.offset === 3);
    assert.deepEqual(
      made[0].handled.map((m) => m.offset),
      [0, 1, 2],
    );
    assert.equal(c.mode, 'stepping');
    await c.stop();
    assert.equal(made[0].closed, 1);
  });

  it('a session whose start fails closes the handler it made', async () => {
    const cluster = new FakeCluster();
    cluster.refuseConnections = true;
    const { made, factory } = recordingFactory();
    const c = controller(cluster, factory);
    await assert.rejects(c.start(), /could not connect/);
    assert.equal(made[0].closed, 1);
    assert.equal(c.state, 'error');
  });

  it('a factory that fails keeps the session from joining the group', async () => {
    const cluster = new FakeCluster();
    cluster.fill('orders', 1, 1);
    const c = controller(cluster, async () => {
      throw new Error('the handler process did not start');
    });
    await assert.rejects(c.start(), /did not start/);
    assert.deepEqual(cluster.consumers, [], 'no consumer was even created');
  });
});
