import { strict as assert } from 'node:assert';
import { PayloadDecoder } from '../../../../src/core/codec/payloadDecoder';
import type { KafkaRecord } from '../../../../src/core/kafka/record';
import { histogram } from '../../../../src/core/viewer/histogram';
import { MessageStore } from '../../../../src/core/viewer/messageStore';
import { compactJsonPreview } from '../../../../src/core/viewer/payloadView';
import { TextNeedle } from '../../../../src/core/viewer/textSearch';
import { compileFilter, ViewerFilterError } from '../../../../src/core/viewer/viewerFilter';
import { ViewerIndex } from '../../../../src/core/viewer/viewerIndex';
import { stateOf } from '../../../../src/core/viewer/viewerState';
import type { ViewerFilter } from '../../../../src/core/viewer/types';

const decoder = new PayloadDecoder();

function fill(store: MessageStore, records: Partial<KafkaRecord>[]): void {
  for (const [i, r] of records.entries()) {
    const value = r.value === undefined ? Buffer.from(JSON.stringify({ i })) : r.value;
    const key = r.key === undefined ? Buffer.from(`key-${i}`) : r.key;
    const k = decoder.decodeIfReady(key, { topic: 't', role: 'key' })!;
    const v = decoder.decodeIfReady(value, { topic: 't', role: 'value' })!;
    store.append(
      {
        topic: 't',
        partition: r.partition ?? 0,
        offset: r.offset ?? i,
        ...(r.timestamp !== undefined ? { timestamp: r.timestamp } : {}),
        key,
        value,
        ...(r.headers ? { headers: r.headers } : {}),
      },
      {
        keyFormat: k.ok ? k.format : 'text',
        valueFormat: v.ok ? v.format : v.attempted === 'wireFormat' ? 'binary' : v.attempted,
        status: !k.ok || !v.ok ? 'error' : v.format === 'null' ? 'null' : 'ok',
      },
    );
  }
}

function matching(store: MessageStore, filter: ViewerFilter): number[] {
  const predicate = compileFilter(filter, { store, topic: 't', decoder });
  const out: number[] = [];
  for (let seq = store.firstSeq; seq < store.nextSeq; seq++)
    if (!predicate || predicate(store.slotOf(seq))) out.push(seq);
  return out;
}

describe('viewer text search in bytes', () => {
  it('ignores ASCII case and finds needles at the edges', () => {
    const needle = new TextNeedle('OrDeR');
    const bytes = Buffer.from('xx order yy ORDER');
    assert.ok(needle.inBytes(bytes, 0, bytes.length));
    assert.ok(needle.inBytes(bytes, 12, bytes.length));
    assert.equal(needle.inBytes(bytes, 0, 7), false, 'a match must end inside the range');
    assert.ok(new TextNeedle('x').inBytes(bytes, 0, 1));
  });

  it('folds non-ASCII letters through Unicode lower case', () => {
    const needle = new TextNeedle('ÉTÉ');
    assert.equal(needle.folded, undefined);
    const bytes = Buffer.from('un été chaud');
    assert.ok(needle.inBytes(bytes, 0, bytes.length));
    const caseless = new TextNeedle('€ 5');
    assert.ok(caseless.folded);
    const euro = Buffer.from('cost: € 5');
    assert.ok(caseless.inBytes(euro, 0, euro.length));
  });
});

