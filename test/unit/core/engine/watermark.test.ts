import { strict as assert } from 'node:assert';
import { HoldMessage } from '../../../../src/core/engine/hold';
import { NonRetriableError } from '../../../../src/core/errors';
import type { ConsumedMessage } from '../../../../src/core/engine/types';
import { GROUP, TOPIC, rig, sleep, waitFor } from './support/harness';

describe('engine concurrency watermark and held messages (fake consumer)', () => {
  it('with handlers finishing out of order, no commit ever passes a message that is not done', async () => {
    const done = new Set<number>();
    const violations: string[] = [];
    // Later offsets finish first: offset n sleeps (20 - n % 20) ms.
    const r = rig({
      concurrency: 8,
      partitionConcurrency: 8,
      commitPolicy: { kind: 'perMessage' },
      handler: async (m) => {
        await sleep(20 - (m.offset % 20));
        done.add(m.offset);
      },
    });
    r.session.on('committed', (e) => {
      for (const o of e.offsets)
        for (let x = 0; x < o.offset; x++) if (!done.has(x)) violations.push(`commit ${o.offset} before ${x} was done`);
    });
    r.cluster.fill(TOPIC, 1, 60);
    await r.session.start();
    await waitFor('60 done', () => done.size === 60, 5_000);
    await r.session.stop();
    assert.deepEqual(violations, []);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 60);
    assert.ok(r.events.committed.length > 3, 'the watermark moved in steps');
  });

  it('an unfinished message holds the watermark while later ones finish; the snapshot shows it in flight', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let done = 0;
    const r = rig({
      concurrency: 4,
      partitionConcurrency: 4,
      commitPolicy: { kind: 'perMessage' },
      handler: async (m) => {
        if (m.offset === 1) await gate;
        done++;
      },
    });
    r.cluster.fill(TOPIC, 1, 4);
    await r.session.start();
    await waitFor('3 done', () => done === 3);
    await sleep(10);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 1);
    const p = r.session.snapshot().members[0].partitions[0];
    assert.equal(p.inFlight, 1);
    assert.equal(p.committed, 1);
    release();
    await waitFor('committed through 4', () => r.cluster.committed(GROUP, TOPIC, 0) === 4);
    await r.session.stop();
  });

  it('a dead-lettered message in the middle of a concurrent window is committed only once its write is acknowledged', async () => {
    const r = rig({
      concurrency: 4,
      partitionConcurrency: 4,
      commitPolicy: { kind: 'perMessage' },
      handler: (m) => {
        if (m.offset === 2) throw new NonRetriableError('poison');
      },
    });
    r.dlq.mode = 'hold';
    r.cluster.fill(TOPIC, 1, 6);
    await r.session.start();
    await waitFor('the DLQ write waits', () => r.dlq.pending === 1);
    await sleep(10);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 2);
    r.dlq.acknowledge();
    await waitFor('committed through 6', () => r.cluster.committed(GROUP, TOPIC, 0) === 6);
    await r.session.stop();
  });

  it('a handler that holds a message stops the session on exactly it, unprocessed, and offers it next', async () => {
    const handled: ConsumedMessage[] = [];
    const held: Array<[ConsumedMessage, string]> = [];
    const r = rig({
      handler: (m) => {
        if (m.offset === 3) throw new HoldMessage('run-until matched');
        handled.push(m);
      },
    });
    r.session.on('held', (m, why) => held.push([m, why]));
    r.cluster.fill(TOPIC, 2, 6);
    await r.session.start();
    const next = await r.session.nextAwaiting(2_000);
    assert.equal(r.session.mode, 'stepping');
    assert.equal(held.length, 1);
    assert.equal(held[0][1], 'run-until matched');
    assert.equal(next.id, held[0][0].id, 'the held message is offered first');
    assert.equal(next.attempts, 0, 'a hold before the handler does not count as an attempt');
    assert.ok(!handled.some((m) => m.id === next.id));
    await r.session.decide(next.id, { kind: 'commitNow' });
    assert.equal(r.cluster.committed(GROUP, TOPIC, next.partition), 4);
    await r.session.stop();
  });

  it('a hold after the handler failed counts the attempt and keeps the error for the dead-letter decision', async () => {
    const r = rig({
      handler: (m) => {
        if (m.offset === 0)
          throw new HoldMessage('the handler failed', true, { cause: new TypeError('x is undefined') });
      },
    });
    r.cluster.fill(TOPIC, 1, 2);
    await r.session.start();
    const m = await r.session.nextAwaiting(2_000);
    assert.equal(m.attempts, 1);
    await r.session.decide(m.id, { kind: 'deadLetter' });
    assert.equal(r.dlq.written[0].envelope.error_type, 'TypeError');
    assert.equal(r.dlq.written[0].envelope.error_message, 'x is undefined');
    assert.equal(r.dlq.written[0].envelope.retry_count, 1);
    await r.session.stop();
  });
});
