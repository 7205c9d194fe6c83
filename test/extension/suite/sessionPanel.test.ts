import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { askDeadLetterReason } from '../../../src/commands/sessionPrompts';
import type { MessageView } from '../../../src/core/session/messageView';
import type { PanelState } from '../../../src/core/session/panelState';
import { SCRIPT_ID, STYLE_ID } from '../../../src/webviews/shared/html';
import { PANEL_ROOT_ID } from '../../../src/webviews/sessionPanel/protocol';
import { SessionPanel, type SessionPanelAction } from '../../../src/webviews/sessionPanel/sessionPanel';

// The session panel in a real VS Code webview, inspected from OUTSIDE through the browser that runs
// the workbench (scripts/lib/webviewProbe.mjs): hostile payloads must stay text, the CSP must hold,
// and real key presses must reach the host as validated messages. The panel runs on the shared
// webview code (src/webviews/shared): the page, the handshake, the RPC and the test hooks are its.

/** A notification as the webview posts it (the shared wire format). */
const notify = (method: string, params?: unknown) =>
  params === undefined ? { kind: 'notify', method } : { kind: 'notify', method, params };
/** A decision as the webview sends it: a request, answered with its outcome. */
let requestIds = 1_000_000;
const decideRequest = (params: unknown) => ({ kind: 'request', id: ++requestIds, method: 'session/decide', params });

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';
const PROBE_URL = process.env.KAFKA_LAB_WEBVIEW_URL;
const SCREENSHOT_URL = process.env.KAFKA_LAB_SCREENSHOT_URL;

/** What a payload might try, in every place the panel shows data. */
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
  'javascript:window.__pwned="url"',
  '<base href="javascript:/">',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">',
  '<link rel=stylesheet href="data:text/css,*{display:none}">',
  '<object data="javascript:window.__pwned=1"></object><embed src=x>',
  'bidi \u202Eevil\u202C isolate \u2067x\u2069 nul \u0000 bell \u0007 esc \u001b[31m zero\u200Bwidth bom \uFEFF',
];
const LONG_LINE = `long:${'ABCDEFGHIJ'.repeat(20 * 1024)}`; // 200 KB without a single break opportunity

function hostileState(): PanelState {
  const keyJson: Record<string, unknown> = {};
  HOSTILE.forEach((text, i) => {
    keyJson[text] = HOSTILE[(i + 1) % HOSTILE.length];
  });
  // An own "__proto__" key, as JSON.parse makes it, must render as a key, not pollute anything.
  const withProto = JSON.parse(
    '{"__proto__": {"polluted": "<img src=x onerror=window.__pwned=\'proto\'>"}, "constructor": {"prototype": {"polluted": 1}}}',
  ) as Record<string, unknown>;
  let deep: unknown = HOSTILE[0];
  for (let i = 0; i < 120; i++) deep = { [`level${i}`]: deep };
  const current: MessageView = {
    id: `member-1/${HOSTILE[0]}/0/41`,
    memberId: HOSTILE[3],
    topic: HOSTILE[0],
    partition: 0,
    offset: 41,
    timestamp: 1_700_000_000_000,
    timestampType: 'CreateTime',
    key: { kind: 'json', format: 'json', json: { ...keyJson, proto: withProto, list: [...HOSTILE], deep } },
    value: { kind: 'text', text: `${HOSTILE.join('\n')}\n${LONG_LINE}` },
    headers: HOSTILE.map((text, i) => ({
      key: text,
      text: HOSTILE[HOSTILE.length - 1 - i],
      hex: '3c7363726970743e',
      size: 8,
    })),
    size: 204_800,
    attempts: 0,
    schema: { id: 7, format: 'jsonSchema', subject: HOSTILE[4], version: 2 },
  };
  return {
    sessionId: 'hostile',
    title: HOSTILE[6],
    state: 'stepping',
    current,
    history: HOSTILE.map((text, i) => ({
      topic: text,
      partition: i,
      offset: 100 + i,
      decision: i % 2 ? 'skip' : 'deadLetter',
      detail: HOSTILE[(i + 2) % HOSTILE.length],
      at: 1_700_000_000_000 + i,
    })),
    lastCommits: [{ topic: HOSTILE[1], partition: 0, offset: 41, at: 1_700_000_000_000 }],
    notice: { level: 'error', text: HOSTILE[8] },
  };
}

