import { strict as assert } from 'node:assert';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { SessionController, type SessionSpec } from '../../../src/core/session/sessionController';
import { committedOffsets, createTopic, deleteTopicsQuietly, produceSequence, withAdmin } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { readTopic } from '../../support/topicReader';

// The start flow's copying handler in a running exactly-once session on the real broker: every
// input lands on the output exactly once (read_committed), byte for byte, and the controller's
// commit timeline holds transaction commits only, whose messages add up to the input and whose
// last offsets are the end of each partition.

const connection = { bootstrapServers: services.kafka.plaintext };

describe('the copying handler, exactly-once, against the real broker', function () {
  this.timeout(120_000);
  const topics: string[] = [];
  const groups: string[] = [];
  const controllers: SessionController[] = [];
  after(async () => {
    await Promise.all(controllers.map((c) => c.stop().catch(() => undefined)));
    await deleteTopicsQuietly(...topics);
    if (groups.length) await withAdmin((admin) => admin.deleteGroups(groups)).catch(() => undefined);
  });

  it('copies 600 records across 3 partitions once each, and the timeline shows the transactions that did it', async () => {
    const input = uniqueName('it-copy-in');
    const output = uniqueName('it-copy-out');
    topics.push(input, output, `${input}.dead-letter`);
    await createTopic(input, 3);
    await createTopic(output, 3);
    await createTopic(`${input}.dead-letter`, 1);
    const total = 600;
    await produceSequence(input, total, { keys: 30 });
    const groupId = uniqueName('it-copy-group');
    groups.push(groupId);
    const spec: SessionSpec = {
      clusterId: 'local',
      clusterName: 'local',
      groupId,
      topics: [input],
      autoOffsetReset: 'earliest',
      mode: 'running',
      handler: 'copy',
      outputTopics: [output],
      delivery: 'exactly-once',
      commitPolicy: { kind: 'batch', maxMessages: 100, maxIntervalMs: 100 },
      members: 1,
    };
    const c = new SessionController('copy-1', spec, { connection, decoder: new PayloadDecoder() });
    controllers.push(c);
    await c.start();
    await waitFor('every input committed', 60_000, async () => {
      const committed = await committedOffsets(groupId, input);
      const sum = [...committed.values()].reduce((a, b) => a + Math.max(0, b), 0);
      return sum === total ? true : undefined;
    });
    // After the stop: the last transaction's event follows its commit on the broker.
    await c.stop();
    const log = c.panelState().commitLog ?? [];

    const copies = await readTopic(output, 'read_committed', 30_000);
    const seqs = copies.map((r) => Number(r.headers.seq));
    assert.equal(copies.length, total, 'each input once');
    assert.equal(new Set(seqs).size, total, 'no duplicates');
    for (const r of copies) {
      const seq = Number(r.headers.seq);
      assert.equal(r.value?.toString(), JSON.stringify({ seq }));
      assert.equal(r.key, `key-${seq % 30}`);
    }

    assert.equal(c.panelState().delivery, 'exactly-once');
    assert.ok(log.length > 0, 'the timeline has entries');
    assert.ok(
      log.every((e) => e.kind === 'transactionCommit'),
      `transaction commits only: ${[...new Set(log.map((e) => e.kind))].join(', ')}`,
    );
    const commits = log.filter((e) => e.kind === 'transactionCommit');
    // The controller keeps the last 50 entries: count the messages only when none were dropped.
    if (commits.length < 50) {
      assert.equal(
        commits.reduce((sum, e) => sum + e.messages, 0),
        total,
      );
      assert.equal(
        commits.reduce((sum, e) => sum + e.outputs, 0),
        total,
      );
    }
    const last = new Map<number, number>();
    for (const e of commits)
      for (const o of e.offsets) last.set(o.partition, Math.max(last.get(o.partition) ?? 0, o.offset));
    const ends = await withAdmin((admin) => admin.fetchTopicOffsets(input));
    for (const p of ends) assert.equal(last.get(p.partition), Number(p.high), `partition ${p.partition}`);
    for (const e of commits) {
      assert.ok(e.transactionalId.startsWith(`kafka-lab-${groupId}-`), e.transactionalId);
      assert.ok(e.openForMs >= 0);
    }
  });

  it('at-least-once, the same copy shows plain offset commits in the timeline, and no transaction', async () => {
    const input = uniqueName('it-copy-alo-in');
    const output = uniqueName('it-copy-alo-out');
    topics.push(input, output, `${input}.dead-letter`);
    await createTopic(input, 1);
    await createTopic(output, 1);
    const total = 50;
    await produceSequence(input, total, { keys: 5 });
    const groupId = uniqueName('it-copy-alo-group');
    groups.push(groupId);
    const c = new SessionController(
      'copy-alo',
      {
        clusterId: 'local',
        clusterName: 'local',
        groupId,
        topics: [input],
        autoOffsetReset: 'earliest',
        mode: 'running',
        handler: 'copy',
        outputTopics: [output],
        commitPolicy: { kind: 'batch', maxMessages: 10, maxIntervalMs: 100 },
        members: 1,
      },
      { connection, decoder: new PayloadDecoder() },
    );
    controllers.push(c);
    await c.start();
    await waitFor('every input committed', 60_000, async () =>
      (await committedOffsets(groupId, input)).get(0) === total ? true : undefined,
    );
    await c.stop();
    const log = c.panelState().commitLog ?? [];
    assert.equal(c.panelState().delivery, 'at-least-once');
    assert.ok(log.length > 0);
    assert.ok(
      log.every((e) => e.kind === 'offsetCommit'),
      [...new Set(log.map((e) => e.kind))].join(', '),
    );
    assert.equal(
      Math.max(...log.flatMap((e) => (e.kind === 'offsetCommit' ? e.offsets.map((o) => o.offset) : []))),
      total,
    );
    assert.equal((await readTopic(output, 'read_committed', 30_000)).length, total);
  });
});
