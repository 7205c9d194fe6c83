import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { compileAvro } from '../../../src/core/codec/avroSchema';
import type { DecodeResult } from '../../../src/core/codec/decodeResult';
import { decodeText, detectPlain } from '../../../src/core/codec/plainFormats';
import { encodeFrame } from '../../../src/core/codec/wireFormat';
import type { ConsumedMessage } from '../../../src/core/engine/types';
import type { MessageView } from '../../../src/core/session/messageView';
import type { PanelState } from '../../../src/core/session/panelState';
import { toMessageView } from '../../../src/core/session/toMessageView';
import { PANEL_ROOT_ID } from '../../../src/webviews/sessionPanel/protocol';
import { SessionPanel, type SessionPanelAction } from '../../../src/webviews/sessionPanel/sessionPanel';

// The payloads that once stalled a session (a 100,000-deep array, a 10 MB single-line value, a
// million keys), decoded and made into the panel's view by the real host code, shown in a real
// VS Code webview and decided with real key presses; and an Avro record whose logical types are
// shown readable, with the base values one click away. Inspected from outside through the browser
// that runs the workbench (scripts/lib/webviewProbe.mjs), as the session panel suite does.

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';
const PROBE_URL = process.env.KAFKA_LAB_WEBVIEW_URL;

async function probe<T>(request: Record<string, unknown>): Promise<T> {
  const response = await fetch(PROBE_URL!, {
    method: 'POST',
    body: JSON.stringify({ root: PANEL_ROOT_ID, ...request }),
  });
  const body = (await response.json()) as T & { error?: string };
  assert.equal(response.status, 200, `probe ${String(request.op)}: ${body.error}`);
  return body;
}

async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function consumed(offset: number, value: Buffer): ConsumedMessage {
  return {
    id: `member-1/hostile/0/${offset}`,
    memberId: 'member-1',
    topic: 'hostile',
    partition: 0,
    offset,
    timestamp: 1_700_000_000_000,
    key: Buffer.from(`k-${offset}`),
    value,
    headers: [],
    size: value.length,
    attempts: 0,
  };
}

/** The view the host would send for these value bytes, built by the real decoder and view code. */
function viewOf(
  offset: number,
  value: Buffer,
  decode: (bytes: Buffer) => DecodeResult = (bytes) => detectPlain(bytes),
): MessageView {
  const message = consumed(offset, value);
  return toMessageView(message, { key: decodeText(message.key!), value: decode(value) });
}

function state(current: MessageView): PanelState {
  return { sessionId: 'hostile', title: 'hostile payloads', state: 'stepping', current, history: [], lastCommits: [] };
}

describe('hostile payloads in the real session panel: shown bounded, decided by key', function () {
  this.timeout(120_000);
  let extensionUri: vscode.Uri;
  let panel: SessionPanel | undefined;
  let shown: PanelState | undefined;
  const actions: SessionPanelAction[] = [];

  before(async function () {
    if (!PROBE_URL) this.skip(); // only the code-server runner can look into webviews
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    await extension.activate();
    extensionUri = extension.extensionUri;
  });

  after(() => panel?.dispose());

  async function show(view: MessageView): Promise<SessionPanel> {
    shown = state(view);
    if (!panel) {
      panel = new SessionPanel({
        extensionUri,
        title: 'hostile payloads',
        source: () => shown,
        onAction: (action) => void actions.push(action),
        askDeadLetterReason: async () => 'hostile payload',
      });
      await panel.host.whenReady();
    } else {
      panel.invalidate();
    }
    const p = panel;
    await waitFor(`the webview to render state ${p.host.postedSeq}`, async () => {
      if (p.host.postedSeq === 0) return false;
      const { value } = await probe<{ value: string | null }>({
        op: 'evaluate',
        expression: `document.getElementById(${JSON.stringify(PANEL_ROOT_ID)}).dataset.seq ?? null`,
      });
      return value === String(p.host.postedSeq);
    });
    return p;
  }

  async function decideWith(key: string, view: MessageView): Promise<SessionPanelAction> {
    actions.length = 0;
    await probe({ op: 'click', selector: '.meta' }); // focus the webview, not a control
    await probe({ op: 'press', keys: [key] });
    const [action] = await waitFor(`the decision of "${key}"`, () => (actions.length ? actions : undefined));
    assert.ok(action.type === 'decide' && action.messageId === view.id, JSON.stringify(action));
    return action;
  }

  const cases: { label: string; bytes: () => Buffer; key: string; decision: string; texts: string[] }[] = [
    {
      label: 'a 100,000-deep array',
      bytes: () => Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`),
      key: 'd',
      decision: 'deadLetter',
      texts: ['Shown in part at', 'below the depth limit of 64'],
    },
    {
      label: 'a 10 MB single-line value',
      bytes: () => Buffer.from(`{"blob":"${'x'.repeat(10 * 1024 * 1024)}"}`),
      key: 'c',
      decision: 'commit',
      texts: ['Shown in part at', 'showing 65,536 of 10,485,760 characters'],
    },
    {
      label: 'a value with a million keys',
      bytes: () => Buffer.from(`{${Array.from({ length: 1_000_000 }, (_, i) => `"${i.toString(36)}":0`).join(',')}}`),
      key: 's',
      decision: 'skip',
      texts: ['Shown in part at', 'showing 19,999 of 1,000,000 entries'],
    },
  ];
  cases.forEach(({ label, bytes, key, decision, texts }, i) => {
    it(`${label}: the panel shows it within the limits, says so, and a key press decides it (${decision})`, async () => {
      const view = viewOf(40 + i, bytes());
      const posted = JSON.stringify(state(view)).length;
      assert.ok(posted < 4 * 1024 * 1024, `${posted} characters would cross to the webview`);
      await show(view);
      const facts = await probe<{ texts: boolean[]; probes: { selector: string; count: number }[] }>({
        op: 'facts',
        texts,
        probes: ['.payload-value .json-tree'],
      });
      facts.texts.forEach((found, t) => assert.ok(found, `not shown: ${texts[t]}`));
      assert.equal(facts.probes[0].count, 1, 'the value is shown as a tree');
      const action = await decideWith(key, view);
      assert.equal((action as { action?: string }).action, decision);
    });
  });

  it('an Avro record shows its logical types readable, and its base values after one click', async () => {
    const schema = {
      type: 'record',
      name: 'Payment',
      fields: [
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
        { name: 'due', type: { type: 'int', logicalType: 'date' } },
        { name: 'hash', type: 'long' },
      ],
    };
    const compiled = compileAvro(
      { id: 12, format: 'avro', subject: 'payments-value', version: 1 },
      JSON.stringify(schema),
      [],
    );
    assert.ok(compiled.ok);
    const body = compiled.schema.encode({ amount: '3978711.44', due: '2028-04-20', hash: '-4503599627370497' });
    assert.ok(body.ok);
    const view = viewOf(50, encodeFrame(12, body.body), (bytes) => compiled.schema.decode(bytes, 5, true));
    await show(view);
    const readable = await probe<{ texts: boolean[] }>({
      op: 'facts',
      texts: ['3978711.44', '2028-04-20', '-4503599627370497', 'Base values'],
    });
    readable.texts.forEach((found, t) => assert.ok(found, `readable value ${t} not shown`));
    await probe({ op: 'click', selector: '.payload-value button:has-text("Base values")' });
    const base = await probe<{ texts: boolean[] }>({ op: 'facts', texts: ['F7cIKA==', '21294', 'Readable values'] });
    base.texts.forEach((found, t) => assert.ok(found, `base value ${t} not shown`));
    await decideWith('c', view);
  });
});
