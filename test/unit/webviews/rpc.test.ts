import { strict as assert } from 'node:assert';
import {
  isNoParams,
  isRecord,
  NotificationType,
  RequestType,
  RpcError,
  type WireMessage,
} from '../../../src/webviews/shared/protocol';
import { RpcEndpoint } from '../../../src/webviews/shared/rpc';

// Two endpoints joined back to back, as the host and the webview are; every message is cloned on
// the way, as postMessage does, so no object is shared between the sides.

interface Page {
  readonly from: number;
  readonly count: number;
}
const isPage = (x: unknown): x is Page =>
  isRecord(x) &&
  Number.isSafeInteger(x.from) &&
  Number.isSafeInteger(x.count) &&
  (x.count as number) > 0 &&
  (x.count as number) <= 100;
const isRows = (x: unknown): x is string[] => Array.isArray(x) && x.every((r) => typeof r === 'string');

const ReadPage = new RequestType<Page, string[]>('viewer/readPage', isPage, isRows);
const Slow = new RequestType<void, string>('viewer/slow', isNoParams, (x): x is string => typeof x === 'string');
const Fails = new RequestType<void, void>('viewer/fails', isNoParams, (x): x is void => x === undefined);
const Hello = new NotificationType<{ name: string }>(
  'viewer/hello',
  (x): x is { name: string } => isRecord(x) && typeof x.name === 'string',
);

function pair(options: { timeoutMs?: number } = {}) {
  const wire: WireMessage[] = [];
  const ends: { host?: RpcEndpoint; webview?: RpcEndpoint } = {};
  const deliver = (to: 'host' | 'webview') => (message: WireMessage) => {
    wire.push(message);
    const copy = structuredClone(message);
    setImmediate(() => void ends[to]!.receive(copy));
  };
  const rejected: string[] = [];
  const host = (ends.host = new RpcEndpoint({
    post: deliver('webview'),
    onRejected: (why) => rejected.push(why),
    ...options,
  }));
  const webview = (ends.webview = new RpcEndpoint({ post: deliver('host'), ...options }));
  return { host, webview, wire, rejected };
}

