import { strict as assert } from 'node:assert';
import { buildDisplay } from '../../../src/core/codec/displayModel';
import type { MessageDetail, PayloadDetail } from '../../../src/core/viewer/types';
import { messageJson, toDetailMessageView, toPayloadView } from '../../../src/webviews/viewerPanel/detailView';
import {
  CopyNotification,
  isViewerFilter,
  MAX_FILTER_TEXT,
  MAX_PAGE_ROWS,
  PageRequestType,
  SetSortNotification,
} from '../../../src/webviews/viewerPanel/protocol';

// What the viewer panel's host accepts from its (untrusted) webview, and how the viewer's detail
// becomes the message view every panel renders.

describe('viewer panel protocol: what the webview may send', () => {
  it('accepts every filter field the panel builds, and nothing else', () => {
    assert.ok(isViewerFilter({}));
    assert.ok(
      isViewerFilter({
        text: 'order',
        key: { equals: 'k-1' },
        header: { name: 'source', equals: 'web' },
        partitions: [0, 2],
        offsets: { from: 10, to: 20 },
        time: { from: -1000, to: 1_700_000_000_000 },
        decodeErrorsOnly: true,
        expression: 'value.amount > 100',
      }),
    );
    assert.ok(isViewerFilter({ header: { name: 'x' } }), 'a header that is present');
    assert.equal(isViewerFilter({ unknown: 1 }), false, 'an unknown field');
    assert.equal(isViewerFilter({ text: 'x'.repeat(MAX_FILTER_TEXT + 1) }), false, 'a text past the bound');
    assert.equal(isViewerFilter({ partitions: [-1] }), false);
    assert.equal(isViewerFilter({ partitions: [0.5] }), false);
    assert.equal(isViewerFilter({ offsets: { from: '1' } }), false);
    assert.equal(isViewerFilter({ header: { name: '' } }), false);
    assert.equal(isViewerFilter({ decodeErrorsOnly: 'yes' }), false);
    assert.equal(isViewerFilter(JSON.parse('{"__proto__": {"text": "x"}}')), false, 'a __proto__ key is unknown');
  });

  it('bounds pages, and checks sort orders and copy requests', () => {
    assert.ok(PageRequestType.validateParams({ start: 0, count: MAX_PAGE_ROWS }));
    assert.equal(PageRequestType.validateParams({ start: 0, count: MAX_PAGE_ROWS + 1 }), false);
    assert.equal(PageRequestType.validateParams({ start: -1, count: 10 }), false);
    assert.ok(SetSortNotification.validateParams({ order: 'time' }));
    assert.equal(SetSortNotification.validateParams({ order: 'random' }), false);
    assert.ok(CopyNotification.validateParams({ what: 'path', path: '$.a' }));
    assert.ok(CopyNotification.validateParams({ what: 'message', seq: 3 }));
    assert.equal(CopyNotification.validateParams({ what: 'path', path: '' }), false);
    assert.equal(CopyNotification.validateParams({ what: 'file', seq: 3 }), false);
  });
});

describe('viewer detail → message view', () => {
  const payload = (over: Partial<PayloadDetail>): PayloadDetail => ({
    format: 'json',
    hex: '7b7d',
    text: '{}',
    size: 2,
    truncated: false,
    ...over,
  });

  it('a structured value keeps its display model (readable forms and notes) and its schema', () => {
    const model = buildDisplay({ amount: 12n, name: 'x' });
    const view = toPayloadView(
      payload({ format: 'avro', decoded: model, schema: { id: 7, subject: 'pay-value', version: 2 } }),
    );
    assert.equal(view.kind, 'json');
    if (view.kind !== 'json') return;
    assert.deepEqual(view.json, model.json);
    assert.deepEqual(view.notes, model.notes);
    assert.deepEqual(view.schema, { id: 7, format: 'avro', subject: 'pay-value', version: 2 });
  });

  it('a decode error carries its message and the raw bytes; text and null payloads map as they are', () => {
    const error = toPayloadView(
      payload({ format: 'avro', error: 'Unknown schema id 9', hex: '0000000009', schema: { id: 9 } }),
    );
    assert.deepEqual(error, {
      kind: 'error',
      message: 'Unknown schema id 9',
      reason: 'decodeError',
      hex: '0000000009',
      text: '{}',
      size: 2,
      truncated: false,
      schemaId: 9,
    });
    assert.deepEqual(toPayloadView(payload({ format: 'text', decoded: buildDisplay('hello') })), {
      kind: 'text',
      text: 'hello',
    });
    assert.deepEqual(toPayloadView(payload({ format: 'null' })), { kind: 'null' });
  });

  it('a message view and the copied JSON', () => {
    const detail: MessageDetail = {
      seq: 4,
      topic: 'orders',
      partition: 1,
      offset: 99,
      timestamp: 0,
      key: payload({ format: 'text', decoded: buildDisplay('k'), text: 'k', hex: '6b', size: 1 }),
      value: payload({ decoded: buildDisplay({ a: 1 }) }),
      headers: [{ key: 'h', text: 'v', hex: '76' }],
    };
    const view = toDetailMessageView(detail, 'LogAppendTime');
    assert.equal(view.id, 'viewer/4');
    assert.equal(view.timestampType, 'LogAppendTime');
    assert.equal(view.size, 3);
    assert.deepEqual(view.headers, [{ key: 'h', text: 'v', hex: '76', size: 1 }]);
    assert.deepEqual(JSON.parse(messageJson(detail)), {
      topic: 'orders',
      partition: 1,
      offset: 99,
      timestamp: '1970-01-01T00:00:00.000Z',
      key: 'k',
      value: { a: 1 },
      headers: [{ key: 'h', value: 'v' }],
    });
  });
});
