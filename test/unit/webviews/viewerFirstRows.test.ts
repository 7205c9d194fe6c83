import { strict as assert } from 'node:assert';
import { RpcEndpoint } from '../../../src/webviews/shared/rpc';
import { FirstRowsNotification, MAX_PAGE_ROWS } from '../../../src/webviews/viewerPanel/protocol';

// The first screen of rows the host sends unasked: the webview checks it like a page it asked for.

describe('the viewer protocol: the first rows sent unasked', () => {
  it('accepts a page; refuses anything else before the list sees it', async () => {
    const seen: unknown[] = [];
    const rpc = new RpcEndpoint({ post: () => undefined });
    rpc.onNotification(FirstRowsNotification, (page) => void seen.push(page));
    const send = (params: unknown) => rpc.receive({ kind: 'notify', method: 'viewer/firstRows', params });
    const row = { seq: 0, partition: 0, offset: 0, key: '', value: '<img src=x onerror=alert(1)>', size: 1 };
    const good = [
      { start: 0, total: 1, rows: [row] },
      { start: 0, total: 0, rows: [] },
    ];
    const bad = [
      undefined,
      'rows',
      { start: -1, total: 1, rows: [row] },
      { start: 0, total: 1.5, rows: [row] },
      { start: 0, total: 1, rows: 'not a list' },
      { start: 0, total: MAX_PAGE_ROWS + 1, rows: Array.from({ length: MAX_PAGE_ROWS + 1 }, () => row) },
    ];
    for (const p of good) assert.equal(await send(p), 'handled');
    for (const p of bad) assert.equal(await send(p), 'rejected', JSON.stringify(p)?.slice(0, 80));
    assert.deepEqual(seen, good);
  });
});