describe('viewer filters over the store', () => {
  const store = new MessageStore(100);
  fill(store, [
    {
      partition: 0,
      offset: 10,
      timestamp: 1000,
      value: Buffer.from('{"order":"A-1","amount":12345678901234567890}'),
      headers: [{ source: 'web' }],
    },
    {
      partition: 1,
      offset: 20,
      timestamp: 2000,
      value: Buffer.from('plain text Order'),
      key: Buffer.from('customer-7'),
    },
    {
      partition: 2,
      offset: 30,
      timestamp: 3000,
      value: Buffer.from([0, 0, 0, 0, 1, 2]),
      headers: [{ source: 'batch' }, { trace: Buffer.from('t-1') }],
    },
    { partition: 0, offset: 40, value: Buffer.from('{"broken": '), key: null },
    { partition: 1, offset: 50, timestamp: 5000, value: null, key: Buffer.from('customer-7') },
  ]);

  it('matches everything without a filter', () => {
    assert.equal(compileFilter({}, { store, topic: 't', decoder }), undefined);
  });

  it('text across key, value and headers, ignoring case', () => {
    assert.deepEqual(matching(store, { text: 'order' }), [0, 1]);
    assert.deepEqual(matching(store, { text: 'CUSTOMER-7' }), [1, 4]);
    assert.deepEqual(matching(store, { text: 'batch' }), [2]);
    assert.deepEqual(matching(store, { text: 'TRACE' }), [2]);
    assert.deepEqual(matching(store, { text: '12345678901234567890' }), [0], 'long digits are searched as written');
  });

  it('key equals or contains; a null key matches neither', () => {
    assert.deepEqual(matching(store, { key: { equals: 'customer-7' } }), [1, 4]);
    assert.deepEqual(matching(store, { key: { contains: 'key-' } }), [0, 2]);
    assert.deepEqual(matching(store, { key: { equals: 'customer' } }), []);
  });

  it('a header present, or equal to a value', () => {
    assert.deepEqual(matching(store, { header: { name: 'source' } }), [0, 2]);
    assert.deepEqual(matching(store, { header: { name: 'source', equals: 'web' } }), [0]);
    assert.deepEqual(matching(store, { header: { name: 'trace', equals: 't-1' } }), [2]);
    assert.deepEqual(matching(store, { header: { name: 'sourc' } }), []);
  });

  it('partitions, offset ranges and time ranges (inclusive; no timestamp is outside)', () => {
    assert.deepEqual(matching(store, { partitions: [1] }), [1, 4]);
    assert.deepEqual(matching(store, { offsets: { from: 20, to: 40 } }), [1, 2, 3]);
    assert.deepEqual(matching(store, { offsets: { from: 45 } }), [4]);
    assert.deepEqual(matching(store, { time: { from: 2000, to: 5000 } }), [1, 2, 4]);
  });

  it('decode errors only, and filters combined', () => {
    // [0,0,0,0,1,...] is in the registry's wire format, and there is no registry: a decode error.
    assert.deepEqual(matching(store, { decodeErrorsOnly: true }), [2]);
    assert.deepEqual(matching(store, { partitions: [0, 1], text: 'order', time: { to: 1500 } }), [0]);
  });

  it('refuses a filter it cannot apply, saying why', () => {
    assert.throws(
      () => compileFilter({ offsets: { from: 5, to: 1 } }, { store, topic: 't', decoder }),
      ViewerFilterError,
    );
    assert.throws(() => compileFilter({ header: { name: '' } }, { store, topic: 't', decoder }), /header name/);
    assert.throws(() => compileFilter({ partitions: [-1] }, { store, topic: 't', decoder }), ViewerFilterError);
    assert.throws(() => compileFilter({ expression: 'size > 1' }, { store, topic: 't', decoder }), /not available/);
  });

  it('an expression filter sees the decoded message', () => {
    const seen: unknown[] = [];
    const predicate = compileFilter(
      { expression: 'value.order == "A-1"' },
      {
        store,
        topic: 't',
        decoder,
        compileExpression: () => ({
          matches: (activation) => {
            seen.push(activation);
            return (activation.value as { order?: string } | null)?.order === 'A-1';
          },
        }),
      },
    )!;
    assert.equal(predicate(store.slotOf(0)), true);
    assert.equal(predicate(store.slotOf(1)), false);
    const first = seen[0] as { headers: Record<string, string> };
    assert.deepEqual(
      { ...first, headers: { ...first.headers } },
      {
        key: 'key-0',
        value: { order: 'A-1', amount: '12345678901234567890' },
        headers: { source: 'web' },
        partition: 0,
        offset: 10,
        timestamp: 1000,
        size: store.sizeOf(store.slotOf(0)),
      },
    );
  });
});

