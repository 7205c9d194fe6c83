// KIP-848, the consumer group protocol, on the real broker: members join, a member leaves, the
// member count changes while messages flow, and the broker moves partitions incrementally. Nothing
// may be lost (every produced offset handled at least once) and no commit may pass what was handled.
// On a broker without the protocol (Kafka 3.x keeps it off) the KIP-848 suite skips, saying why.
import { strict as assert } from 'node:assert';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { CommitEvent, RebalanceEvent } from '../../../src/core/engine/types';
import { KafkaAdmin } from '../../../src/core/kafka/admin';
import type { GroupDetail } from '../../../src/core/kafka/groupInfo';
import { describeGroupProtocols, type GroupProtocolSupport } from '../../../src/core/kafka/groupProtocols';
import { createTopic, deleteTopicsQuietly, produceSequence, withAdmin } from '../../support/kafka';
import { CommittedReader } from '../../support/committedReader';
import { services, uniqueName, waitFor } from '../../support/services';

const connection = { bootstrapServers: services.kafka.plaintext };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The version the services run (scripts/testMatrix.sh names it; the default services run 4.1.1). */
const kafkaVersion = process.env.KAFKA_LAB_KAFKA_VERSION || '4.1.1';
const kafkaMajor = Number(kafkaVersion.split('.')[0]);

async function deleteGroupQuietly(groupId: string): Promise<void> {
  try {
    await withAdmin((admin) => admin.deleteGroups([groupId]));
  } catch {
    // Cleanup must not hide the test's own result.
  }
}

async function endOffsets(topic: string): Promise<Map<number, number>> {
  const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}

describe('group protocols: what the cluster accepts and what a group reports', () => {
  it('reads group.coordinator.rebalance.protocols from a broker (consumer on Kafka 4, classic only on 3.x)', async () => {
    const support = await describeGroupProtocols(connection, { timeoutMs: 15_000 });
    assert.ok(support.protocols.includes('classic'), `protocols: ${support.protocols.join(',')}`);
    assert.equal(support.consumer, support.protocols.includes('consumer'));
    assert.equal(
      support.consumer,
      kafkaMajor >= 4,
      `Kafka ${kafkaVersion} accepts ${support.protocols.join(',')}: KIP-848 is on by default from 4.0 and off in 3.x`,
    );
  });

  it('a classic session’s group is described as a classic group', async () => {
    const topic = uniqueName('it-protocol-classic');
    const groupId = uniqueName('it-protocol-classic-group');
    await createTopic(topic, 2);
    const session = new ConsumerSession({ connection, groupId, topics: [topic], handler: () => undefined });
    const admin = new KafkaAdmin(connection, { timeoutMs: 15_000 });
    try {
      assert.equal(session.groupProtocol, 'classic');
      const assigned = new Promise<RebalanceEvent>((resolve) =>
        session.on('rebalance', (e) => e.kind === 'assign' && e.partitions.length > 0 && resolve(e)),
      );
      await session.start();
      const event = await Promise.race([assigned, sleep(30_000).then(() => assert.fail('no assignment within 30 s'))]);
      assert.equal(event.groupProtocol, 'classic');
      const detail = await waitFor('the group described with its member', 20_000, async () => {
        const d = await admin.describeGroup(groupId).catch(() => undefined);
        return d && d.members.length === 1 && d.state === 'Stable' ? d : undefined;
      });
      assert.equal(detail.type, 'classic', `described as ${detail.type} (protocol type ${detail.protocolType})`);
    } finally {
      await session.stop();
      admin.close();
      await deleteTopicsQuietly(topic);
      await deleteGroupQuietly(groupId);
    }
  });
});

interface Handled {
  readonly memberId: string;
  readonly partition: number;
  readonly offset: number;
  readonly seq: number;
}