/** A decode error and a binary value, both carrying hostile bytes and text. */
function hostileErrorMessage(): MessageView {
  const bytes = Buffer.from(HOSTILE[1], 'utf8');
  return {
    id: 'member-1/t/0/42',
    memberId: 'member-1',
    topic: 't',
    partition: 0,
    offset: 42,
    timestamp: null,
    timestampType: 'NotAvailable',
    key: {
      kind: 'binary',
      hex: Buffer.from(HOSTILE[5]).toString('hex'),
      text: HOSTILE[5],
      size: HOSTILE[5].length,
      truncated: false,
    },
    value: {
      kind: 'error',
      message: `Unknown schema id: ${HOSTILE[2]}`,
      reason: 'unknownSchemaId',
      hex: bytes.toString('hex'),
      text: HOSTILE[1],
      size: bytes.length,
      truncated: false,
      schemaId: 99,
    },
    headers: [],
    size: bytes.length,
    attempts: 2,
  };
}

function orderMessage(offset: number): MessageView {
  return {
    id: `member-1/demo.payments.avro/1/${offset}`,
    memberId: 'rdkafka-7f3c2a',
    topic: 'demo.payments.avro',
    partition: 1,
    offset,
    timestamp: Date.UTC(2025, 10, 28, 9, 41, 7, 512),
    timestampType: 'CreateTime',
    key: { kind: 'text', text: 'customer-1042' },
    value: {
      kind: 'json',
      format: 'avro',
      schema: { id: 12, format: 'avro', subject: 'demo.payments.avro-value', version: 3 },
      json: {
        paymentId: 'pay_01JDX4R9Q8',
        orderId: 'ord-88421',
        amount: { value: '129.90', currency: 'EUR' },
        status: 'AUTHORIZED',
        method: { type: 'card', brand: 'VISA', last4: '4242' },
        lines: [
          { sku: 'KB-MX-BLUE', qty: 1, price: '89.90' },
          { sku: 'USB-C-2M', qty: 2, price: '20.00' },
        ],
        createdAt: '2025-11-28T09:41:07.512Z',
        note: null,
        retries: 0,
      },
    },
    headers: [
      { key: 'trace-id', text: '4bf92f3577b34da6a3ce929d0e0e4736', hex: '34626639326633353737623334646136', size: 32 },
      { key: 'source', text: 'checkout-service', hex: '636865636b6f75742d73657276696365', size: 16 },
    ],
    size: 214,
    attempts: 0,
    schema: { id: 12, format: 'avro', subject: 'demo.payments.avro-value', version: 3 },
  };
}

function orderState(offset: number, overrides: Partial<PanelState> = {}): PanelState {
  const at = Date.UTC(2025, 10, 28, 9, 41, 0);
  return {
    sessionId: 'payments',
    title: 'payments-audit · demo.payments.avro',
    state: 'stepping',
    current: orderMessage(offset),
    history: [
      { topic: 'demo.payments.avro', partition: 1, offset: offset - 3, decision: 'commit', at: at + 1000 },
      { topic: 'demo.payments.avro', partition: 1, offset: offset - 2, decision: 'next', at: at + 2000 },
      { topic: 'demo.payments.avro', partition: 1, offset: offset - 1, decision: 'skip', at: at + 3000 },
    ],
    lastCommits: [
      { topic: 'demo.payments.avro', partition: 0, offset: 318, at: at - 60_000 },
      { topic: 'demo.payments.avro', partition: 1, offset: offset - 2, at: at + 1000 },
    ],
    notice: {
      level: 'warning',
      text: `Offset ${offset - 1} of demo.payments.avro [1] was skipped: it is not marked done, so the group's commits stop before it and it is delivered again after a restart.`,
    },
    ...overrides,
  };
}

interface Probe {
  [key: string]: unknown;
}

async function probe<T = Probe>(request: Record<string, unknown>): Promise<T> {
  const response = await fetch(PROBE_URL!, {
    method: 'POST',
    body: JSON.stringify({ root: PANEL_ROOT_ID, ...request }),
  });
  const body = (await response.json()) as T & { error?: string };
  assert.equal(response.status, 200, `probe ${String(request.op)}: ${body.error}`);
  return body;
}

