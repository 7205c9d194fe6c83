import { strict as assert } from 'node:assert';
import { Bitset } from '../../../../src/core/viewer/bitset';
import { MAX_CAPACITY, MessageStore, SLAB_BYTES, validateCapacity } from '../../../../src/core/viewer/messageStore';
import { SeqList } from '../../../../src/core/viewer/seqList';
import type { KafkaRecord } from '../../../../src/core/kafka/record';

const meta = { keyFormat: 'text', valueFormat: 'json', status: 'ok' } as const;

function record(offset: number, extra: Partial<KafkaRecord> = {}): KafkaRecord {
  return {
    topic: 't',
    partition: offset % 3,
    offset,
    timestamp: 1_700_000_000_000 + offset,
    key: Buffer.from(`k${offset}`),
    value: Buffer.from(JSON.stringify({ n: offset })),
    ...extra,
  };
}

describe('viewer bitset', () => {
  it('sets, clears and counts bits across word boundaries', () => {
    const bits = new Bitset(100);
    for (const i of [0, 31, 32, 63, 64, 99]) bits.set(i);
    assert.equal(bits.count(), 6);
    assert.ok(bits.has(31) && bits.has(32) && !bits.has(33));
    bits.clear(32);
    assert.equal(bits.has(32), false);
    assert.equal(bits.assign(31, false), true);
    assert.equal(bits.assign(31, true), false);
    assert.equal(bits.count(), 5);
    bits.clearAll();
    assert.equal(bits.count(), 0);
  });

  it('counts a full set of bits', () => {
    const bits = new Bitset(1000);
    for (let i = 0; i < 1000; i++) bits.set(i);
    assert.equal(bits.count(), 1000);
  });
});

describe('viewer seq list', () => {
  it('keeps seqs in order, drops from the head, compacts and grows', () => {
    const list = new SeqList(16);
    for (let i = 0; i < 100; i++) list.push(i * 2);
    assert.equal(list.length, 100);
    list.dropBelow(50);
    assert.equal(list.length, 75);
    assert.equal(list.at(0), 50);
    for (let i = 100; i < 300; i++) list.push(i * 2);
    assert.equal(list.length, 275);
    assert.equal(list.at(274), 598);
    assert.equal(list.lowerBound(51), 1);
    assert.equal(list.lowerBound(52), 1);
    assert.equal(list.lowerBound(1000), 275);
    assert.deepEqual([...list.slice(0, 3)], [50, 52, 54]);
  });
});

describe('viewer message store (ring buffer)', () => {
  it('stores records and gives back their bytes, columns and headers', () => {
    const store = new MessageStore(10);
    const seq = store.append(
      record(7, { headers: [{ a: Buffer.from('1') }, { b: 'two' }, { a: Buffer.from([0, 255]) }] }),
      meta,
    );
    const slot = store.slotOf(seq);
    assert.equal(store.key(slot)?.toString(), 'k7');
    assert.equal(store.value(slot)?.toString(), '{"n":7}');
    assert.equal(store.partition[slot], 1);
    assert.equal(store.offset[slot], 7);
    assert.equal(store.timestamp[slot], 1_700_000_000_007);
    assert.equal(store.formatOf(slot), 'json');
    assert.equal(store.keyFormatOf(slot), 'text');
    assert.equal(store.statusOf(slot), 'ok');
    const headers = store
      .headers(slot)
      .map((h) => Object.entries(h).map(([k, v]) => [k, Buffer.from(v).toString('hex')]));
    assert.deepEqual(headers, [[['a', '31']], [['b', '74776f']], [['a', '00ff']]]);
    assert.equal(store.sizeOf(slot), 2 + 7 + 3 * 8 + 1 + 1 + 1 + 3 + 1 + 2);
  });

  it('keeps null keys and values apart from empty ones, and a missing timestamp as NaN', () => {
    const store = new MessageStore(10);
    const a = store.slotOf(store.append({ topic: 't', partition: 0, offset: 0, key: null, value: null }, meta));
    const b = store.slotOf(
      store.append({ topic: 't', partition: 0, offset: 1, key: Buffer.alloc(0), value: Buffer.alloc(0) }, meta),
    );
    assert.equal(store.key(a), null);
    assert.equal(store.value(a), null);
    assert.equal(store.key(b)?.length, 0);
    assert.equal(store.value(b)?.length, 0);
    assert.ok(Number.isNaN(store.timestamp[a]!));
    assert.equal(store.record(0, 't')?.timestamp, undefined);
  });

  it('drops the oldest when full and counts what it dropped', () => {
    const store = new MessageStore(5);
    for (let i = 0; i < 12; i++) store.append(record(i), meta);
    assert.equal(store.size, 5);
    assert.equal(store.dropped, 7);
    assert.equal(store.firstSeq, 7);
    assert.equal(store.nextSeq, 12);
    assert.equal(store.has(6), false);
    assert.equal(store.record(6, 't'), undefined);
    for (let seq = 7; seq < 12; seq++) {
      const r = store.record(seq, 't')!;
      assert.equal(r.offset, seq);
      assert.equal(r.value?.toString(), JSON.stringify({ n: seq }));
    }
  });

  it('a copied record outlives the ring: its bytes are not a view over the slab', () => {
    const store = new MessageStore(2);
    store.append(record(0), meta);
    const copy = store.record(0, 't')!;
    for (let i = 1; i < 50; i++) store.append(record(i, { value: Buffer.alloc(300_000, 0x41) }), meta);
    assert.equal(copy.value?.toString(), '{"n":0}');
  });

  it('reuses slabs, so memory stays bounded by the capacity however many pass through', () => {
    const store = new MessageStore(1000);
    const value = Buffer.alloc(1000, 0x61);
    for (let i = 0; i < 1000; i++) store.append(record(i, { value }), meta);
    const full = store.slabBytes;
    for (let i = 1000; i < 50_000; i++) store.append(record(i, { value }), meta);
    assert.ok(store.slabBytes <= full + 5 * SLAB_BYTES, `slabs grew from ${full} to ${store.slabBytes}`);
    assert.equal(store.size, 1000);
    assert.equal(store.dropped, 49_000);
    assert.equal(store.value(store.slotOf(49_999))?.length, 1000);
  });

  it('gives a large message a slab of its own, freed when it is dropped', () => {
    const store = new MessageStore(2);
    store.append(record(0, { value: Buffer.alloc(SLAB_BYTES * 2, 1) }), meta);
    assert.ok(store.slabBytes >= SLAB_BYTES * 2);
    store.append(record(1), meta);
    store.append(record(2), meta);
    assert.ok(store.slabBytes < SLAB_BYTES * 2, `${store.slabBytes}`);
  });

  it('clear frees the slabs', () => {
    const store = new MessageStore(10);
    for (let i = 0; i < 10; i++) store.append(record(i), meta);
    store.clear();
    assert.equal(store.size, 0);
    assert.equal(store.slabBytes, 0);
  });

  it('refuses a capacity outside 1 to 1,000,000', () => {
    assert.equal(validateCapacity(undefined), 100_000);
    assert.equal(validateCapacity(MAX_CAPACITY), MAX_CAPACITY);
    assert.throws(() => validateCapacity(0), RangeError);
    assert.throws(() => validateCapacity(MAX_CAPACITY + 1), /1,000,000/);
    assert.throws(() => validateCapacity(1.5), RangeError);
  });
});
