import { strict as assert } from 'node:assert';
import { CommittedReader } from '../../support/committedReader';
import { commitFirstMessages, createTopic, deleteTopicsQuietly, withAdmin } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';
import type { MessageViewer } from '../../../src/core/viewer/viewerApi';
import { allRows, openViewer, produceFast, waitForRead, waitForState } from './support';

describe('viewer: browsing never joins a group and never commits; the ring buffer stays bounded', function () {
  this.timeout(120_000);
  const topic = uniqueName('it-viewer-browse');
  const groupId = uniqueName('it-viewer-existing-group');

  before(async () => {
    await createTopic(topic, 2);
    await produceFast(topic, 40, (i) => ({ partition: i % 2, key: `k${i}`, value: JSON.stringify({ i }) }));
    // A real group with committed offsets on the same topic: browsing must leave them alone.
    await commitFirstMessages(groupId, topic, 5);
  });
  after(async () => {
    await withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
    await deleteTopicsQuietly(topic);
  });

  it('after browsing every way, no new group exists and no committed offset changed', async () => {
    const groupsBefore = (await withAdmin((admin) => admin.listGroups())).groups.map((g) => g.groupId).sort();
    const reader = await CommittedReader.open(services.kafka.plaintext, groupId);
    let committedBefore: Map<number, number>;
    try {
      committedBefore = await reader.read(topic, [0, 1]);
    } finally {
      await reader.close();
    }
    assert.ok(
      [...committedBefore.values()].some((o) => o > 0),
      'the existing group has committed offsets',
    );

    const viewers: MessageViewer[] = [
      openViewer({ topic, start: { kind: 'beginning' } }),
      openViewer({ topic, start: { kind: 'lastN', count: 3 } }),
      openViewer({ topic, start: { kind: 'offset', offset: 1 }, partitions: [1] }),
      openViewer({ topic, start: { kind: 'timestamp', timestamp: 0 } }),
    ];
    try {
      for (const viewer of viewers) await viewer.start();
      for (const viewer of viewers) await waitForState(viewer, 'caughtUp', (s) => s.kind === 'caughtUp');
      // Reading on: pause, resume, new messages while following.
      viewers[0]!.pause();
      viewers[0]!.resume();
      await produceFast(topic, 4, (i) => ({ partition: i % 2, value: JSON.stringify({ more: i }) }));
      await waitForRead(viewers[0]!, 44);
    } finally {
      for (const viewer of viewers) await viewer.stop();
    }

    const groupsAfter = (await withAdmin((admin) => admin.listGroups())).groups.map((g) => g.groupId);
    const newGroups = groupsAfter.filter(
      (g) => !groupsBefore.includes(g) && !g.startsWith('it-') && !g.startsWith('bench-'),
    );
    assert.deepEqual(
      newGroups.filter((g) => g.startsWith('kafka-lab-viewer-')),
      [],
      'no viewer group reached the broker',
    );
    assert.deepEqual(newGroups, [], `groups that appeared while browsing: ${newGroups.join(', ')}`);
    const again = await CommittedReader.open(services.kafka.plaintext, groupId);
    try {
      assert.deepEqual([...(await again.read(topic, [0, 1]))], [...committedBefore]);
    } finally {
      await again.close();
    }
  });

  it('keeps at most its capacity, dropping the oldest and counting them', async () => {
    const viewer = openViewer({ topic, start: { kind: 'beginning' }, capacity: 10 });
    try {
      await viewer.start();
      await waitForState(viewer, 'caughtUp', (s) => s.kind === 'caughtUp');
      const total = viewer.counts.read;
      assert.ok(total >= 44, `read ${total}`);
      assert.deepEqual(viewer.counts, { read: total, buffered: 10, dropped: total - 10, matched: 10 });
      const rows = allRows(viewer);
      assert.equal(rows.length, 10);
      assert.deepEqual(
        rows.map((r) => r.seq),
        Array.from({ length: 10 }, (_, i) => total - 10 + i),
        'the newest 10 stay',
      );
      assert.equal(viewer.detail(0), undefined, 'a dropped message is gone');
      assert.equal(viewer.record(0), undefined);
      assert.ok(viewer.record(total - 1)?.value);
    } finally {
      await viewer.stop();
    }
    assert.equal(viewer.state.kind, 'stopped');
    assert.equal(viewer.counts.buffered, 0, 'stop frees the buffer');
  });
});
