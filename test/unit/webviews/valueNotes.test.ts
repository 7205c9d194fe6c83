import { strict as assert } from 'node:assert';
import { nodeView } from '../../../src/webviews/shared/valueModel';
import { annotate } from '../../../src/webviews/shared/view/valueNotes';

describe('value notes in the webview: readable forms over base values, exact numbers, cuts', () => {
  const json = () =>
    JSON.parse(
      '{"price":"3978711.44","ids":["9223372036854775807"],"__proto__":{"at":"2028-04-20"},"fake":{"readable":"x","base":"y","logicalType":"decimal"}}',
    ) as Record<string, unknown>;

  it('annotated values become leaves: readable by default, base values when switched', () => {
    const noted = annotate(json(), [
      { at: ['price'], kind: 'logical', logicalType: 'decimal', base: 'F7cIKA==' },
      { at: ['ids', 0], kind: 'number' },
      { at: ['__proto__', 'at'], kind: 'logical', logicalType: 'date', base: 21294 },
      { at: [], kind: 'cut', reason: 'nodes', detail: 'showing 4 of 9 entries' },
    ]);
    const value = noted.json as Record<string, unknown>;
    assert.deepEqual(nodeView(value.price, noted.readableKinds), {
      kind: 'leaf',
      type: 'logical',
      text: '3978711.44',
      title: 'decimal · base value: F7cIKA==',
    });
    assert.deepEqual(nodeView(value.price, noted.baseKinds), {
      kind: 'leaf',
      type: 'base',
      text: 'F7cIKA==',
      title: 'decimal · readable: 3978711.44',
    });
    assert.deepEqual(nodeView((value.ids as unknown[])[0], noted.readableKinds), {
      kind: 'leaf',
      type: 'number',
      text: '9223372036854775807',
    });
    const proto = Object.getOwnPropertyDescriptor(value, '__proto__')!.value as Record<string, unknown>;
    assert.deepEqual(nodeView(proto.at, noted.baseKinds), {
      kind: 'leaf',
      type: 'base',
      text: '21294',
      title: 'date · readable: 2028-04-20',
    });
    assert.equal(noted.logicalCount, 2);
    assert.deepEqual(noted.cuts, [{ path: '$', detail: 'showing 4 of 9 entries' }]);
  });

  it('a payload cannot pose as a noted value, and a note whose path is not there is ignored', () => {
    const noted = annotate(json(), [{ at: ['missing', 'deeper'], kind: 'number' }]);
    const fake = (noted.json as Record<string, unknown>).fake;
    assert.equal(nodeView(fake, noted.readableKinds).kind, 'branch');
    assert.equal(noted.logicalCount, 0);
  });
});
