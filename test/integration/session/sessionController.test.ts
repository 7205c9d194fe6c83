import { strict as assert } from 'node:assert';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import type { DeadLetterEnvelope } from '../../../src/core/dlq/envelope';
import { SessionController, type SessionSpec } from '../../../src/core/session/sessionController';
import { SessionManager } from '../../../src/core/session/sessionManager';
import { committedOffsets, createTopic, deleteTopicsQuietly, produceSequence, readAll } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';

const connection = { bootstrapServers: services.kafka.plaintext };

describe('session controller (what the panel drives) against the real broker', () => {
  const topics: string[] = [];
  const controllers: SessionController[] = [];
  after(async () => {
    await Promise.all(controllers.map((c) => c.stop().catch(() => undefined)));
    await deleteTopicsQuietly(...topics);
  });

  async function newTopic(partitions: number, count: number, keys = 16): Promise<string> {
    const topic = uniqueName('it-ctl');
    topics.push(topic, `${topic}.dead-letter`);
    await createTopic(topic, partitions);
    await createTopic(`${topic}.dead-letter`, 1);
    if (count) await produceSequence(topic, count, { keys });
    return topic;
  }

  function controller(spec: Partial<SessionSpec> & Pick<SessionSpec, 'groupId' | 'topics'>): SessionController {
    const c = new SessionController(
      `s-${controllers.length + 1}`,
      {
        clusterId: 'local',
        clusterName: 'local',
        autoOffsetReset: 'earliest',
        mode: 'stepping',
        handler: 'noop',
        commitPolicy: { kind: 'perMessage' },
        members: 1,
        ...spec,
      },
      { connection, decoder: new PayloadDecoder() },
    );
    controllers.push(c);
    return c;
  }

  async function shown(c: SessionController, offset: number): Promise<void> {
    await waitFor(`offset ${offset} shown for a decision`, 20_000, () =>
      c.current?.offset === offset ? true : undefined,
    );
  }

  it('commit 2, skip 1, dead-letter 1, retry 1: commits match the decisions, the DLQ has the envelope, the skipped message comes back', async () => {
    const topic = await newTopic(1, 6, 6);
    const groupId = uniqueName('it-ctl-steps');
    const first = controller({ groupId, topics: [topic] });
    await first.start();
    await shown(first, 0);
    assert.deepEqual(first.current?.value, {
      kind: 'json',
      json: { seq: 0 },
      rawText: { text: '{"seq":0}' },
      format: 'json',
    });
    assert.equal(first.current?.key.kind, 'text');
    await first.decide('commit');
    await shown(first, 1);
    await first.decide('commit');
    await waitFor('commit through offset 1', 10_000, async () =>
      (await committedOffsets(groupId, topic)).get(0) === 2 ? true : undefined,
    );
    await shown(first, 2);
    await first.decide('skip');
    assert.match(first.panelState().notice?.text ?? '', /offset 2 .*not marked done.*delivered again after a restart/i);
    await shown(first, 3);
    await first.decide('deadLetter', { reason: 'bad customer id' });
    await shown(first, 4);
    assert.equal(first.current?.attempts, 0);
    await first.decide('retry');
    await shown(first, 4);
    await first.decide('next');
    await shown(first, 5);
    assert.deepEqual(
      first.history.map((h) => [h.offset, h.decision]),
      [
        [0, 'commit'],
        [1, 'commit'],
        [2, 'skip'],
        [3, 'deadLetter'],
        [4, 'retry'],
        [4, 'next'],
      ],
    );
    assert.equal(
      first.history.find((h) => h.decision === 'deadLetter')?.detail,
      `→ ${topic}.dead-letter: bad customer id`,
    );
    await first.stop();
    // Offset 5 was only shown: nothing past the skipped offset 2 may be committed.
    assert.equal((await committedOffsets(groupId, topic)).get(0), 2);
    const [dead] = await readAll(`${topic}.dead-letter`, 1);
    const envelope = JSON.parse(dead!.value!.toString()) as DeadLetterEnvelope;
    assert.deepEqual(
      [envelope.original_topic, envelope.original_offset, envelope.error_message, envelope.payload],
      [topic, 3, 'bad customer id', JSON.stringify({ seq: 3 })],
    );

    const again = controller({ groupId, topics: [topic] });
    await again.start();
    await shown(again, 2);
    await again.stop();
  });

  it('runs until a key matches, stops on that message unprocessed, then steps on', async () => {
    const topic = await newTopic(3, 90, 9);
    const groupId = uniqueName('it-ctl-until');
    const c = controller({ groupId, topics: [topic] });
    await c.start();
    await waitFor('a message shown', 20_000, () => c.current);
    c.runUntilMatch({ kind: 'keyEquals', value: 'key-7' });
    assert.equal(c.mode, 'running');
    await waitFor('stopped on key-7', 20_000, () =>
      c.current && c.current.key.kind === 'text' && c.current.key.text === 'key-7' ? true : undefined,
    );
    assert.equal(c.mode, 'stepping');
    assert.equal(c.runUntil, undefined);
    assert.match(
      c.panelState().notice?.text ?? '',
      /Stopped on .* offset \d+ after \d+ message\(s\): key equals "key-7"/,
    );
    const held = c.current!;
    await c.decide('next');
    await waitFor('the next message', 20_000, () => (c.current && c.current.id !== held.id ? true : undefined));
    await c.stop();
  });

  it('switches to running and back without losing or repeating a message', async () => {
    const topic = await newTopic(2, 200);
    const groupId = uniqueName('it-ctl-switch');
    const c = controller({
      groupId,
      topics: [topic],
      commitPolicy: { kind: 'batch', maxMessages: 10, maxIntervalMs: 200 },
    });
    await c.start();
    await waitFor('a message shown', 20_000, () => c.current);
    await c.decide('next');
    c.setMode('running');
    c.setMode('stepping');
    c.setMode('running');
    await waitFor('everything committed', 20_000, async () => {
      const committed = await committedOffsets(groupId, topic);
      return (committed.get(0) ?? 0) + (committed.get(1) ?? 0) === 200 ? true : undefined;
    });
    await c.stop();
  });

  it('closing the window (stopAll) commits exactly what was decided, within the bound, in every session', async () => {
    const topic = await newTopic(1, 20, 20);
    const manager = new SessionManager(async () => ({ connection, decoder: new PayloadDecoder() }));
    const spec = {
      clusterId: 'local',
      clusterName: 'local',
      topics: [topic],
      autoOffsetReset: 'earliest' as const,
      mode: 'stepping' as const,
      handler: 'noop' as const,
      members: 1,
    };
    // Batch commits far apart: nothing is committed before the stop.
    const a = await manager.start({
      ...spec,
      groupId: uniqueName('it-ctl-close-a'),
      commitPolicy: { kind: 'batch', maxMessages: 1000, maxIntervalMs: 600_000 },
    });
    const b = await manager.start({
      ...spec,
      groupId: uniqueName('it-ctl-close-b'),
      commitPolicy: { kind: 'batch', maxMessages: 1000, maxIntervalMs: 600_000 },
    });
    for (const [c, decide] of [
      [a, 3],
      [b, 5],
    ] as const) {
      for (let i = 0; i < decide; i++) {
        await shown(c, i);
        await c.decide('next');
      }
      await shown(c, decide); // shown, never decided
    }
    assert.equal((await committedOffsets(a.spec.groupId, topic)).get(0) ?? -1, -1, 'committed before the stop');
    const started = Date.now();
    await manager.stopAll(10_000);
    assert.ok(Date.now() - started < 10_000, 'stopAll overran its bound');
    assert.deepEqual(manager.list(), []);
    assert.equal((await committedOffsets(a.spec.groupId, topic)).get(0), 3);
    assert.equal((await committedOffsets(b.spec.groupId, topic)).get(0), 5);
  });
});
