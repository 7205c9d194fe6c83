import { strict as assert } from 'node:assert';
import { OpeningTimeline } from '../../../../src/core/viewer/openingTimeline';

// Where the time to a viewer's first rows goes: each step once, in ms since the viewer was created.

describe('viewer opening timeline', () => {
  it('records each step once, relative to its creation, in the order they happened', () => {
    let now = 1_000;
    const timeline = new OpeningTimeline(() => now);
    assert.equal(timeline.origin, 1_000);
    now = 1_005;
    timeline.mark('connecting');
    now = 1_080;
    timeline.mark('connected');
    timeline.mark('panel');
    now = 1_500;
    timeline.mark('connecting'); // a reconnect does not move the first time
    timeline.mark('firstRows');
    assert.equal(timeline.at('connecting'), 5);
    assert.equal(timeline.at('firstRows'), 500);
    assert.equal(timeline.at('ready'), undefined);
    assert.deepEqual(
      timeline.snapshot().map((m) => m.name),
      ['connecting', 'connected', 'panel', 'firstRows'],
    );
    assert.equal(timeline.describe(), 'connecting 5 ms, connected 80 ms, panel 80 ms, firstRows 500 ms');
  });
});