describe('viewer expression headers', () => {
  it('keeps headers named like Object.prototype members as plain keys', () => {
    const store = new MessageStore(4);
    fill(store, [
      { headers: [{ ['__proto__']: Buffer.from('polluted') }, { constructor: Buffer.from('c') }] },
      { headers: [{ source: 'web' }] },
    ]);
    const seen: Record<string, string>[] = [];
    const predicate = compileFilter(
      { expression: 'headers["__proto__"] == "polluted"' },
      {
        store,
        topic: 't',
        decoder,
        compileExpression: () => ({
          matches: (activation) => {
            seen.push(activation.headers);
            return activation.headers['__proto__'] === 'polluted';
          },
        }),
      },
    )!;
    assert.equal(predicate(store.slotOf(0)), true);
    assert.equal(predicate(store.slotOf(1)), false);
    assert.deepEqual(Object.keys(seen[0]!).sort(), ['__proto__', 'constructor']);
    assert.equal(seen[1]!['__proto__'], undefined, 'a message without the header does not inherit one');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

describe('viewer index: filter, sort, new arrivals, drops', () => {
  it('sorts by time and by partition and offset, merging new arrivals and cutting dropped ones', async () => {
    const store = new MessageStore(6);
    const index = new ViewerIndex(store);
    const add = (partition: number, offset: number, timestamp: number) => {
      index.beforeAppend();
      const seq = store.append(
        { topic: 't', partition, offset, timestamp, key: null, value: Buffer.from('{}') },
        { keyFormat: 'null', valueFormat: 'json', status: 'ok' },
      );
      index.afterAppend(seq);
    };
    add(1, 5, 300);
    add(0, 9, 100);
    add(1, 4, 200);
    index.setOrder('time');
    const order = () => Array.from({ length: index.total() }, (_, i) => index.seqAt(i));
    assert.deepEqual(order(), [1, 2, 0]);
    add(0, 10, 150);
    assert.deepEqual(order(), [1, 3, 2, 0]);
    index.setOrder('partitionOffset');
    assert.deepEqual(order(), [1, 3, 2, 0]);
    add(2, 0, 50);
    add(0, 1, 400);
    add(0, 2, 500); // the ring (6) drops seq 0
    assert.deepEqual(order(), [5, 6, 1, 3, 2, 4]);
    index.setOrder('arrival');
    assert.deepEqual(order(), [1, 2, 3, 4, 5, 6]);
  });

  it('keeps the match count right as new messages are tested and old ones dropped', async () => {
    const store = new MessageStore(4);
    const index = new ViewerIndex(store);
    const add = (partition: number) => {
      index.beforeAppend();
      index.afterAppend(
        store.append(
          { topic: 't', partition, offset: store.nextSeq, key: null, value: null },
          { keyFormat: 'null', valueFormat: 'null', status: 'null' },
        ),
      );
    };
    for (const p of [0, 1, 0, 1]) add(p);
    await index.applyFilter(compileFilter({ partitions: [0] }, { store, topic: 't', decoder }), () => true);
    assert.equal(index.matchCount, 2);
    add(0); // drops seq 0 (partition 0), adds a match
    assert.equal(index.matchCount, 2);
    add(1); // drops seq 1 (partition 1)
    assert.equal(index.matchCount, 2);
    assert.deepEqual(
      Array.from({ length: index.total() }, (_, i) => index.seqAt(i)),
      [2, 4],
    );
    await index.applyFilter(undefined, () => true);
    assert.equal(index.matchCount, 4);
  });

  it('a filter scan superseded by a newer one leaves the view as it was', async () => {
    const store = new MessageStore(200_000);
    const index = new ViewerIndex(store);
    for (let i = 0; i < 150_000; i++)
      store.append(
        { topic: 't', partition: i % 2, offset: i, key: null, value: null },
        { keyFormat: 'null', valueFormat: 'null', status: 'null' },
      );
    let current = true;
    const scan = index.applyFilter(compileFilter({ partitions: [0] }, { store, topic: 't', decoder }), () => current);
    current = false;
    assert.equal(await scan, false);
    assert.equal(index.matchCount, 150_000);
  });
});

describe('viewer histogram', () => {
  it('counts messages and matches per time bucket', () => {
    const store = new MessageStore(10);
    fill(store, [{ timestamp: 0 }, { timestamp: 5 }, { timestamp: 9 }, { timestamp: 10 }, { timestamp: 19 }, {}]);
    const buckets = histogram(store, undefined, { buckets: 2 });
    assert.deepEqual(buckets, [
      { from: 0, to: 9, count: 3, matched: 3 },
      { from: 10, to: 19, count: 2, matched: 2 },
    ]);
    const index = new ViewerIndex(store);
    return index
      .applyFilter(compileFilter({ time: { from: 5, to: 10 } }, { store, topic: 't', decoder }), () => true)
      .then(() => {
        assert.deepEqual(
          histogram(store, index.matchSet, { buckets: 2 }).map((b) => b.matched),
          [2, 1],
        );
        assert.deepEqual(histogram(store, undefined, { from: 9, to: 10, buckets: 60 }).length, 2);
      });
  });

  it('is empty for a buffer without timestamps, and refuses bad bucket counts', () => {
    const store = new MessageStore(10);
    fill(store, [{}, {}]);
    assert.deepEqual(histogram(store, undefined), []);
    assert.throws(() => histogram(store, undefined, { buckets: 0 }), RangeError);
  });
});

describe('viewer previews and state', () => {
  it('compacts JSON from its bytes, exact, bounded, one line', () => {
    assert.equal(
      compactJsonPreview(Buffer.from('{ "a" : 9007199254740993,\n "b": "x  y" }')),
      '{"a":9007199254740993,"b":"x  y"}',
    );
    const long = compactJsonPreview(Buffer.from(JSON.stringify({ s: 'z'.repeat(10_000) })));
    assert.equal(long.length, 200);
    assert.ok(long.endsWith('…'));
    const spaces = compactJsonPreview(Buffer.from(`[${' '.repeat(1_000_000)}1]`));
    assert.equal(spaces, '[…');
  });

  it('decides the visible state in one place: stopped, paused, problem, phase', () => {
    const problem = { reason: 'brokerUnreachable', message: 'm', retrying: true } as const;
    assert.deepEqual(stateOf({ phase: 'reading', paused: false, stopped: false }), { kind: 'reading' });
    assert.deepEqual(stateOf({ phase: 'reading', paused: false, stopped: false, readerProblem: problem }), {
      kind: 'error',
      ...problem,
    });
    assert.deepEqual(stateOf({ phase: 'caughtUp', paused: true, stopped: false, readerProblem: problem }), {
      kind: 'paused',
    });
    assert.deepEqual(stateOf({ phase: 'caughtUp', paused: true, stopped: true }), { kind: 'stopped' });
  });
});