describe('webview RPC', () => {
  it('answers a request with its result, matched by id, and several in flight do not mix', async () => {
    const { host, webview, wire } = pair();
    const rows = Array.from({ length: 1000 }, (_, i) => `row ${i}`);
    host.onRequest(ReadPage, async ({ from, count }) => {
      await new Promise((resolve) => setTimeout(resolve, count % 7)); // answers come back out of order
      return rows.slice(from, from + count);
    });
    const pages = await Promise.all(
      [0, 100, 200, 300].map((from, i) => webview.request(ReadPage, { from, count: 50 + i })),
    );
    assert.deepEqual(pages[0], rows.slice(0, 50));
    assert.deepEqual(pages[3], rows.slice(300, 353));
    const ids = wire.filter((m) => m.kind === 'request').map((m) => (m as { id: number }).id);
    assert.equal(new Set(ids).size, 4, 'every request has its own id');
    assert.equal(webview.pendingRequests, 0);
  });

  it('delivers notifications, in both directions, after validating their params', async () => {
    const { host, webview } = pair();
    const seen: string[] = [];
    host.onNotification(Hello, ({ name }) => void seen.push(`host: ${name}`));
    webview.onNotification(Hello, ({ name }) => void seen.push(`webview: ${name}`));
    webview.notify(Hello, { name: 'from the webview' });
    host.notify(Hello, { name: 'from the host' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(seen.sort(), ['host: from the webview', 'webview: from the host']);
    assert.equal(await host.receive({ kind: 'notify', method: 'viewer/hello', params: { name: 42 } }), 'rejected');
  });

  it('answers invalid params and unknown methods with an error reply, typed by reason', async () => {
    const { host, webview, rejected } = pair();
    host.onRequest(ReadPage, () => ['never']);
    await assert.rejects(
      webview.request(ReadPage, { from: 0, count: 10_000 }),
      (e: unknown) => e instanceof RpcError && e.reason === 'remoteError' && e.remoteReason === 'invalidParams',
    );
    await assert.rejects(
      webview.request(Slow, undefined),
      (e: unknown) => e instanceof RpcError && e.remoteReason === 'unknownMethod',
    );
    assert.deepEqual(rejected, ['invalid params for viewer/readPage', 'no handler for viewer/slow']);
  });

  it("passes a handler's typed error back with its reason; an untyped one as handlerFailed", async () => {
    const { host, webview } = pair();
    class TopicGone extends Error {
      readonly reason = 'topicNotFound';
    }
    let typed = true;
    host.onRequest(Fails, () => {
      throw typed ? new TopicGone('The topic "orders" was deleted.') : new Error('boom');
    });
    await assert.rejects(
      webview.request(Fails, undefined),
      (e: unknown) =>
        e instanceof RpcError &&
        e.reason === 'remoteError' &&
        e.remoteReason === 'topicNotFound' &&
        e.message === 'The topic "orders" was deleted.',
    );
    typed = false;
    await assert.rejects(
      webview.request(Fails, undefined),
      (e: unknown) => e instanceof RpcError && e.remoteReason === 'handlerFailed',
    );
  });

  it('bounds every request: no answer is a timeout, a late answer is ignored', async () => {
    const { host, webview } = pair({ timeoutMs: 30 });
    let release!: () => void;
    host.onRequest(Slow, () => new Promise<string>((resolve) => (release = () => resolve('late'))));
    const started = Date.now();
    await assert.rejects(
      webview.request(Slow, undefined),
      (e: unknown) => e instanceof RpcError && e.reason === 'timeout',
    );
    assert.ok(Date.now() - started < 1000);
    assert.equal(webview.pendingRequests, 0);
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await webview.receive({ kind: 'response', id: 1, ok: true, result: 'late' }), 'ignored');
  });

  it('refuses a result that fails its check', async () => {
    const { host, webview } = pair();
    host.onRequest(ReadPage, () => [1, 2, 3] as unknown as string[]);
    await assert.rejects(
      webview.request(ReadPage, { from: 0, count: 3 }),
      (e: unknown) => e instanceof RpcError && e.reason === 'invalidResult',
    );
  });

  it('fails pending requests on dispose and then neither sends nor receives', async () => {
    const { host, webview, wire } = pair();
    host.onRequest(Slow, () => new Promise<string>(() => undefined));
    const pending = webview.request(Slow, undefined);
    await new Promise((resolve) => setTimeout(resolve, 10));
    webview.dispose();
    await assert.rejects(pending, (e: unknown) => e instanceof RpcError && e.reason === 'disposed');
    await assert.rejects(
      webview.request(Slow, undefined),
      (e: unknown) => e instanceof RpcError && e.reason === 'disposed',
    );
    const before = wire.length;
    webview.notify(Hello, { name: 'x' });
    assert.equal(wire.length, before);
    assert.equal(await webview.receive({ kind: 'notify', method: 'viewer/hello', params: { name: 'x' } }), 'ignored');
  });

  it('drops hostile envelopes before any handler sees them', async () => {
    const endpoint = new RpcEndpoint({ post: () => undefined });
    let called = 0;
    endpoint.onNotification(Hello, () => void called++);
    endpoint.onRequest(Slow, () => String(++called));
    const hostile: unknown[] = [
      JSON.parse('{"kind":"notify","method":"viewer/hello","__proto__":{"params":{"name":"x"}}}'),
      { kind: 'notify', method: 'viewer/hello' },
      { kind: 'notify', method: 'x'.repeat(81) },
      { kind: 'notify', method: '../../etc' },
      { kind: 'request', id: 0, method: 'viewer/slow' },
      { kind: 'request', id: -1, method: 'viewer/slow' },
      { kind: 'request', id: 1.5, method: 'viewer/slow' },
      { kind: 'request', id: Number.MAX_SAFE_INTEGER + 2, method: 'viewer/slow' },
      { kind: 'request', id: '1', method: 'viewer/slow' },
      { kind: 'response', id: 1, ok: 'yes' },
      { kind: 'response', id: 1, ok: false, error: 'boom' },
      { kind: 'eval' },
      Object.create({ kind: 'notify', method: 'viewer/hello', params: { name: 'inherited' } }),
    ];
    for (const message of hostile) assert.equal(await endpoint.receive(message), 'rejected', JSON.stringify(message));
    assert.equal(called, 0);
    assert.equal(endpoint.rejected, hostile.length);
  });

  it('allows one handler per method and refuses method names that are not identifiers', () => {
    const endpoint = new RpcEndpoint({ post: () => undefined });
    const off = endpoint.onNotification(Hello, () => undefined);
    assert.throws(() => endpoint.onNotification(Hello, () => undefined), RangeError);
    off();
    endpoint.onNotification(Hello, () => undefined);
    assert.throws(() => new NotificationType('has space', isNoParams), RangeError);
    assert.throws(() => new NotificationType('', isNoParams), RangeError);
  });
});
