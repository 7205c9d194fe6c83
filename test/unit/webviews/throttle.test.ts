import { strict as assert } from 'node:assert';
import { Throttle, type ThrottleClock } from '../../../src/webviews/shared/throttle';

/** A clock the test moves by hand: timers fire only when `advance` passes their time. */
function manualClock() {
  let now = 1_000;
  let timers: Array<{ at: number; callback: () => void; handle: number }> = [];
  let next = 1;
  const clock: ThrottleClock = {
    now: () => now,
    setTimeout: (callback, ms) => {
      const handle = next++;
      timers.push({ at: now + ms, callback, handle });
      return handle;
    },
    clearTimeout: (handle) => {
      timers = timers.filter((t) => t.handle !== handle);
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((t) => t !== due);
      now = due.at;
      due.callback();
    }
    now = until;
  };
  return { clock, advance, pending: () => timers.length };
}

describe('the post throttle', () => {
  it('flushes a burst at most once per interval, and the last change within one interval', () => {
    const { clock, advance } = manualClock();
    const flushes: number[] = [];
    const throttle = new Throttle(50, () => flushes.push(clock.now()), clock);
    throttle.schedule(); // the first change goes out at once (after a 0 ms timer)
    advance(0);
    assert.deepEqual(flushes, [1_000]);
    for (let i = 0; i < 100; i++) {
      throttle.schedule();
      advance(1);
    }
    advance(50);
    // 100 changes over 100 ms: one flush per 50 ms, and nothing left behind.
    assert.deepEqual(flushes, [1_000, 1_050, 1_100]);
    assert.equal(throttle.scheduled, false);
  });

  it('now() flushes at once and cancels the scheduled flush; dispose stops everything', () => {
    const { clock, advance, pending } = manualClock();
    let flushes = 0;
    const throttle = new Throttle(50, () => flushes++, clock);
    throttle.now();
    throttle.schedule();
    assert.equal(pending(), 1);
    throttle.now();
    assert.equal(flushes, 2);
    assert.equal(pending(), 0, 'the scheduled flush was cancelled');
    throttle.schedule();
    throttle.dispose();
    advance(1_000);
    throttle.schedule();
    throttle.now();
    assert.equal(flushes, 2);
  });
});