describe('KIP-848 consumer protocol: join, leave and member-count changes while messages flow', function () {
  const topic = uniqueName('it-kip848');
  const groupId = uniqueName('it-kip848-group');
  const partitions = 6;
  const firstBatch = 1200;
  const total = 2400;
  let support: GroupProtocolSupport | undefined;
  let admin: KafkaAdmin | undefined;

  before(async function () {
    support = await describeGroupProtocols(connection, { timeoutMs: 15_000 });
    if (!support.consumer) {
      console.log(
        `      skipped on Kafka ${kafkaVersion}: its group.coordinator.rebalance.protocols is "${support.protocols.join(',')}", without "consumer" (KIP-848 is GA and on by default from Kafka 4.0)`,
      );
      this.skip();
    }
    admin = new KafkaAdmin(connection, { timeoutMs: 15_000 });
    await createTopic(topic, partitions);
    await produceSequence(topic, firstBatch, { keys: 60 });
  });
  after(async () => {
    admin?.close();
    if (!support?.consumer) return;
    await deleteTopicsQuietly(topic);
    await deleteGroupQuietly(groupId);
  });

  it('partitions move incrementally, the broker reports a consumer group, and nothing is lost or committed early', async () => {
    const handled: Handled[] = [];
    const handledOffsets = new Map<number, Set<number>>();
    const owned = new Map<string, Set<number>>();
    const ownedAtHandling: string[] = [];
    const rebalances: RebalanceEvent[] = [];
    const commits: CommitEvent[] = [];
    const earlyCommits: string[] = [];
    /** The fewest partitions member-1 held once it had them all: incremental moves never take them all away. */
    let firstMemberLeast = Infinity;
    let firstMemberFull = false;
    /** Off once the session stops: leaving gives every partition up, as it should. */
    let joinedAndLeaving = true;
    let stoppedAt = Infinity;

    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      groupProtocol: 'consumer',
      // Long batches, so that partitions move with handled messages not yet committed.
      commitPolicy: { kind: 'batch', maxMessages: 1000, maxIntervalMs: 4000 },
      handler: async (m) => {
        if (!owned.get(m.memberId)?.has(m.partition))
          ownedAtHandling.push(`${m.memberId} handled ${m.partition}@${m.offset} without owning it`);
        const seq = (JSON.parse(m.value?.toString() ?? '{}') as { seq: number }).seq;
        handled.push({ memberId: m.memberId, partition: m.partition, offset: m.offset, seq });
        let set = handledOffsets.get(m.partition);
        if (!set) handledOffsets.set(m.partition, (set = new Set()));
        set.add(m.offset);
        // A little work, so that the moves happen while messages are in flight.
        if (m.offset % 25 === 0) await sleep(5);
      },
    });
    session.on('rebalance', (e) => {
      rebalances.push(e);
      let set = owned.get(e.memberId);
      if (!set) owned.set(e.memberId, (set = new Set()));
      for (const tp of e.partitions) {
        if (e.kind === 'assign') set.add(tp.partition);
        else set.delete(tp.partition);
      }
      if (e.memberId === session.memberIds[0]) {
        if (set.size === partitions) firstMemberFull = true;
        if (firstMemberFull && joinedAndLeaving) firstMemberLeast = Math.min(firstMemberLeast, set.size);
      }
    });
    session.on('committed', (e) => {
      commits.push(e);
      if (e.error) return;
      // Commits follow processing: every offset below a committed one was handled first.
      for (const o of e.offsets) {
        const done = handledOffsets.get(o.partition) ?? new Set<number>();
        for (let offset = 0; offset < o.offset; offset++)
          if (!done.has(offset)) {
            earlyCommits.push(`${o.topic}[${o.partition}] committed ${o.offset} before offset ${offset} was handled`);
            break;
          }
      }
    });

    const described = (what: string, check: (d: GroupDetail) => boolean) =>
      waitFor(what, 45_000, async () => {
        const d = await admin!.describeGroup(groupId).catch(() => undefined);
        return d && check(d) ? d : undefined;
      });
    const assignedPartitions = (d: GroupDetail) => d.members.flatMap((m) => m.assignments.map((a) => a.partition));
    const covers = (d: GroupDetail, members: number) => {
      const all = assignedPartitions(d);
      return (
        d.members.length === members &&
        d.members.every((m) => m.assignments.length > 0) &&
        all.length === partitions &&
        new Set(all).size === partitions
      );
    };
    const ownedBy = (memberId: string) => owned.get(memberId)?.size ?? 0;
    const sessionCovers = (members: readonly string[]) =>
      members.every((id) => ownedBy(id) > 0) &&
      new Set(members.flatMap((id) => [...(owned.get(id) ?? [])])).size === partitions &&
      members.reduce((n, id) => n + ownedBy(id), 0) === partitions;

    let producing: Promise<void> | undefined;
    try {
      assert.equal(session.groupProtocol, 'consumer');
      await session.start();
      const [first] = session.memberIds;
      await waitFor('member 1 to own every partition', 45_000, () =>
        ownedBy(first!) === partitions ? true : undefined,
      );
      const one = await described('a consumer group of one member', (d) => covers(d, 1));
      assert.equal(one.type, 'consumer', `the broker describes the group as ${one.type}`);
      await waitFor('member 1 to handle messages', 30_000, () => (handled.length >= 100 ? true : undefined));

      // More messages arrive while the group changes.
      producing = (async () => {
        const step = (total - firstBatch) / 12;
        for (let i = 0; i < 12; i++) {
          await produceSequence(topic, step, { start: firstBatch + i * step, keys: 60 });
          await sleep(250);
        }
      })();

      // A second member joins: some of member 1's partitions move to it, the rest stay where they are.
      const second = await session.addMember();
      await waitFor('the partitions shared by two members', 45_000, () =>
        sessionCovers([first!, second]) ? true : undefined,
      );
      const two = await described('two members, each with partitions', (d) => covers(d, 2));
      assert.equal(two.type, 'consumer');

      // A third joins, then leaves again: the member count goes 2 → 3 → 2.
      const third = await session.addMember();
      await waitFor('the partitions shared by three members', 45_000, () =>
        sessionCovers([first!, second, third]) ? true : undefined,
      );
      await described('three members, each with partitions', (d) => covers(d, 3));
      await session.removeMember(third);
      await waitFor('member 3’s partitions taken over by the other two', 45_000, () =>
        sessionCovers([first!, second]) ? true : undefined,
      );
      await described('two members again after one left', (d) => covers(d, 2));

      await producing;
      await waitFor('every produced message handled', 90_000, () =>
        new Set(handled.map((h) => h.seq)).size >= total ? true : undefined,
      );
      // The batch policy commits the ends within its interval.
      const ends = await endOffsets(topic);
      const reader = await CommittedReader.open(services.kafka.plaintext, groupId);
      try {
        await waitFor('the group to commit every partition’s end', 30_000, async () => {
          const committed = await reader.read(topic, [...ends.keys()]);
          return [...ends].every(([p, end]) => committed.get(p) === end) ? true : undefined;
        });
      } finally {
        await reader.close();
      }
    } finally {
      await producing?.catch(() => undefined);
      joinedAndLeaving = false;
      stoppedAt = Date.now();
      await session.stop();
    }

    const seqs = handled.map((h) => h.seq);
    const unique = new Set(seqs);
    assert.equal(unique.size, total, `lost: ${total - unique.size} of ${total}`);
    for (let seq = 0; seq < total; seq++) assert.ok(unique.has(seq), `seq ${seq} was never handled`);
    assert.deepEqual(earlyCommits, [], 'a commit passed a message that was not handled');
    assert.deepEqual(ownedAtHandling, [], 'a member handled a partition it did not own');
    // KIP-848's moves are incremental: member 1 keeps some partitions whenever others join.
    assert.ok(
      firstMemberLeast >= 1 && firstMemberLeast < partitions,
      `member 1 held between 1 and ${partitions - 1} partitions at its fewest (it held ${firstMemberLeast})`,
    );
    // (Its leave at the end gives everything up, as it should: not counted.)
    const firstRevokes = rebalances.filter(
      (e) => e.memberId === session.memberIds[0] && e.kind === 'revoke' && e.at < stoppedAt,
    );
    assert.ok(firstRevokes.length > 0, 'member 1 gave partitions up when others joined');
    assert.ok(
      firstRevokes.every((e) => e.partitions.length < partitions),
      `member 1's revokes each took only the partitions that moved: ${firstRevokes.map((e) => e.partitions.length).join(', ')}`,
    );
    assert.ok(
      rebalances.every((e) => e.groupProtocol === 'consumer' && e.protocol === 'COOPERATIVE'),
      `every rebalance event is an incremental consumer-protocol one: ${[...new Set(rebalances.map((e) => `${e.groupProtocol}/${e.protocol}`))].join(', ')}`,
    );
    assert.equal(
      rebalances.filter((e) => e.kind === 'lost').length,
      0,
      'no partition was lost (fenced) in a graceful join and leave',
    );
    const duplicates = seqs.length - unique.size;
    console.log(
      `      ${total} messages over ${partitions} partitions; ${rebalances.length} rebalance events, ${commits.filter((c) => c.reason === 'revoke').length} commits on revoke, ${duplicates} handled twice`,
    );
    // A revoke commits what is done before the partition moves, so its next owner starts right after it.
    assert.ok(
      commits.some((c) => c.reason === 'revoke' && !c.error && c.at < stoppedAt),
      'partitions that moved with handled messages were committed on revoke',
    );
    assert.equal(duplicates, 0, `handled twice after the moves: ${duplicates}`);
  });
});
