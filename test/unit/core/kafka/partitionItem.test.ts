import { strict as assert } from 'node:assert';
import type { PartitionDetail } from '../../../../src/core/kafka/admin';
import { outOfSyncReplicas, partitionItemView } from '../../../../src/core/kafka/partitionItem';

const detail = (over: Partial<PartitionDetail>): PartitionDetail => ({
  partition: 2,
  leader: 1,
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
  underReplicated: false,
  low: 10,
  high: 15,
  messages: 5,
  ...over,
});

describe('partition item in the explorer', () => {
  it('a healthy partition: its watermarks, messages and leader, no warning', () => {
    const view = partitionItemView('c1', 'orders', detail({}));
    assert.equal(view.id, 'cluster:c1/topic:orders/partition:2');
    assert.equal(view.label, 'Partition 2');
    assert.equal(view.description, '10…15 · 5 messages · leader 1');
    assert.equal(view.warning, false);
    assert.ok(view.tooltip.includes('Leader: broker 1'));
    assert.ok(view.tooltip.includes('In sync: 1, 2, 3'));
    assert.ok(!view.tooltip.some((line) => /not all replicas/.test(line)));
  });

  it('an under-replicated partition after a failover: the new leader, how many replicas are in sync and which are not', () => {
    const d = detail({ leader: 3, isr: [3, 1], underReplicated: true, messages: 1, low: 0, high: 1 });
    const view = partitionItemView('c1', 'orders', d);
    assert.equal(view.description, '0…1 · 1 message · leader 3 · under-replicated (2 of 3 in sync)');
    assert.equal(view.warning, true);
    assert.ok(view.tooltip.includes('Leader: broker 3'));
    assert.ok(view.tooltip.includes('In sync: 3, 1 — **not all replicas are in sync** (out of sync: 2)'));
    assert.deepEqual(outOfSyncReplicas(d), [2]);
  });

  it('an offline partition (no leader): says so and what it means', () => {
    const view = partitionItemView('c1', 'orders', detail({ leader: null, isr: [], underReplicated: true }));
    assert.equal(view.description, '10…15 · 5 messages · offline, no leader');
    assert.equal(view.warning, true);
    assert.match(view.tooltip[1], /offline: no in-sync replica is up/);
    assert.ok(view.tooltip.includes('In sync: none — **not all replicas are in sync** (out of sync: 1, 2, 3)'));
  });

  it('a single-broker partition (RF 1) is not under-replicated', () => {
    const view = partitionItemView('c1', 't', detail({ replicas: [1], isr: [1] }));
    assert.equal(view.description, '10…15 · 5 messages · leader 1');
    assert.equal(view.warning, false);
  });
});
