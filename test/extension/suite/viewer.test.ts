import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import { compileAvro } from '../../../src/core/codec/avroSchema';
import { encodeFrame } from '../../../src/core/codec/wireFormat';
import { VIEWER_ROOT_ID } from '../../../src/webviews/viewerPanel/protocol';
import type { ViewerPanel } from '../../../src/webviews/viewerPanel/viewerPanel';
import { services, uniqueName } from '../../support/services';

// The message viewer in a real VS Code against the real broker and registry, looked at from OUTSIDE
// through the browser that runs the workbench (scripts/lib/webviewProbe.mjs): the list is
// virtualised (rows in the DOM stay bounded while scrolling 100,000 messages), filters run in the
// host, the detail shows decoded values, export writes a file, live tail shows new messages, and
// hostile payloads stay inert.

const kafkaSupport = () => import('../../support/kafka');
const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';
const PROBE_URL = process.env.KAFKA_LAB_WEBVIEW_URL;
const SCREENSHOT_URL = process.env.KAFKA_LAB_SCREENSHOT_URL;
const BIG = 100_000;

const HOSTILE = [
  '<script>window.__pwned="script"</script>',
  '<img src=x onerror="window.__pwned=\'img\'">',
  '<svg/onload=window.__pwned="svg">',
  '<a href="javascript:window.__pwned=\'href\'">click me</a>',
  '</style><style>body{display:none}</style>',
  '<iframe src="javascript:parent.__pwned=\'iframe\'"></iframe>',
  '"><script>document.title="pwned"</script>',
  "'--><div onmouseover=\"window.__pwned='div'\">hover</div>",
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned="mxss">',
  '{{constructor.constructor("window.__pwned=\'tpl\'")()}}',
  '${window.__pwned="tpl2"}',
  '<base href="javascript:/">',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">',
  '<object data="javascript:window.__pwned=1"></object><embed src=x>',
  'bidi \u202Eevil\u202C isolate \u2067x\u2069 nul \u0000 bell \u0007 esc \u001b[31m zero\u200Bwidth bom \uFEFF',
];

interface Facts {
  texts: boolean[];
  probes: { selector: string; count: number }[];
  rootTags: Record<string, number>;
  onAttributes: string[];
  scriptUrls: string[];
  inlineScriptRan: boolean;
  evalRan: boolean;
  flagged: unknown[];
  csp: string[];
}

async function probe<T>(request: Record<string, unknown>): Promise<T> {
  const response = await fetch(PROBE_URL!, {
    method: 'POST',
    body: JSON.stringify({ root: VIEWER_ROOT_ID, ...request }),
  });
  const body = (await response.json()) as T & { error?: string };
  assert.equal(response.status, 200, `probe ${String(request.op)}: ${body.error}`);
  return body;
}

const evaluate = async <T>(expression: string): Promise<T> =>
  (await probe<{ value: T }>({ op: 'evaluate', expression })).value;

async function screenshot(name: string): Promise<void> {
  if (!SCREENSHOT_URL) return;
  const response = await fetch(`${SCREENSHOT_URL}?name=${name}`);
  assert.equal(response.status, 200, await response.text());
}

async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function child(api: KafkaLabApi, parent: vscode.TreeItem | undefined, label: string): Promise<vscode.TreeItem> {
  const children = ((await api.clustersTree.getChildren(parent)) ?? []) as vscode.TreeItem[];
  const found = children.find((c) => c.label === label);
  assert.ok(found, `no ${label} under ${String(parent?.label ?? 'the root')}`);
  return found;
}

/** Rows in the list's DOM, and the seq/index of the first and last of them that hold data. */
const LIST_FACTS = `(() => {
  const rows = [...document.querySelectorAll('.vl-row')];
  const loaded = rows.filter((r) => r.dataset.seq !== undefined);
  const idx = loaded.map((r) => Number(r.dataset.index));
  return { rows: rows.length, loaded: loaded.length, min: Math.min(...idx), max: Math.max(...idx),
    total: Number(document.getElementById('${VIEWER_ROOT_ID}').dataset.total ?? -1) };
})()`;
type ListFacts = { rows: number; loaded: number; min: number; max: number; total: number };

