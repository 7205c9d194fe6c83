import { strict as assert } from 'node:assert';
import { childPath, children, jsonText, type LeafKind, nodeView } from '../../../src/webviews/shared/valueModel';

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? { [`level${i}`]: value } : [value];
  return value;
}

describe('the value model behind every JSON tree', () => {
  it('describes leaves and branches', () => {
    assert.deepEqual(nodeView('x'), { kind: 'leaf', type: 'string', text: 'x' });
    assert.deepEqual(nodeView(12.5), { kind: 'leaf', type: 'number', text: '12.5' });
    assert.deepEqual(nodeView(false), { kind: 'leaf', type: 'boolean', text: 'false' });
    assert.deepEqual(nodeView(null), { kind: 'leaf', type: 'null', text: 'null' });
    assert.deepEqual(nodeView(2n ** 70n), { kind: 'leaf', type: 'bigint', text: '1180591620717411303424' });
    assert.deepEqual(nodeView([1, 2]), { kind: 'branch', type: 'array', size: 2 });
    assert.deepEqual(nodeView({ a: 1 }), { kind: 'branch', type: 'object', size: 1 });
  });

  it('lets a panel show special values as one leaf with a readable form and the base value as its title', () => {
    const decimal: LeafKind = {
      view: (v) =>
        typeof v === 'object' && v !== null && (v as { $decimal?: unknown }).$decimal !== undefined
          ? { type: 'decimal', text: String((v as { $decimal: string }).$decimal), title: 'bytes: 0x3039, scale 2' }
          : undefined,
    };
    assert.deepEqual(nodeView({ $decimal: '123.45' }, [decimal]), {
      kind: 'leaf',
      type: 'decimal',
      text: '123.45',
      title: 'bytes: 0x3039, scale 2',
    });
    assert.equal(jsonText({ amount: { $decimal: '123.45' } }, { kinds: [decimal] }).text, '{\n  "amount": "123.45"\n}');
  });

  it('pages children by own key; __proto__ and constructor are plain keys', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "a b": 2, "ok": 3}') as object;
    const page = children(value, '$', 0, 10);
    assert.deepEqual(
      page.map((c) => [c.key, c.path]),
      [
        ['__proto__', '$.__proto__'],
        ['constructor', '$.constructor'],
        ['a b', '$["a b"]'],
        ['ok', '$.ok'],
      ],
    );
    assert.deepEqual(page[0]!.value, { polluted: true });
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
    assert.deepEqual(children([10, 20, 30, 40], '$.list', 1, 2), [
      { key: 1, value: 20, path: '$.list[1]' },
      { key: 2, value: 30, path: '$.list[2]' },
    ]);
    assert.equal(childPath('$', '"]; alert(1); //'), '$["\\"]; alert(1); //"]');
  });

  it('writes JSON text exactly as JSON.stringify(value, null, 2) does', () => {
    const samples: unknown[] = [
      null,
      'text "quoted" \u2028',
      0,
      -1.5e-7,
      true,
      [],
      {},
      [[], {}, [[]]],
      {
        paymentId: 'pay_01',
        amount: { value: '129.90', currency: 'EUR' },
        lines: [{ sku: 'KB', qty: 1 }],
        note: null,
        retries: 0,
      },
      nested(40),
    ];
    for (const sample of samples)
      assert.equal(jsonText(sample).text, JSON.stringify(sample, null, 2), JSON.stringify(sample));
    assert.equal(jsonText({ n: Number.NaN, u: [undefined] }).text, '{\n  "n": null,\n  "u": [\n    null\n  ]\n}');
  });

  it('handles a value nested 100,000 deep without recursion, and stops at the size limit', () => {
    const deep = nested(100_000);
    assert.throws(
      () => JSON.stringify(deep),
      RangeError,
      'the recursive stringify overflows the stack (so the test means something)',
    );
    const { text, truncated } = jsonText(deep, { maxChars: 200_000 });
    assert.equal(truncated, true);
    assert.equal(text.length, 200_000);
    const flat = jsonText(nested(100_000), { indent: 0, maxChars: 10_000_000 });
    assert.equal(flat.truncated, false);
    assert.ok(flat.text.includes('"bottom"'));
    const wide = Array.from({ length: 200_000 }, (_, i) => i);
    const started = Date.now();
    assert.equal(jsonText(wide).text, JSON.stringify(wide, null, 2));
    assert.ok(Date.now() - started < 2_000, 'linear in the size');
  });
});
