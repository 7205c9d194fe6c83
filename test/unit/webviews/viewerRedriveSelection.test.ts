import { strict as assert } from 'node:assert';
import { MAX_REDRIVE_SELECTION, RedriveNotification } from '../../../src/webviews/viewerPanel/protocol';
import { RpcEndpoint } from '../../../src/webviews/shared/rpc';

// "Re-drive selected (N)": what the viewer's webview may name, checked before the host reads a record.

describe('the viewer protocol: re-drive of a selection', () => {
  it('accepts one message, a bounded list of seqs, or all matching; refuses anything else', async () => {
    const received: unknown[] = [];
    const rpc = new RpcEndpoint({ post: () => undefined });
    rpc.onNotification(RedriveNotification, (p) => void received.push(p));
    const send = (params: unknown) => rpc.receive({ kind: 'notify', method: 'viewer/redrive', params });
    const good = [
      { scope: 'selected', seq: 3 },
      { scope: 'selected', seq: 3, edit: true },
      { scope: 'selected', seq: 1, seqs: [1, 3, 4, 5] },
      { scope: 'selected', seq: 0, seqs: Array.from({ length: MAX_REDRIVE_SELECTION }, (_, i) => i) },
      { scope: 'matching' },
    ];
    const bad = [
      { scope: 'selected', seq: 1, seqs: [] },
      { scope: 'selected', seq: 1, seqs: [1, -2] },
      { scope: 'selected', seq: 1, seqs: [1.5] },
      { scope: 'selected', seq: 1, seqs: '1,2' },
      { scope: 'selected', seq: 0, seqs: Array.from({ length: MAX_REDRIVE_SELECTION + 1 }, (_, i) => i) },
      { scope: 'selected', seqs: [1] },
      { scope: 'matching', seqs: [1] },
    ];
    for (const p of [...good, ...bad]) await send(p);
    assert.deepEqual(received, good);
  });
});