describe('the message viewer in real VS Code, on the real broker', function () {
  this.timeout(240_000);
  const bigTopic = uniqueName('ext-viewer-big');
  const tailTopic = uniqueName('ext-viewer-tail');
  const hostileTopic = uniqueName('ext-viewer-hostile');
  const avroTopic = uniqueName('ext-viewer-avro');
  const emptyTopic = uniqueName('ext-viewer-empty');
  const smallTopic = uniqueName('ext-viewer-1k');
  const subject = `${avroTopic}-value`;
  let api: KafkaLabApi;
  let clusterId: string;

  const panel = (id: string): ViewerPanel => {
    const found = api.viewers.get(id);
    assert.ok(found, `viewer ${id} is not open`);
    return found;
  };
  const closeAll = () => api.viewers.closeAll();
  /** First paint of each viewer opened (measured, reported, never asserted). */
  const paints: {
    topic: string;
    readyMs: number;
    paintMs: number;
    paintedMs: number | undefined;
    workerWaitMs: number;
    steps: string;
  }[] = [];

  before(async function () {
    if (!PROBE_URL) this.skip(); // only the code-server runner can look into webviews
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    const { createTopic, produceSequence } = await kafkaSupport();
    await Promise.all([
      createTopic(bigTopic, 3),
      createTopic(tailTopic, 1),
      createTopic(hostileTopic, 1),
      createTopic(avroTopic, 1),
      createTopic(emptyTopic, 3),
      createTopic(smallTopic, 3),
    ]);
    await produceSequence(bigTopic, BIG, { keys: 16 });
    await produceSequence(smallTopic, 1_000, { keys: 16 });
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Viewer test',
      bootstrapServers: services.kafka.plaintext,
      registry: { url: services.registry.url, auth: 'none' },
    });
    // Only this suite's topics in the Topics folder (the shared broker holds many).
    await vscode.commands.executeCommand('kafkaLab.filterTopics', 'ext-viewer-*');
  });

  afterEach(() => closeAll());

  after(async () => {
    if (!api) return;
    for (const p of paints)
      console.log(
        `      first paint: ${p.paintMs} ms (webview ready after ${p.readyMs} ms) — ${p.topic}\n        ${p.steps}`,
      );
    // The summary: each viewer's first paint by the webview's own clock (the test's probe sees it a
    // round trip later), and how much of it VS Code's webview frame spent waiting for its service
    // worker before any of the extension's page could load: VS Code 1.100 registers that worker under
    // a URL with each webview's id, so every webview after the first replaces it and Chromium delays
    // the replacement's activation by 1 s; in 1.139 only the first webview of a new browser profile
    // waits, for the worker's first install.
    const painted = paints.filter((p) => p.paintedMs !== undefined);
    if (painted.length > 0) {
      const ms = painted.map((p) => p.paintedMs!);
      const own = painted.map((p) => p.paintedMs! - p.workerWaitMs);
      console.log(
        `      first paint (VS Code ${vscode.version}), by the webview's clock, of ${ms.length} viewers: ${ms.join(', ')} ms (max ${Math.max(...ms)}, target ≤ 1000 ms, not asserted)\n` +
          `        of which VS Code's webview service worker: ${painted.map((p) => p.workerWaitMs).join(', ')} ms; the rest: ${own.join(', ')} ms (max ${Math.max(...own)})`,
      );
    }
    await closeAll();
    await vscode.commands.executeCommand('kafkaLab.filterTopics', '');
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    await (
      await kafkaSupport()
    ).deleteTopicsQuietly(bigTopic, tailTopic, hostileTopic, avroTopic, emptyTopic, smallTopic);
    for (const permanent of ['', '?permanent=true'])
      await fetch(`${services.registry.url}/subjects/${subject}${permanent}`, { method: 'DELETE' }).catch(
        () => undefined,
      );
  });

  /**
   * Opens the viewer from the topic's node and waits for its first rows (or, for an empty topic,
   * for the caught-up state painted); records where the time went: the host's steps (the reader,
   * the panel) and the webview's (performance marks), in ms since the command was invoked.
   */
  async function openFromTopicNode(
    topic: string,
    start: unknown,
    until: 'rows' | 'caughtUp' = 'rows',
  ): Promise<{ id: string; paintMs: number }> {
    const cluster = await child(api, undefined, 'Viewer test');
    const topics = await child(api, cluster, 'Topics');
    const node = await child(api, topics, topic);
    const started = Date.now();
    const id = await vscode.commands.executeCommand<string>('kafkaLab.viewMessages', node, { start });
    assert.ok(id, 'the command returns the viewer id');
    const commandMs = Date.now() - started;
    await panel(id).host.whenReady();
    const readyMs = Date.now() - started;
    if (until === 'rows')
      await waitFor('the first rows painted', async () => (await evaluate<ListFacts>(LIST_FACTS)).loaded > 0);
    else
      await waitFor('the caught-up state painted', () =>
        evaluate<boolean>(`document.querySelector('.state-badge')?.classList.contains('viewer-caughtUp') === true`),
      );
    const paintMs = Date.now() - started;
    const opening = panel(id).viewer.opening;
    const host = opening
      ? opening
          .snapshot()
          .map((m) => `${m.name} ${Math.round(opening.origin - started + m.ms)}`)
          .join(', ')
      : '(not recorded)';
    const marks = await evaluate<{ name: string; at: number }[]>(
      `performance.getEntriesByType('mark').filter((m) => m.name.startsWith('kafka-lab:')).map((m) => ({ name: m.name.slice(10), at: performance.timeOrigin + m.startTime }))`,
    );
    // The page's own load: when its document started, and each resource's fetch (script, stylesheets).
    const load = await evaluate<{
      workerWait: number;
      origin: number;
      response: number;
      loaded: number;
      resources: { name: string; start: number; end: number }[];
    }>(
      `(() => { const n = performance.getEntriesByType('navigation')[0]; return { workerWait: Math.round(n?.workerStart ?? 0), origin: performance.timeOrigin, response: performance.timeOrigin + (n?.responseEnd ?? 0), loaded: performance.timeOrigin + (n?.domContentLoadedEventStart ?? 0), resources: performance.getEntriesByType('resource').map((r) => ({ name: r.name.split('/').pop().split('?')[0], start: performance.timeOrigin + r.startTime, end: performance.timeOrigin + r.responseEnd })) }; })()`,
    );
    // VS Code's own page around the webview marks when its service worker was ready (VS Code 1.139;
    // 1.100 marks nothing): until then, none of the extension's page can load.
    const hostFrame = await probe<{ value: { started?: number; workerReady?: number } }>({
      op: 'evaluate',
      inHost: true,
      expression: `(() => { const at = (name) => performance.getEntriesByType('mark').find((m) => m.name === 'webview/index.html/content/' + name)?.startTime; return { started: at('started'), workerReady: at('workerReady') }; })()`,
    });
    const { started: frameStarted, workerReady } = hostFrame.value;
    const registerWait =
      frameStarted !== undefined && workerReady !== undefined ? Math.round(workerReady - frameStarted) : 0;
    const workerWaitMs = registerWait + load.workerWait;
    const webview = [
      `VS Code's service worker: ready after ${registerWait}, took the page's navigation after ${load.workerWait}`,
      `document ${Math.round(load.origin - started)} (its response ${Math.round(load.response - started)}, DOMContentLoaded ${Math.round(load.loaded - started)})`,
      ...load.resources.map((r) => `${r.name} ${Math.round(r.start - started)}-${Math.round(r.end - started)}`),
      ...marks.map((m) => `${m.name} ${Math.round(m.at - started)}`),
    ].join(', ');
    // The test sees the rows only at its next probe (each one a round trip into the browser): the
    // webview's own mark says when they were painted.
    const painted = marks.find((m) => m.name === (until === 'rows' ? 'firstRows' : 'firstState'));
    const steps = `${until === 'rows' ? 'rows' : 'first state'} painted at ${painted ? Math.round(painted.at - started) : '?'} by the webview's clock; command returned ${commandMs}; host: ${host}; webview: ${webview}`;
    paints.push({
      topic,
      readyMs,
      paintMs,
      paintedMs: painted ? Math.round(painted.at - started) : undefined,
      workerWaitMs,
      steps,
    });
    return { id, paintMs };
  }

  it('paints an empty topic and a 1,000-message topic soon after opening (measured and logged, not asserted)', async () => {
    const empty = await openFromTopicNode(emptyTopic, { kind: 'beginning' }, 'caughtUp');
    assert.equal(panel(empty.id).viewer.counts.read, 0, 'nothing to read on an empty topic');
    await closeAll(); // the probe looks into the one viewer webview there is
    const small = await openFromTopicNode(smallTopic, { kind: 'beginning' });
    await waitFor('all 1,000 messages read', () => panel(small.id).viewer.counts.read >= 1_000);
    await waitFor('the list to know every row', async () => (await evaluate<ListFacts>(LIST_FACTS)).total === 1_000);
    console.log(
      `      first paint: empty topic ${empty.paintMs} ms, 1,000 messages ${small.paintMs} ms (not asserted)`,
    );
  });

  it('opens from a topic node, paints its first rows, and scrolls 100,000 messages with a bounded DOM', async () => {
    const { id, paintMs } = await openFromTopicNode(bigTopic, { kind: 'beginning' });
    console.log(`      first paint of the viewer after opening: ${paintMs} ms (target ≤ 1000 ms, not asserted)`);
    const viewer = panel(id).viewer;
    await waitFor(`all ${BIG} messages read`, () => viewer.counts.read >= BIG, 120_000);
    await waitFor('the list to know every row', async () => (await evaluate<ListFacts>(LIST_FACTS)).total === BIG);
    const maxRows: number[] = [];
    for (let step = 0; step <= 20; step++) {
      const fraction = step / 20;
      await evaluate(
        `(() => { const v = document.querySelector('.vl-viewport'); v.scrollTop = (v.scrollHeight - v.clientHeight) * ${fraction}; return true; })()`,
      );
      const expected = Math.floor((BIG - 1) * fraction);
      const facts = await waitFor(`rows near index ${expected}`, async () => {
        const f = await evaluate<ListFacts>(LIST_FACTS);
        return f.loaded > 0 && f.min <= expected && f.max >= Math.min(expected, BIG - 1) - 40 ? f : undefined;
      });
      maxRows.push(facts.rows);
      assert.ok(facts.rows <= 120, `${facts.rows} row elements in the DOM at ${fraction}`);
    }
    const bottom = await evaluate<ListFacts>(LIST_FACTS);
    assert.equal(bottom.max, BIG - 1, 'the last row is reachable');
    console.log(
      `      row elements in the DOM while scrolling ${BIG.toLocaleString('en-US')} messages: at most ${Math.max(...maxRows)}`,
    );
  });

  it('filters in the host (key, expression, a bad expression with its position), and shows the selected message', async () => {
    const { id } = await openFromTopicNode(bigTopic, { kind: 'beginning' });
    await waitFor(`all ${BIG} messages read`, () => panel(id).viewer.counts.read >= BIG, 120_000);
    await probe({ op: 'select', selector: '.filter-key-mode', value: 'equals' });
    await probe({ op: 'fill', selector: '.filter-key', value: 'key-7' });
    await waitFor('6,250 matches', async () => (await evaluate<ListFacts>(LIST_FACTS)).total === BIG / 16);
    await probe({ op: 'fill', selector: '.filter-expression', value: 'value.seq < 100' });
    await waitFor('6 matches (key-7 and seq < 100)', async () => (await evaluate<ListFacts>(LIST_FACTS)).total === 6);
    const status = await probe<Facts>({ op: 'facts', texts: ['6 of 100,000 buffered messages match'] });
    assert.ok(status.texts[0], 'the match count is shown');

    await probe({ op: 'click', selector: '.vl-row[data-index="0"]' });
    await waitFor(
      'the detail',
      async () =>
        (await evaluate<string | null>(`document.querySelector('.detail-pane')?.dataset.seq ?? null`)) !== null,
    );
    const detail = await probe<Facts>({
      op: 'facts',
      texts: ['key-7', 'Raw bytes', 'Copy path', 'Start Session Here', 'Produce Copy…'],
      probes: ['.detail-pane .payload-value .json-tree', '.detail-pane .headers-table'],
    });
    detail.texts.forEach((found, i) => assert.ok(found, `detail text ${i} not shown`));
    assert.equal(detail.probes[0].count, 1, 'the value is a JSON tree');
    assert.equal(detail.probes[1].count, 1, 'the headers are shown');
    const seqText = await evaluate<string>(
      `document.querySelector('.detail-pane .payload-value .jt-number')?.textContent ?? ''`,
    );
    assert.equal(Number(seqText) % 16, 7, `the selected message is one of key-7's (seq ${seqText})`);
    assert.ok(Number(seqText) < 100);

    await probe({ op: 'fill', selector: '.filter-expression', value: 'value.seq <' });
    const bad = await waitFor('the expression error', async () => {
      const text = await evaluate<string>(`document.querySelector('.filter-status')?.textContent ?? ''`);
      return text.startsWith('Filter not applied') ? text : undefined;
    });
    assert.match(bad, /column \d+/, bad);

    // Produce Copy… opens the producer form for this message (the last step: the form takes the focus).
    const formKey = (key: string) => key.endsWith(`\u0000${bigTopic}`);
    assert.ok(!api.producing.panels.entries().some(([key]) => formKey(key)), 'no producer form for the topic yet');
    await evaluate<null>(
      `([...document.querySelectorAll('.detail-pane button')].find((b) => b.textContent.includes('Produce Copy')).click(), null)`,
    );
    await waitFor('the producer form for the topic', () =>
      api.producing.panels.entries().some(([key]) => formKey(key)),
    );
    for (const [key] of api.producing.panels.entries()) if (formKey(key)) api.producing.panels.close(key);
  });

  it('exports the filtered messages from the UI (format pick and save dialog) to a file', async () => {
    const { id } = await openFromTopicNode(bigTopic, { kind: 'beginning' });
    await waitFor(`all ${BIG} messages read`, () => panel(id).viewer.counts.read >= BIG, 120_000);
    await probe({ op: 'fill', selector: '.filter-expression', value: 'value.seq < 1000' });
    await waitFor('1,000 matches', async () => (await evaluate<ListFacts>(LIST_FACTS)).total === 1000);
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'viewer-export-')), 'export.ndjson');
    await probe({ op: 'click', selector: 'button:has-text("Export…")' });
    const workbench = async <T>(request: Record<string, unknown>) => {
      const response = await fetch(PROBE_URL!, {
        method: 'POST',
        body: JSON.stringify({ root: 'workbench', ...request }),
      });
      return (await response.json()) as T;
    };
    await waitFor(
      'the format pick',
      async () =>
        (
          await workbench<{ value: boolean }>({
            op: 'evaluate',
            expression: `!!document.querySelector('.quick-input-widget:not([style*="display: none"]) .quick-input-list .monaco-list-row')`,
          })
        ).value,
    );
    await workbench({ op: 'press', keys: ['Enter'] }); // NDJSON, the first
    await waitFor('the save dialog', async () =>
      (
        await workbench<{ value: string }>({
          op: 'evaluate',
          expression: `document.querySelector('.quick-input-widget .quick-input-box input')?.value ?? ''`,
        })
      ).value.endsWith('.ndjson'),
    );
    await workbench({ op: 'fill', selector: '.quick-input-widget .quick-input-box input', value: target });
    // The simple file dialog validates the typed path asynchronously: Enter again while it is still open.
    const dialogOpen = async () =>
      (
        await workbench<{ value: boolean }>({
          op: 'evaluate',
          expression: `(() => { const w = document.querySelector('.quick-input-widget'); return !!w && getComputedStyle(w).display !== 'none'; })()`,
        })
      ).value;
    for (let attempt = 0; attempt < 5 && !fs.existsSync(target); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      if (!(await dialogOpen())) break;
      await workbench({ op: 'press', keys: ['Enter'] });
    }
    const lines = await waitFor('the exported file', () => {
      if (!fs.existsSync(target)) return undefined;
      const text = fs.readFileSync(target, 'utf8');
      const all = text.split('\n').filter(Boolean);
      return all.length === 1000 ? all : undefined;
    });
    const seqs = lines
      .map((l) => (JSON.parse(l) as { value: { decoded: { seq: number } } }).value.decoded.seq)
      .sort((a, b) => a - b);
    assert.deepEqual(
      seqs,
      Array.from({ length: 1000 }, (_, i) => i),
      'every matching message, once',
    );
  });

  it('live tail follows new messages as they arrive, stops following when scrolled back, and pause stops reading until resume', async () => {
    const { produceSequence } = await kafkaSupport();
    const cluster = await child(api, undefined, 'Viewer test');
    const node = await child(api, await child(api, cluster, 'Topics'), tailTopic);
    const id = await vscode.commands.executeCommand<string>('kafkaLab.viewMessages', node, { start: { kind: 'end' } });
    const p = panel(id);
    await p.host.whenReady();
    await waitFor('caught up at the end', () => p.viewer.state.kind === 'caughtUp');
    // The webview paints the host's state a moment after the host reached it.
    await waitFor('a tail follows (Follow checked)', async () =>
      (await evaluate<boolean>(`document.querySelector('input.follow')?.checked ?? false`)) ? true : undefined,
    );
    await produceSequence(tailTopic, 200, { keys: 1 });
    await waitFor('200 new rows, the newest in view', async () => {
      const f = await evaluate<ListFacts>(LIST_FACTS);
      return f.total === 200 && f.max === 199;
    });
    // Scrolling back to read stops following: new rows no longer pull the view to the end.
    await evaluate<number>(`document.querySelector('.vl-viewport').scrollTop = 0`);
    await waitFor('following switched off', async () =>
      (await evaluate<boolean>(`document.querySelector('input.follow').checked`)) === false ? true : undefined,
    );
    await produceSequence(tailTopic, 10, { keys: 1, start: 200 });
    await waitFor('210 rows', async () => (await evaluate<ListFacts>(LIST_FACTS)).total === 210);
    assert.equal((await evaluate<ListFacts>(LIST_FACTS)).min, 0, 'the view stayed where the user scrolled to');
    await probe({ op: 'click', selector: 'button:has-text("Pause")' });
    await waitFor('paused', () => p.viewer.state.kind === 'paused');
    await produceSequence(tailTopic, 5, { keys: 1, start: 210 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(p.viewer.counts.read, 210, 'nothing is read while paused');
    await probe({ op: 'click', selector: 'button:has-text("Resume")' });
    await waitFor('215 rows after resume', async () => (await evaluate<ListFacts>(LIST_FACTS)).total === 215);
  });

  it('the hostile payload corpus stays inert in the list and the detail', async () => {
    const { kafkaClient } = await kafkaSupport();
    const producer = kafkaClient().producer();
    await producer.connect();
    try {
      await producer.send({
        topic: hostileTopic,
        messages: [
          ...HOSTILE.map((text, i) => ({
            key: text,
            value: i % 2 ? text : JSON.stringify({ [text]: HOSTILE[(i + 1) % HOSTILE.length], list: HOSTILE }),
            headers: { [text]: HOSTILE[(i + 3) % HOSTILE.length] },
          })),
          { key: 'deep', value: `${'['.repeat(100_000)}${']'.repeat(100_000)}` },
          { key: 'framed', value: Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from(HOSTILE[1])]) },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const { id } = await openFromTopicNode(hostileTopic, { kind: 'beginning' });
    const total = HOSTILE.length + 2;
    await waitFor(`${total} rows`, async () => (await evaluate<ListFacts>(LIST_FACTS)).loaded === total);
    for (let index = 0; index < total; index++) {
      await probe({ op: 'click', selector: `.vl-row[data-index="${index}"]` });
      await waitFor(`the detail of row ${index}`, async () => {
        const seq = await evaluate<string | null>(
          `document.querySelector('.vl-row[data-index="${index}"]')?.dataset.seq ?? null`,
        );
        return (
          seq !== null &&
          (await evaluate<string | null>(`document.querySelector('.detail-pane')?.dataset.seq ?? null`)) === seq
        );
      });
      const facts = await probe<Facts>({ op: 'facts', flag: '__pwned' });
      for (const tag of ['script', 'img', 'iframe', 'object', 'embed', 'a', 'base', 'meta', 'link', 'style', 'form'])
        assert.equal(facts.rootTags[tag], 0, `row ${index}: a <${tag}> inside the viewer`);
      assert.deepEqual(facts.onAttributes, [], `row ${index}: on* attributes`);
      assert.deepEqual(facts.scriptUrls, [], `row ${index}: script URLs`);
      assert.deepEqual(facts.flagged, [], `row ${index}: a payload ran`);
      assert.equal(facts.inlineScriptRan, false, 'the CSP refuses inline script');
      assert.equal(facts.evalRan, false, 'the CSP refuses eval');
      assert.ok(facts.csp[0]?.includes("default-src 'none'") && !facts.csp[0].includes('unsafe'), facts.csp[0]);
    }
    assert.equal(panel(id).host.rejectedCount, 0, 'the webview sent nothing invalid');
    const shown = await probe<Facts>({ op: 'facts', texts: ['Could not decode', 'below the depth limit of 64'] });
    assert.ok(shown.texts[0], 'the framed value with an unknown schema is a decode error');
  });

  it('an Avro topic: the timeline with a brush, a selected message with readable logical types (screenshots)', async () => {
    const schema = {
      type: 'record',
      name: 'Payment',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
        { name: 'due', type: { type: 'int', logicalType: 'date' } },
        { name: 'hash', type: 'long' },
      ],
    };
    const registered = await fetch(`${services.registry.url}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
    });
    assert.equal(registered.status, 200, await registered.clone().text());
    const { id: schemaId } = (await registered.json()) as { id: number };
    const compiled = compileAvro({ id: schemaId, format: 'avro', subject, version: 1 }, JSON.stringify(schema), []);
    assert.ok(compiled.ok);
    const now = Date.now();
    const messages = Array.from({ length: 240 }, (_, i) => {
      const body = compiled.schema.encode({
        id: `pay-${i}`,
        amount: `${3978711 + i}.44`,
        due: '2028-04-20',
        hash: '-4503599627370497',
      });
      assert.ok(body.ok);
      // A burst in the middle: what a timeline is for.
      const minute = i < 80 ? i : i < 200 ? 80 + (i - 80) / 12 : 90 + (i - 200);
      return {
        key: `pay-${i}`,
        value: encodeFrame(schemaId, body.body),
        timestamp: String(Math.round(now - 3600_000 + minute * 30_000)),
      };
    });
    const { kafkaClient } = await kafkaSupport();
    const producer = kafkaClient().producer();
    await producer.connect();
    try {
      await producer.send({ topic: avroTopic, messages });
    } finally {
      await producer.disconnect();
    }
    await openFromTopicNode(avroTopic, { kind: 'beginning' });
    await waitFor('240 rows', async () => (await evaluate<ListFacts>(LIST_FACTS)).total === 240);
    await waitFor(
      'the histogram',
      async () =>
        Number(await evaluate<string | null>(`document.getElementById('${VIEWER_ROOT_ID}').dataset.histogram ?? 0`)) >
        0,
    );
    const bars = await evaluate<number>(`document.querySelectorAll('.histogram-bar').length`);
    assert.ok(bars > 0, 'the timeline has bars');

    // Brush the middle of the timeline (pointer events on the SVG): the time filter narrows the list.
    await evaluate(`(() => {
      const svg = document.querySelector('.histogram-svg'); const r = svg.getBoundingClientRect();
      const at = (type, f) => svg.dispatchEvent(new PointerEvent(type, { bubbles: true, pointerId: 1, clientX: r.left + r.width * f, clientY: r.top + r.height / 2 }));
      at('pointerdown', 0.45); at('pointermove', 0.7); at('pointerup', 0.7); return true; })()`);
    const brushed = await waitFor('the brushed time range to filter', async () => {
      const f = await evaluate<ListFacts>(LIST_FACTS);
      return f.total > 0 && f.total < 240 ? f.total : undefined;
    });
    const timeFrom = await evaluate<string>(`document.querySelector('.filter-timeFrom').value`);
    assert.match(timeFrom, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/, 'the brush fills the time filter');
    await probe({ op: 'click', selector: '.vl-row[data-index="0"]' });
    await waitFor(
      'the detail',
      async () =>
        (await evaluate<string | null>(`document.querySelector('.detail-pane')?.dataset.seq ?? null`)) !== null,
    );
    const readable = await probe<Facts>({
      op: 'facts',
      texts: ['.44', '2028-04-20', '-4503599627370497', subject, 'Avro'],
    });
    readable.texts.forEach((found, i) => assert.ok(found, `readable value ${i} not shown`));
    // A path from the tree: click the amount leaf, then the path is shown (and copied by the button).
    await probe({ op: 'click', selector: '.detail-pane .payload-value .jt-leaf:has(.jt-key:text-is("amount"))' });
    const pathShown = await evaluate<string>(`document.querySelector('.detail-tools .path').textContent`);
    assert.equal(pathShown, '$.amount');
    await probe({ op: 'click', selector: 'button:has-text("Copy path")' });
    await waitFor('the path on the clipboard', async () => (await vscode.env.clipboard.readText()) === '$.amount');
    console.log(`      brushed ${brushed} of 240 messages`);
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    // Scroll the detail pane (not the page) to the decoded value, so the header and the timeline stay in view.
    await evaluate(`(() => {
      const pane = document.querySelector('.detail-pane'); const value = pane.querySelector('.payload-value');
      pane.scrollTop = value.getBoundingClientRect().top - pane.getBoundingClientRect().top + pane.scrollTop - 8;
      window.scrollTo(0, 0); document.scrollingElement.scrollTop = 0; return true; })()`);
    await screenshot('viewer-avro');
    await probe({ op: 'click', selector: 'button:has-text("Clear time range")' });
    await waitFor('all 240 again', async () => (await evaluate<ListFacts>(LIST_FACTS)).total === 240);
    await screenshot('viewer-histogram');
  });

  it('View around an offset opens the partition a little before it; sorting by partition and offset orders the rows', async () => {
    const id = await vscode.commands.executeCommand<string>('kafkaLab.viewAroundOffset', {
      clusterId,
      topic: bigTopic,
      partition: 1,
      offset: 500,
    });
    const p = panel(id);
    await p.host.whenReady();
    assert.deepEqual(p.viewer.options.partitions, [1]);
    await waitFor('rows of partition 1', async () => (await evaluate<ListFacts>(LIST_FACTS)).loaded > 0);
    const first = await evaluate<string[]>(
      `[...document.querySelector('.vl-row[data-index="0"]').querySelectorAll('.cell')].map((c) => c.textContent)`,
    );
    assert.equal(first[0], '1', 'partition 1');
    assert.equal(first[1], '450', 'it starts 50 before the offset');
    await probe({ op: 'select', selector: '.sort', value: 'partitionOffset' });
    await waitFor('the sort to reach the host', () => p.host.state?.sort === 'partitionOffset');
    const rows = await waitFor('sorted rows', async () => {
      const offsets = await evaluate<number[]>(
        `[...document.querySelectorAll('.vl-row[data-seq]')].sort((a, b) => a.dataset.index - b.dataset.index).map((r) => Number(r.querySelector('.cell-offset').textContent))`,
      );
      return offsets.length > 5 ? offsets : undefined;
    });
    assert.deepEqual(
      rows,
      [...rows].sort((a, b) => a - b),
      'ascending offsets',
    );
  });

  it('Start Session Here starts a group session sought to the selected message', async () => {
    const groupId = uniqueName('ext-viewer-here');
    const id = await vscode.commands.executeCommand<string>('kafkaLab.viewMessages', {
      clusterId,
      topic: tailTopic,
      start: { kind: 'beginning' },
    });
    const p = panel(id);
    await waitFor('rows read', () => p.viewer.counts.read >= 20);
    const record = p.viewer.record(12);
    assert.ok(record, 'the 13th message is buffered');
    const sessionId = await vscode.commands.executeCommand<string>('kafkaLab.viewerStartSessionHere', id, 12, groupId);
    try {
      const controller = api.sessions.manager.get(sessionId);
      assert.ok(controller, 'the session runs');
      await waitFor('the session on the selected message', () => {
        const current = api.sessions.manager.get(sessionId)?.current;
        return current?.partition === record.partition && current.offset === record.offset;
      });
    } finally {
      await vscode.commands.executeCommand('kafkaLab.stopSession', sessionId);
      await (await kafkaSupport()).withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
    }
  });

  it('several viewers at once; closing one stops its viewer and frees it', async () => {
    const a = await vscode.commands.executeCommand<string>('kafkaLab.viewMessages', {
      clusterId,
      topic: tailTopic,
      start: { kind: 'beginning' },
    });
    const b = await vscode.commands.executeCommand<string>('kafkaLab.viewMessages', {
      clusterId,
      topic: tailTopic,
      start: { kind: 'lastN', count: 3 },
    });
    assert.notEqual(a, b);
    const first = panel(a);
    const second = panel(b);
    await waitFor('both read', () => first.viewer.counts.read > 0 && second.viewer.counts.read > 0);
    assert.ok(second.viewer.counts.read <= 3 + 5, `last 3: read ${second.viewer.counts.read}`);
    first.dispose();
    await first.stop();
    assert.equal(first.viewer.state.kind, 'stopped');
    assert.equal(api.viewers.get(a), undefined);
    assert.ok(api.viewers.get(b), 'the other viewer stays');
  });

  it("Committed only opens the topic again read_committed: an aborted transaction's records vanish", async () => {
    const { createTopic, deleteTopicsQuietly, kafkaClient } = await kafkaSupport();
    const topic = uniqueName('ext-viewer-txn');
    await createTopic(topic, 1);
    try {
      const producer = kafkaClient().producer({
        kafkaJS: { transactionalId: uniqueName('ext-viewer-txn-id'), idempotent: true, maxInFlightRequests: 1 },
      } as never);
      await producer.connect();
      try {
        for (const [values, outcome] of [
          [['committed-1', 'committed-2'], 'commit'],
          [['aborted-1', 'aborted-2'], 'abort'],
          [['committed-3'], 'commit'],
        ] as const) {
          const transaction = await producer.transaction();
          await transaction.send({ topic, messages: values.map((value) => ({ key: value, value })) });
          await (outcome === 'commit' ? transaction.commit() : transaction.abort());
        }
      } finally {
        await producer.disconnect();
      }
      const id = await vscode.commands.executeCommand<string>('kafkaLab.viewMessages', {
        clusterId,
        topic,
        start: { kind: 'beginning' },
      });
      const all = panel(id);
      await all.host.whenReady();
      await waitFor(
        'all 5 records, the aborted ones too',
        async () => (await evaluate<ListFacts>(LIST_FACTS)).total === 5,
      );
      assert.equal(
        await evaluate<string>(`document.getElementById('${VIEWER_ROOT_ID}').dataset.isolation`),
        'read_uncommitted',
      );
      await probe({ op: 'click', selector: 'button.isolation' });
      const committed = await waitFor('a second viewer, read_committed', () =>
        api.viewers.list().find((p) => p.id !== id && p.viewer.options.isolation === 'read_committed'),
      );
      assert.equal(committed.viewer.options.topic, topic);
      await waitFor('caught up', () => committed.viewer.state.kind === 'caughtUp');
      all.dispose();
      await committed.host.whenReady();
      await waitFor('only the 3 committed records', async () => (await evaluate<ListFacts>(LIST_FACTS)).total === 3);
      assert.equal(committed.viewer.counts.read, 3);
      assert.equal(
        await evaluate<string>(`document.getElementById('${VIEWER_ROOT_ID}').dataset.isolation`),
        'read_committed',
      );
    } finally {
      await deleteTopicsQuietly(topic);
    }
  });
});
