import { strict as assert } from 'node:assert';
import {
  MAX_OUTPUTS_PER_MESSAGE,
  OutputRecordError,
  appendOutputs,
  encodeOutput,
} from '../../../../src/core/engine/outputs';
import { outputsFromFrames } from '../../../../src/core/handler/outputFrames';

describe('handler output records (untrusted input)', () => {
  it('encodes text and Buffers as they are, other values as JSON, and headers as bytes', () => {
    const o = encodeOutput(
      {
        topic: 'out',
        key: 'k',
        value: { id: 1, big: 12345678901234567890n },
        headers: { a: 'x', b: Buffer.from([0, 1]) },
      },
      0,
    );
    assert.equal(o.key?.toString(), 'k');
    assert.equal(o.value?.toString(), '{"id":1,"big":"12345678901234567890"}');
    assert.deepEqual(o.headers, [{ a: Buffer.from('x') }, { b: Buffer.from([0, 1]) }]);
    assert.equal(encodeOutput({ topic: 'out', value: null }, 0).value, null);
    assert.deepEqual(
      [...((encodeOutput({ topic: 'out', value: new Uint8Array([7]) }, 0).value as Buffer | null) ?? [])],
      [7],
    );
  });

  it('refuses outputs it cannot produce, naming the output and the problem', () => {
    const bad: Array<[unknown, RegExp]> = [
      [null, /output 1 is not an object/],
      [{ value: 'x' }, /output 1 needs a topic/],
      [{ topic: 'x'.repeat(250), value: 'x' }, /needs a topic/],
      [{ topic: 'out', partition: -1, value: 'x' }, /partition must be a non-negative integer/],
      [{ topic: 'out', key: { k: 1 }, value: 'x' }, /the key must be a string, a Buffer or null/],
      [{ topic: 'out', value: 'x', headers: [{ key: '', value: 'v' }] }, /every header needs a name/],
      [{ topic: 'out', value: Buffer.alloc(16 * 1024 * 1024 + 1) }, /over the 16777216-byte limit/],
    ];
    for (const [record, message] of bad)
      assert.throws(
        () => encodeOutput(record, 0),
        (e: unknown) => e instanceof OutputRecordError && message.test((e as Error).message),
      );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => encodeOutput({ topic: 'out', value: cyclic }, 0), /cannot be written as JSON/);
    const list: never[] = [];
    assert.throws(
      () => appendOutputs(list, new Array(MAX_OUTPUTS_PER_MESSAGE + 1).fill({ topic: 'out', value: 'x' })),
      /at most 10000 outputs/,
    );
  });

  it('reads the outputs of a handler process result, refusing malformed frames', () => {
    const records = outputsFromFrames([
      { topic: 'out', key: Buffer.from('k').toString('base64'), value: null, headers: [{ key: 'h', value: 'AAE=' }] },
    ]);
    assert.equal(records?.length, 1);
    const r = records?.[0];
    assert.equal((r?.key as Buffer).toString(), 'k');
    assert.equal(r?.value, null);
    assert.equal(outputsFromFrames(undefined), undefined);
    assert.throws(() => outputsFromFrames('nope'), /not a list/);
    assert.throws(() => outputsFromFrames([{ topic: 'out', key: null, value: '***' }]), /not base64/);
    assert.throws(() => outputsFromFrames([7]), /not an object/);
  });
});

describe('the Sessions view line of an exactly-once member', () => {
  it('names the transactional id and the open transaction with its count and age', async () => {
    const { describeTransaction } = await import('../../../../src/core/engine/transactionView');
    const base = { transactionalId: 'kafka-lab-g-1', commits: 3, aborts: 1 };
    assert.equal(
      describeTransaction({ ...base, state: 'open', messages: 12, outputs: 24, openSince: 1_000 }, 3_500),
      'kafka-lab-g-1 · open: 12 messages, 24 outputs, 2.5 s · 3 committed, 1 aborted',
    );
    assert.equal(
      describeTransaction({ ...base, state: 'open', messages: 0, outputs: 0, openSince: 1_000 }, 3_500),
      'kafka-lab-g-1 · open, empty · 3 committed, 1 aborted',
    );
    assert.equal(
      describeTransaction({ ...base, state: 'failed', messages: 0, outputs: 0, openSince: undefined }, 3_500),
      'kafka-lab-g-1 · failed · 3 committed, 1 aborted',
    );
  });
});
