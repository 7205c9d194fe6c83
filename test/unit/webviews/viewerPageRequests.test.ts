import { strict as assert } from 'node:assert';
import type { Page } from '../../../src/core/viewer/types';
import { PageRequests } from '../../../src/webviews/viewerPanel/view/pageRequests';

// The viewer list's page requests: one out at a time, every answer handed over, the latest need
// asked next. The old rule (drop an answer overtaken by a newer request) painted no rows at all
// while a topic was read, because a new state asked again before each answer came back.

interface Deferred {
  readonly start: number;
  readonly count: number;
  resolve(page: Page): void;
  reject(error: Error): void;
}

function harness() {
  const asked: Deferred[] = [];
  const answers: { page: Page; revision: number }[] = [];
  let need = { start: 0, count: 40, revision: 1 };
  const requests = new PageRequests({
    need: () => need,
    fetch: (start, count) => new Promise<Page>((resolve, reject) => asked.push({ start, count, resolve, reject })),
    answered: (page, revision) => answers.push({ page, revision }),
    intervalMs: 0,
  });
  const page = (start: number, count: number, total: number): Page => ({
    start,
    total,
    rows: Array.from({ length: count }, (_, i) => ({
      seq: start + i,
      partition: 0,
      offset: start + i,
      key: '',
      value: `v${start + i}`,
      size: 1,
      format: 'json',
      status: 'ok',
    })) as unknown as Page['rows'],
  });
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
  return {
    requests,
    asked,
    answers,
    page,
    tick,
    setNeed: (n: typeof need) => (need = n),
  };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('the viewer list: page requests', () => {
  it('sends one request at a time, hands over an answer asked at an older revision, then asks the latest need', async () => {
    const h = harness();
    h.requests.request();
    await until('the first request', () => h.asked.length === 1);
    // New states arrive while the first page is out: no second request goes out.
    for (let revision = 2; revision <= 6; revision++) {
      h.setNeed({ start: 0, count: 40, revision });
      h.requests.request();
      await h.tick();
    }
    assert.equal(h.asked.length, 1, 'one request out at a time');
    assert.ok(h.requests.pending);
    h.asked[0]!.resolve(h.page(0, 40, 500));
    await until('the answer', () => h.answers.length === 1);
    assert.equal(h.answers[0]!.revision, 1, 'the answer is handed over with the revision it was asked at');
    assert.equal(h.answers[0]!.page.rows.length, 40, 'its rows are handed over, not dropped');
    // The view (its answer handler) finds the revision moved and asks again: the latest need goes out.
    h.requests.request();
    await until('the second request', () => h.asked.length === 2);
    h.asked[1]!.resolve(h.page(0, 40, 900));
    await until('the second answer', () => h.answers.length === 2);
    assert.equal(h.answers[1]!.revision, 6);
    h.requests.dispose();
  });

  it('keeps delivering rows while needs arrive faster than the answers (a topic being read)', async () => {
    const h = harness();
    let revision = 1;
    const feeding = setInterval(() => {
      h.setNeed({ start: 0, count: 40, revision: ++revision });
      h.requests.request();
    }, 1);
    try {
      h.requests.request();
      for (let answered = 0; answered < 5; answered++) {
        await until(`request ${answered + 1}`, () => h.asked.length === answered + 1);
        await h.tick(); // the answer takes longer than the gap between needs
        assert.equal(h.asked.length, answered + 1, 'no second request while one is out');
        h.asked[answered]!.resolve(h.page(0, 40, 100 * (answered + 1)));
        await until(`answer ${answered + 1}`, () => h.answers.length === answered + 1);
      }
    } finally {
      clearInterval(feeding);
      h.requests.dispose();
    }
    assert.equal(h.answers.length, 5, 'every answer reached the list');
    assert.ok(
      h.answers.every((a) => a.page.rows.length === 40),
      'each answer carries its rows',
    );
  });

  it('after a failure asks again only if a newer need came while it was out; nothing after dispose', async () => {
    const errors: unknown[] = [];
    const asked: Deferred[] = [];
    const requests = new PageRequests({
      need: () => ({ start: 10, count: 5, revision: 1 }),
      fetch: (start, count) => new Promise<Page>((resolve, reject) => asked.push({ start, count, resolve, reject })),
      answered: () => assert.fail('no answer expected'),
      intervalMs: 0,
      onError: (error) => errors.push(error),
    });
    requests.request();
    await until('the request', () => asked.length === 1);
    assert.deepEqual([asked[0]!.start, asked[0]!.count], [10, 5], 'it asks what the view needs when it goes out');
    asked[0]!.reject(new Error('host busy'));
    await until('the error', () => errors.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(asked.length, 1, 'a failure alone is not retried in a loop');

    requests.request();
    await until('the second request', () => asked.length === 2);
    requests.request(); // a newer need while it is out
    asked[1]!.reject(new Error('host busy'));
    await until('the retry for the newer need', () => asked.length === 3);
    requests.dispose();
    asked[2]!.reject(new Error('closed'));
    requests.request();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(asked.length, 3, 'nothing is asked after dispose');
  });
});
