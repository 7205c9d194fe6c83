import { strict as assert } from 'node:assert';
import { silentLogger } from '../../../../src/core/logging';
import type { ViewerChange } from '../../../../src/core/viewer/viewerApi';
import { ViewerNotifier } from '../../../../src/core/viewer/viewerNotifier';

// The viewer's change notifications: the first change after a quiet spell goes out at once (the
// first rows of a topic show without waiting for an interval), later ones at most once per
// interval, and the last one is never left behind.

function changeOf(read: number): ViewerChange {
  return {
    state: { kind: 'reading' },
    counts: { read, buffered: read, dropped: 0, matched: read },
  } as ViewerChange;
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('viewer change notifications', () => {
  it('tells the first change at once, coalesces a burst into one more, and sends the latest counts', async () => {
    let read = 0;
    const sent: number[] = [];
    const seenBySpy: number[] = [];
    const notifier = new ViewerNotifier(
      200,
      () => changeOf(read),
      silentLogger,
      (change) => seenBySpy.push(change.counts.read),
    );
    notifier.add((change) => sent.push(change.counts.read));
    read = 1;
    notifier.changed();
    assert.deepEqual(sent, [1], 'the first change is sent synchronously, not after an interval');
    for (read = 2; read <= 50; read++) notifier.changed();
    read = 50;
    assert.deepEqual(sent, [1], 'changes within the interval wait');
    await until('the coalesced change', () => sent.length === 2);
    assert.deepEqual(sent, [1, 50], 'one notification for the burst, with the latest counts');
    assert.deepEqual(seenBySpy, sent, 'the hook sees what the listeners see');
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(sent.length, 2, 'nothing more without a change');
    notifier.close();
  });

  it('flush sends at once; without listeners nothing is computed; a failing listener does not stop the others', () => {
    let snapshots = 0;
    const warnings: string[] = [];
    const notifier = new ViewerNotifier(
      10_000,
      () => {
        snapshots++;
        return changeOf(snapshots);
      },
      { ...silentLogger, warn: (m: string) => void warnings.push(m) } as typeof silentLogger,
    );
    notifier.changed();
    notifier.flush();
    assert.equal(snapshots, 0, 'no listener: no snapshot');
    const got: number[] = [];
    notifier.add(() => {
      throw new Error('listener broke');
    });
    const second = notifier.add((change) => got.push(change.counts.read));
    notifier.flush();
    notifier.flush();
    assert.deepEqual(got, [1, 2], 'each flush is sent, even within the interval');
    assert.equal(warnings.length, 2);
    second.dispose();
    notifier.flush();
    assert.deepEqual(got, [1, 2], 'a disposed listener hears nothing');
    notifier.close();
  });
});
