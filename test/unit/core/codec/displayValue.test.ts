import { strict as assert } from 'node:assert';
import { toDisplayJson } from '../../../../src/core/codec/displayValue';

describe('toDisplayJson', () => {
  it('makes decoded values JSON-safe: bytes as base64, big integers and non-finite numbers as strings', () => {
    class Record {
      constructor(
        readonly id: string,
        readonly blob: Buffer,
      ) {}
      describe(): string {
        return this.id;
      }
    }
    const value = {
      record: new Record('r', Buffer.from([1, 2, 3])),
      big: 2n ** 70n,
      long: { low: 1, high: 0, unsigned: false, toString: () => '1' },
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      map: new Map([['k', new Uint8Array([255])]]),
      when: new Date(0),
      list: [undefined, null, 1],
      skipped: undefined,
    };
    assert.deepEqual(toDisplayJson(value), {
      record: { id: 'r', blob: 'AQID' },
      big: '1180591620717411303424',
      long: '1',
      nan: 'NaN',
      inf: 'Infinity',
      map: { k: '/w==' },
      when: '1970-01-01T00:00:00.000Z',
      list: [null, null, 1],
    });
  });

  it('shares no state between siblings, and a cycle ends at the depth limit instead of looping', () => {
    const shared = { a: 1 };
    const cyclic: { self?: unknown; x: number } = { x: 1 };
    cyclic.self = cyclic;
    assert.deepEqual(toDisplayJson({ one: shared, two: shared }), { one: { a: 1 }, two: { a: 1 } });
    let depth = 0;
    for (
      let node = toDisplayJson(cyclic) as { self?: unknown };
      node && typeof node === 'object' && 'self' in node;
      node = node.self as { self?: unknown }
    )
      depth++;
    assert.equal(depth, 10_000);
  });
});