async function screenshot(name: string): Promise<void> {
  if (!SCREENSHOT_URL) return;
  const response = await fetch(`${SCREENSHOT_URL}?name=${name}`);
  assert.equal(response.status, 200, await response.text());
}

async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the webview has rendered the last state the host posted. */
async function rendered(panel: SessionPanel): Promise<void> {
  const { host } = panel;
  await waitFor(`the webview to render state ${host.postedSeq}`, async () => {
    if (host.postedSeq === 0) return false;
    const { value } = await probe<{ value: string | null }>({
      op: 'evaluate',
      expression: `document.getElementById(${JSON.stringify(PANEL_ROOT_ID)}).dataset.seq ?? null`,
    });
    return value === String(host.postedSeq);
  });
}

/** Whether the decision buttons are enabled (evaluated in the webview). */
const buttonsEnabled = `[...document.querySelectorAll('.toolbar button')].slice(0, 5).every((b) => !b.disabled)`;

describe('the session panel webview', function () {
  let extensionUri: vscode.Uri;
  let panel: SessionPanel | undefined;
  let actions: SessionPanelAction[];
  let reasons: Array<string | undefined>;
  let shown: PanelState | undefined;

  before(async function () {
    if (!PROBE_URL) this.skip(); // only the code-server runner can look into webviews
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    await extension.activate();
    extensionUri = extension.extensionUri;
  });

  beforeEach(() => {
    actions = [];
    reasons = ['poison pill: amount is negative'];
  });

  afterEach(() => {
    panel?.dispose();
    panel = undefined;
  });

  /** A panel whose session state is `shown` (tests change it with `update`, as a session does). */
  function open(state: PanelState, options: { realReasonPrompt?: boolean; failWith?: Error } = {}): SessionPanel {
    shown = state;
    panel = new SessionPanel({
      extensionUri,
      title: state.title,
      source: () => shown,
      onAction: (action) => {
        actions.push(action);
        if (options.failWith) throw options.failWith;
      },
      askDeadLetterReason: options.realReasonPrompt ? askDeadLetterReason : async () => reasons.shift(),
    });
    return panel;
  }

  function update(p: SessionPanel, state: PanelState): void {
    shown = state;
    p.invalidate();
  }

  it('renders hostile keys, values, headers, JSON keys, titles and notices as text: nothing runs, nothing becomes markup', async () => {
    const p = open(hostileState());
    await p.host.whenReady();
    await rendered(p);
    const facts = await probe<{
      scripts: Array<{ id?: string; src?: string; nonce: boolean; inline: boolean }>;
      styles: string[];
      links: string[];
      csp: string[];
      tags: Record<string, number>;
      rootTags: Record<string, number>;
      onAttributes: string[];
      scriptUrls: string[];
      inlineScriptRan: boolean;
      evalRan: boolean;
      violations: string[];
      texts: boolean[];
      textLength: number;
      title: string;
      pageTitle: string;
      flagged: unknown[];
      document: { scrollWidth: number; clientWidth: number };
      body: { display: string; visibility: string; width: number; height: number };
      probes: Array<{
        selector: string;
        count: number;
        scrollHeight?: number;
        clientHeight?: number;
        scrollWidth?: number;
        clientWidth?: number;
        width?: number;
        overflowY?: string;
        textLength?: number;
      }>;
    }>({
      op: 'facts',
      flag: '__pwned',
      texts: [...HOSTILE, LONG_LINE, '__proto__', 'polluted', 'level119'],
      probes: ['.payload-value .data-block', '.payload-key .json-tree', '.headers-table', 'main'],
    });

    // Exactly two scripts: VS Code's own API shim and our bundle, written into the page, by nonce. None from data.
    const ours = facts.scripts.filter((s) => s.id === SCRIPT_ID);
    assert.equal(ours.length, 1, JSON.stringify(facts.scripts));
    assert.ok(ours[0].nonce && ours[0].inline && !ours[0].src, `the bundle runs by nonce: ${JSON.stringify(ours[0])}`);
    const others = facts.scripts.filter((s) => s !== ours[0]);
    assert.ok(
      others.every((s) => s.id === '_vscodeApiScript'),
      `unexpected scripts: ${JSON.stringify(facts.scripts)}`,
    );
    // No element of the panel came from data.
    for (const [tag, count] of Object.entries(facts.rootTags)) assert.equal(count, 0, `<${tag}> inside the panel`);
    for (const tag of [
      'iframe',
      'img',
      'svg',
      'a',
      'object',
      'embed',
      'form',
      'base',
      'math',
      'video',
      'audio',
      'template',
    ])
      assert.equal(facts.tags[tag], 0, `<${tag}> in the document`);
    assert.deepEqual(facts.onAttributes, [], 'event-handler attributes');
    assert.deepEqual(facts.scriptUrls, [], 'javascript: URLs');
    // Style elements: VS Code's defaults and our stylesheets (shared.css, sessionPanel.css); no links.
    assert.deepEqual(
      facts.styles.filter((id) => id !== '_defaultStyles'),
      [STYLE_ID],
      `style elements: ${facts.styles.join(', ')}`,
    );
    assert.deepEqual(facts.links, [], facts.links.join(', '));
    // Nothing ran.
    assert.deepEqual(facts.flagged, [], 'a hostile payload set window.__pwned');
    assert.notEqual(facts.title, 'pwned');
    assert.notEqual(facts.pageTitle, 'pwned');
    const polluted = await probe<{ value: unknown }>({
      op: 'evaluate',
      expression: '({}).polluted === undefined && Object.prototype.polluted === undefined',
    });
    assert.equal(polluted.value, true, 'Object.prototype was polluted');
    // The CSP is strict, and enforced: an injected inline script and eval are both refused.
    assert.equal(facts.csp.length, 1);
    const csp = facts.csp[0];
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /(^|; )script-src 'nonce-[A-Za-z0-9+/=]{16,}'(;|$)/, 'scripts only by nonce');
    assert.match(csp, /(^|; )style-src 'nonce-[A-Za-z0-9+/=]{16,}'(;|$)/, 'styles only by nonce');
    assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|unsafe-hashes|strict-dynamic/);
    assert.equal(facts.inlineScriptRan, false, 'an inline script without the nonce ran');
    assert.equal(facts.evalRan, false, 'a string timer (eval) ran');
    assert.ok(
      facts.violations.some((d) => d.startsWith('script-src')),
      `no CSP violation was reported: ${facts.violations.join(', ')}`,
    );
    // Every hostile string is there, as text.
    facts.texts.forEach((found, i) =>
      assert.ok(
        found,
        `not shown as text: ${JSON.stringify([...HOSTILE, 'LONG_LINE', '__proto__', 'polluted', 'level119'][i]).slice(0, 120)}`,
      ),
    );
    // The page is laid out and visible; the 200 KB line wraps inside a box that scrolls.
    assert.notEqual(facts.body.display, 'none');
    assert.equal(facts.body.visibility, 'visible');
    assert.ok(facts.body.width > 300 && facts.body.height > 300, JSON.stringify(facts.body));
    assert.ok(
      facts.document.scrollWidth <= facts.document.clientWidth + 1,
      `the page scrolls sideways: ${JSON.stringify(facts.document)}`,
    );
    const [valueBlock, keyTree, headers, main] = facts.probes;
    assert.equal(valueBlock.count, 1);
    assert.ok(valueBlock.textLength! >= LONG_LINE.length);
    assert.ok(
      valueBlock.scrollHeight! > valueBlock.clientHeight! && valueBlock.overflowY === 'auto',
      `the long value does not scroll: ${JSON.stringify(valueBlock)}`,
    );
    assert.ok(
      valueBlock.scrollWidth! <= valueBlock.clientWidth! + 1,
      `the long line does not wrap: ${JSON.stringify(valueBlock)}`,
    );
    assert.ok(keyTree.count === 1 && headers.count === 1);
    assert.ok(main.width! <= facts.document.clientWidth, JSON.stringify(main));
    // Invisible and reordering characters are marked, each in its own isolate.
    const marks = await probe<{ value: string[] }>({
      op: 'evaluate',
      expression: `[...new Set([...document.querySelectorAll('.payload-value .cc')].map((e) => e.dataset.cp))]`,
    });
    assert.deepEqual(marks.value.sort(), [
      'U+0000',
      'U+0007',
      'U+001B',
      'U+200B',
      'U+202C',
      'U+202E',
      'U+2067',
      'U+2069',
      'U+FEFF',
    ]);
    await screenshot('session-panel-xss');

    // A decode error and a binary payload: the message and the raw bytes (hex and text), all as text.
    update(p, { ...hostileState(), current: hostileErrorMessage() });
    await rendered(p);
    const errorFacts = await probe<{
      rootTags: Record<string, number>;
      onAttributes: string[];
      flagged: unknown[];
      texts: boolean[];
    }>({
      op: 'facts',
      flag: '__pwned',
      texts: [
        `Unknown schema id: ${HOSTILE[2]}`,
        HOSTILE[1],
        HOSTILE[5],
        '3c 69 6d 67',
        'Reason: unknownSchemaId',
        'schema id in the header: 99',
      ],
    });
    for (const [tag, count] of Object.entries(errorFacts.rootTags)) assert.equal(count, 0, `<${tag}> inside the panel`);
    assert.deepEqual(errorFacts.onAttributes, []);
    assert.deepEqual(errorFacts.flagged, []);
    errorFacts.texts.forEach((found, i) => assert.ok(found, `text ${i} missing`));
  });

  it('keys n c s r d p u reach the host as validated messages; a second press is not a second decision', async () => {
    const p = open(orderState(41));
    await p.host.whenReady();
    await rendered(p);
    await probe({ op: 'click', selector: '.meta' }); // focus the webview (not a control), as a user would

    await probe({ op: 'press', keys: ['n', 'n'] });
    await waitFor('a decision from "n"', () => actions.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(actions, [{ type: 'decide', messageId: orderMessage(41).id, action: 'next' }]);

    const expected: Array<[string, SessionPanelAction]> = [
      ['c', { type: 'decide', messageId: orderMessage(42).id, action: 'commit' }],
      ['s', { type: 'decide', messageId: orderMessage(43).id, action: 'skip' }],
      ['r', { type: 'decide', messageId: orderMessage(44).id, action: 'retry' }],
      [
        'd',
        {
          type: 'decide',
          messageId: orderMessage(45).id,
          action: 'deadLetter',
          reason: 'poison pill: amount is negative',
        },
      ],
    ];
    let offset = 42;
    for (const [key, action] of expected) {
      actions.length = 0;
      update(p, orderState(offset++));
      await rendered(p);
      await probe({ op: 'press', keys: [key] });
      await waitFor(`the action of "${key}"`, () => actions.length > 0);
      assert.deepEqual(actions, [action], key);
    }

    // d, then the reason prompt is cancelled: nothing is decided.
    actions.length = 0;
    reasons = [undefined];
    update(p, orderState(offset++));
    await rendered(p);
    await probe({ op: 'press', keys: ['d'] });
    await waitFor('the decide message', () =>
      p.host.received.some(
        (m) =>
          m.method === 'session/decide' &&
          (m.params as { messageId?: string }).messageId === orderMessage(offset - 1).id,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(actions, []);

    // p pauses while stepping, resumes while paused.
    actions.length = 0;
    await probe({ op: 'press', keys: ['p'] });
    await waitFor('pause', () => actions.length === 1);
    update(p, orderState(offset, { state: 'paused' }));
    await rendered(p);
    await probe({ op: 'press', keys: ['p'] });
    await waitFor('resume', () => actions.length === 2);
    assert.deepEqual(actions, [{ type: 'pause' }, { type: 'resume' }]);

    // Decision keys do nothing while paused: the webview does not even send them.
    actions.length = 0;
    const before = [...p.host.received];
    await probe({ op: 'press', keys: ['n', 'c'] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(actions, []);
    assert.deepEqual(p.host.received, before);
  });

  it('d asks for the dead-letter reason in a real input box: Escape cancels, Enter sends it', async () => {
    const p = open(orderState(41), { realReasonPrompt: true });
    await p.host.whenReady();
    await rendered(p);
    await probe({ op: 'click', selector: '.meta' });
    const decides = () => p.host.received.filter((m) => m.method === 'session/decide').length;
    await probe({ op: 'press', keys: ['d'] });
    await waitFor('the decide message', () => decides() === 1);
    await new Promise((resolve) => setTimeout(resolve, 700)); // the input box opens and takes the focus
    await probe({ op: 'press', keys: ['Escape'] });
    // The host answers the decide request with "cancelled": the webview gives its buttons back by itself.
    await waitFor(
      'the buttons back after Escape',
      async () => (await probe<{ value: boolean }>({ op: 'evaluate', expression: buttonsEnabled })).value,
    );
    assert.deepEqual(actions, [], 'Escape decided something');
    const seq = p.host.postedSeq;

    await probe({ op: 'click', selector: '.meta' });
    await probe({ op: 'press', keys: ['d'] });
    await waitFor('the second decide message', () => decides() === 2);
    await new Promise((resolve) => setTimeout(resolve, 700));
    await probe({ op: 'press', keys: [...'negative-amount'.split(''), 'Enter'] });
    await waitFor('the dead-letter action', () => actions.length > 0);
    assert.deepEqual(actions, [
      { type: 'decide', messageId: orderMessage(41).id, action: 'deadLetter', reason: 'negative-amount' },
    ]);
    assert.equal(p.host.postedSeq, seq, 'the buttons came back through the answer, not through a new state');
  });

  it('a decision that fails is shown as an error, and the buttons come back for the same message', async () => {
    const p = open(orderState(41), { failWith: new Error('The broker is unreachable: the commit was not sent.') });
    await p.host.whenReady();
    await rendered(p);
    await probe({ op: 'click', selector: '.meta' });
    const seq = p.host.postedSeq;
    await probe({ op: 'press', keys: ['c'] });
    await waitFor('the commit attempt', () => actions.length > 0);
    await waitFor(
      'the buttons back after the error reply',
      async () => (await probe<{ value: boolean }>({ op: 'evaluate', expression: buttonsEnabled })).value,
    );
    assert.equal(p.host.postedSeq, seq, 'no new state was needed');
    const toast = await waitFor('the error notification', async () => {
      const { value } = await probe<{ value: string[] }>({
        root: 'workbench',
        op: 'evaluate',
        expression: `[...document.querySelectorAll('.notifications-toasts .notification-list-item-message')].map((e) => e.textContent ?? '')`,
      });
      return value.find((t) => t.includes('The broker is unreachable'));
    });
    assert.match(toast, /^Kafka Consumer Lab: The broker is unreachable/);
    // the same message can be decided again
    await probe({ op: 'click', selector: '.meta' });
    await probe({ op: 'press', keys: ['s'] });
    await waitFor('the second attempt', () => actions.length > 1);
    assert.deepEqual(
      actions.map((a) => a.type === 'decide' && a.action),
      ['commit', 'skip'],
    );
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('u opens the run-until form; typing in it triggers no shortcut; Enter sends the condition; the run can be stopped', async () => {
    const p = open(orderState(41));
    await p.host.whenReady();
    await rendered(p);
    await probe({ op: 'click', selector: '.meta' });
    const opened = await probe<{ after: Array<{ tag: string; id?: string }> }>({ op: 'press', keys: ['u'] });
    assert.deepEqual(opened.after[0].tag, 'select', 'focus moves to the condition kind');
    await probe({ op: 'select', selector: '#run-until-kind', value: 'jsonPath' });
    await probe({ op: 'fill', selector: '#run-until-path', value: '' });
    await probe({ op: 'focus', selector: '#run-until-path' });
    await probe({ op: 'press', keys: [...'$.status'.split(''), 'Tab'] });
    await probe({ op: 'focus', selector: '#run-until-value' });
    // letters that are shortcuts elsewhere are just text here
    await probe({ op: 'press', keys: [...'ncsrdpu'.split('')] });
    await probe({ op: 'fill', selector: '#run-until-value', value: 'DECLINED' });
    assert.deepEqual(actions, []);
    // an invalid path is refused in the form, with a reason, before anything is sent
    await probe({ op: 'fill', selector: '#run-until-path', value: '$..status' });
    await probe({ op: 'press', keys: ['Enter'] });
    const error = await probe<{ value: string }>({
      op: 'evaluate',
      expression: `document.querySelector('.form-error').textContent`,
    });
    assert.match(error.value, /The JSON path is not valid/);
    assert.deepEqual(actions, []);
    await probe({ op: 'fill', selector: '#run-until-path', value: '$.status' });
    await probe({ op: 'press', keys: ['Enter'] });
    await waitFor('the runUntil action', () => actions.length > 0);
    assert.deepEqual(actions, [
      { type: 'runUntil', condition: { kind: 'jsonPath', path: '$.status', op: 'equals', value: 'DECLINED' } },
    ]);

    // While it runs, the panel says so, decisions are off, and u stops it.
    actions.length = 0;
    update(
      p,
      orderState(41, {
        state: 'running',
        runUntil: { condition: { kind: 'jsonPath', path: '$.status', op: 'equals', value: 'DECLINED' }, scanned: 12 },
      }),
    );
    await rendered(p);
    const status = await probe<{ value: string }>({
      op: 'evaluate',
      expression: `document.querySelector('.run-until-status').textContent`,
    });
    assert.equal(status.value, 'Running until $.status equals "DECLINED" — 12 messages passed');
    await probe({ op: 'press', keys: ['n', 'u'] });
    await waitFor('cancelRunUntil', () => actions.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(actions, [{ type: 'cancelRunUntil' }]);
  });

  it('Tab walks the controls in order, each with a visible focus ring and its shortcut', async () => {
    const p = open(orderState(41));
    await p.host.whenReady();
    await rendered(p);
    await probe({ op: 'click', selector: '.meta' });
    const first = await probe<{ active: { text: string; keyshortcuts?: string } }>({
      op: 'focus',
      selector: '.toolbar button',
    });
    assert.deepEqual([first.active.text, first.active.keyshortcuts], ['Nextn', 'n']);
    const walk = await probe<{
      after: Array<{ tag: string; text: string; keyshortcuts?: string; focusVisible: boolean; outline: string }>;
    }>({ op: 'press', keys: ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab'] });
    const buttons = walk.after.slice(0, 6);
    assert.deepEqual(
      buttons.map((b) => [b.text, b.keyshortcuts]),
      [
        ['Commitc', 'c'],
        ['Skips', 's'],
        ['Retryr', 'r'],
        ['Dead-letter…d', 'd'],
        ['Pausep', 'p'],
        ['Run until…u', 'u'],
      ],
    );
    for (const b of buttons) {
      assert.ok(b.focusVisible, `${b.text} has no :focus-visible`);
      assert.notEqual(b.outline, 'none', `${b.text} has no focus outline`);
    }
    // after the toolbar, Tab reaches the data (the JSON tree's nodes are focusable summaries)
    assert.ok(['summary', 'pre', 'button'].includes(walk.after[6].tag), JSON.stringify(walk.after[6]));
  });

  it('renders a huge or deep value bounded: a budget of tree nodes, pages of 200, and a raw view without recursion', async () => {
    // 50 × 50 × 50 small objects (every level small enough to start open) and a 500-deep chain: the
    // tree builds at most 2,000 nodes up front; the rest waits for a click.
    const cube = Array.from({ length: 50 }, (_, i) =>
      Array.from({ length: 50 }, (_, j) => Array.from({ length: 50 }, (_, k) => ({ i, j, k }))),
    );
    let chain: unknown = 'bottom';
    for (let i = 0; i < 500; i++) chain = { next: chain };
    const wide = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`key${i}`, i]));
    const base = orderState(41);
    const state: PanelState = {
      ...base,
      current: { ...base.current!, value: { kind: 'json', format: 'json', json: { chain, wide, cube } } },
    };
    const p = open(state);
    await p.host.whenReady();
    await rendered(p);
    const count = (selector: string) =>
      probe<{ value: number }>({
        op: 'evaluate',
        expression: `document.querySelectorAll(${JSON.stringify(selector)}).length`,
      }).then((r) => r.value);
    const nodes = await count('.payload-value .jt-node, .payload-value .jt-leaf');
    assert.ok(nodes > 1_000 && nodes <= 2_001, `${nodes} tree nodes built up front`);
    // the 1,000 keys of "wide" come in pages: 200, then a button for the next 200
    await probe({
      op: 'evaluate',
      expression: `(() => { const s = [...document.querySelectorAll('.payload-value summary')].find((e) => e.textContent.startsWith('wide')); s.click(); return true; })()`,
    });
    const more = await probe<{ value: string[] }>({
      op: 'evaluate',
      expression: `[...document.querySelectorAll('.payload-value .jt-more')].map((b) => b.textContent)`,
    });
    assert.ok(more.value.includes('Show 200 more of 800'), JSON.stringify(more.value));
    // the raw view writes the value as JSON text, the 500-deep chain included, up to its 2,000,000-character limit
    await probe({
      op: 'evaluate',
      expression: `(() => { [...document.querySelectorAll('.payload-value .structured-tools button')][0].click(); return true; })()`,
    });
    const raw = await probe<{ value: { length: number; bottom: boolean; note: string } }>({
      op: 'evaluate',
      expression: `(() => { const t = document.querySelector('.payload-value .structured > div:not(.structured-tools):not(.json-tree) pre')?.textContent ?? ''; return { length: t.length, bottom: t.includes('"bottom"'), note: document.querySelector('.payload-value .structured > div:not(.structured-tools):not(.json-tree) p.muted')?.textContent ?? '' }; })()`,
    });
    assert.deepEqual(raw.value, { length: 2_000_000, bottom: true, note: 'Showing the first 2,000,000 characters.' });
    const facts = await probe<{ flagged: unknown[] }>({ op: 'facts', flag: '__pwned' });
    assert.deepEqual(facts.flagged, []);
  });

  it('drops malformed and stale messages from the webview; a (re)loaded webview gets the latest state', async () => {
    const p = open(orderState(41));
    await p.host.whenReady();
    const rejectedBefore = p.host.rejectedCount;
    for (const bad of [
      null,
      'ready',
      { type: 'ready' }, // the old shape
      decideRequest({ messageId: orderMessage(41).id, action: 'ack' }),
      notify('session/runUntil', { condition: { kind: 'jsonPath', path: '$[', op: 'equals', value: '' } }),
      notify('exec', { command: 'workbench.action.quit' }),
      notify('session/decide', { messageId: orderMessage(41).id, action: 'commit' }), // a request, not a notification
    ]) {
      await p.host.simulate(bad);
    }
    assert.equal(p.host.rejectedCount - rejectedBefore, 7);
    assert.deepEqual(actions, []);
    await p.host.simulate(decideRequest({ messageId: 'member-1/demo.payments.avro/1/999', action: 'commit' })); // not the message on screen
    assert.deepEqual(actions, []);
    await p.host.simulate(decideRequest({ messageId: orderMessage(41).id, action: 'commit' }));
    await p.host.simulate(decideRequest({ messageId: orderMessage(41).id, action: 'skip' })); // one decision per message
    assert.deepEqual(actions, [{ type: 'decide', messageId: orderMessage(41).id, action: 'commit' }]);
    const seq = p.host.postedSeq;
    await p.host.simulate(notify('ready'));
    assert.equal(p.host.postedSeq, seq + 1, 'ready is answered with the latest state at once');
    assert.equal(p.state?.current?.id, orderMessage(41).id);
    let disposed = false;
    p.onDidDispose(() => (disposed = true));
    p.dispose();
    assert.ok(disposed && p.isDisposed);
    panel = undefined;
  });

  it('shows a decoded Avro message with its schema, history, commits and a notice (screenshot)', async () => {
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await vscode.commands.executeCommand('workbench.action.closePanel');
    try {
      const p = open(orderState(46));
      await p.host.whenReady();
      await rendered(p);
      const facts = await probe<{ texts: boolean[] }>({
        op: 'facts',
        texts: [
          'demo.payments.avro',
          'id 12 · subject demo.payments.avro-value · version 3 · avro',
          'Avro',
          'pay_01JDX4R9Q8',
          'KB-MX-BLUE',
          'trace-id',
          '2025-11-28T09:41:07.512Z (CreateTime)',
          'Offset 45 of demo.payments.avro [1] was skipped',
        ],
      });
      facts.texts.forEach((found, i) => assert.ok(found, `text ${i} missing`));
      await probe({ op: 'click', selector: '.meta' });
      await screenshot('session-panel-message');
    } finally {
      await vscode.commands.executeCommand('workbench.view.extension.kafkaLab');
    }
  });
});
