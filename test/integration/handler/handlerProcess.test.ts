import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HandlerChannel } from '../../../src/core/handler/handlerChannel';
import { HandlerProcessError } from '../../../src/core/handler/handlerErrors';
import { HANDLER_ENV, encodeFrame, type MessageFrame } from '../../../src/core/handler/protocol';
import { fixtures, startHandler, type RunningHandler } from './support/handlerProcess';

function frame(offset: number, value: unknown, extra: Partial<MessageFrame> = {}): Omit<MessageFrame, 'id'> {
  const bytes = Buffer.from(JSON.stringify(value));
  return {
    topic: 'orders',
    partition: 0,
    offset,
    timestamp: 1_700_000_000_000,
    key: { raw: Buffer.from(`k${offset}`).toString('base64'), decoded: `k${offset}`, format: 'text' },
    value: { raw: bytes.toString('base64'), decoded: value, format: 'json' },
    headers: [{ key: 'origin', value: Buffer.from('test').toString('base64') }],
    attempt: 1,
    ...extra,
  };
}

describe('the Node handler process, for real (no broker)', function () {
  this.timeout(60_000);
  const running: RunningHandler[] = [];
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-handler-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.close()));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function start(
    module: string,
    options: { exportName?: string; waitReady?: boolean } = {},
  ): Promise<RunningHandler> {
    const handler = await startHandler(module, options);
    running.push(handler);
    return handler;
  }

  function write(name: string, source: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, source);
    return file;
  }

  it('runs a TypeScript handler from source: decoded value, key, headers and attempt reach it; ok completes', async () => {
    const h = await start(path.join(fixtures, 'handleOrder.ts'));
    const result = await h.channel.call(frame(7, { orderId: 'o-7', amount: 12.5 }));
    assert.deepEqual(result.outcome, 'ok');
    assert.deepEqual(JSON.parse(h.logs[0]), { seen: 7, orderId: 'o-7', attempt: 1, key: 'k7', header: 'test' });
  });

  it('a thrown error keeps its class name, message, stack (in the .ts source) and retriable mark', async () => {
    const h = await start(path.join(fixtures, 'handleOrder.ts'));
    const result = await h.channel.call(frame(1, { orderId: 'o-1', action: 'fail' }));
    assert.equal(result.outcome, 'error');
    if (result.outcome !== 'error') return;
    assert.equal(result.error.type, 'OrderRejected');
    assert.equal(result.error.message, 'order o-1 has no customer');
    assert.equal(result.error.retriable, false);
    assert.match(result.error.stack ?? '', /handleOrder\.ts/);
  });

  it('returned decisions come back as decisions', async () => {
    const h = await start(path.join(fixtures, 'handleOrder.ts'));
    const [retry, dlq] = await Promise.all([
      h.channel.call(frame(1, { orderId: 'a', action: 'retry' })),
      h.channel.call(frame(2, { orderId: 'b', action: 'deadLetter' })),
    ]);
    assert.deepEqual(retry, { id: retry.id, outcome: 'decision', decision: 'retry', reason: 'asked for a retry' });
    assert.deepEqual(dlq, {
      id: dlq.id,
      outcome: 'decision',
      decision: 'deadLetter',
      reason: 'order b is a duplicate',
    });
  });

  it('loads CommonJS, ESM (.mjs) and a default export', async () => {
    const cjs = write('cjs.js', 'exports.handle = (m) => { if (m.value.n !== 1) throw new Error("wrong"); };');
    const esm = write('esm.mjs', 'export async function handle(m, ctx) { ctx.log("esm " + m.offset); }');
    const def = write(
      'def.js',
      'module.exports = async function (m) { return m.value.n > 5 ? { decision: "skip" } : undefined; };',
    );
    for (const [module, value, outcome] of [
      [cjs, { n: 1 }, 'ok'],
      [esm, { n: 1 }, 'ok'],
      [def, { n: 9 }, 'decision'],
    ] as const) {
      const h = await start(module);
      assert.equal((await h.channel.call(frame(3, value))).outcome, outcome, module);
    }
  });

  it('a module with a syntax error fails to load with the file and line named', async () => {
    const ts = write('broken.ts', 'export function handle(m: unknown) {\n  const x = ;\n}\n');
    const h = await start(ts, { waitReady: false });
    await assert.rejects(h.channel.waitReady(20_000), (error: unknown) => {
      assert.ok(error instanceof HandlerProcessError);
      assert.equal(error.reason, 'loadFailed');
      assert.match(error.message, /broken\.ts:2/);
      return true;
    });
    const js = write('broken.js', 'exports.handle = (m) => {\n\n  return m..value;\n};\n');
    const h2 = await start(js, { waitReady: false });
    await assert.rejects(
      h2.channel.waitReady(20_000),
      (error: unknown) =>
        error instanceof HandlerProcessError && /broken\.js:3/.test(error.message + (error.detail?.stack ?? '')),
    );
  });

  it('a module without the named export fails to load and says what it exports', async () => {
    const file = write('noexport.js', 'exports.process = () => undefined; exports.other = 1;');
    const h = await start(file, { waitReady: false });
    await assert.rejects(h.channel.waitReady(20_000), /no exported function "handle" \(it exports process, other\)/);
    const named = await start(file, { exportName: 'process' });
    assert.equal((await named.channel.call(frame(1, {}))).outcome, 'ok');
  });

  it('reload runs the saved code without a new process', async () => {
    const file = write('reload.js', 'exports.handle = () => { throw new Error("version 1"); };');
    const h = await start(file);
    const first = await h.channel.call(frame(1, {}));
    assert.equal(first.outcome === 'error' && first.error.message, 'version 1');
    const pid = h.process.pid;
    fs.writeFileSync(file, 'exports.handle = () => undefined;');
    await h.channel.reload();
    assert.equal((await h.channel.call(frame(1, {}))).outcome, 'ok');
    assert.equal(h.process.pid, pid);
  });

  it('cancel aborts the handler’s signal; the call rejects with the abort reason at once', async () => {
    const h = await start(path.join(fixtures, 'handleOrder.ts'));
    const controller = new AbortController();
    const call = h.channel.call(frame(1, { orderId: 's', action: 'slow' }), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    controller.abort(new Error('revoked'));
    await assert.rejects(call, /revoked/);
    // The process is still healthy and answers the next call.
    assert.equal((await h.channel.call(frame(2, { orderId: 'n' }))).outcome, 'ok');
  });

  it('a time limit fails the call with a typed timeout', async () => {
    const h = await start(path.join(fixtures, 'handleOrder.ts'));
    await assert.rejects(
      h.channel.call(frame(1, { orderId: 's', action: 'slow' }), { timeoutMs: 300 }),
      (e: unknown) => e instanceof HandlerProcessError && e.reason === 'timeout',
    );
  });

  it('SIGKILL mid-message: the call fails as "exited", and a restarted process takes over the same endpoint', async () => {
    const h = await start(path.join(fixtures, 'handleOrder.ts'));
    const lost = new Promise<HandlerProcessError>((resolve) => h.channel.once('lost', resolve));
    const call = h.channel.call(frame(1, { orderId: 's', action: 'slow' }));
    await new Promise((r) => setTimeout(r, 300));
    h.process.kill('SIGKILL');
    await assert.rejects(call, (e: unknown) => e instanceof HandlerProcessError && e.reason === 'exited');
    assert.equal((await lost).reason, 'exited');
    assert.equal(h.channel.state, 'waiting');
    await assert.rejects(
      h.channel.call(frame(2, {})),
      (e: unknown) => e instanceof HandlerProcessError && e.reason === 'notConnected',
    );
    h.restart();
    await h.channel.waitReady(20_000);
    assert.equal((await h.channel.call(frame(2, { orderId: 'again' }))).outcome, 'ok');
  });

  it('a peer without the token is refused; one that sends malformed frames is disconnected with a typed error', async () => {
    const channel = await HandlerChannel.open({ module: '/nowhere.js' });
    try {
      const [host, port] = channel.env[HANDLER_ENV.endpoint].split(':');
      const closed = (socket: net.Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const intruder = net.connect({ host, port: Number(port) });
      intruder.write(encodeFrame({ type: 'hello', protocol: 1, token: 'guess', runtime: 'x', pid: 1 }));
      await closed(intruder);
      assert.equal(channel.state, 'waiting');

      const peer = net.connect({ host, port: Number(port) });
      peer.resume(); // reads (and drops) the welcome, so the close is seen
      const lost = new Promise<HandlerProcessError>((resolve) => channel.once('lost', resolve));
      peer.write(
        encodeFrame({ type: 'hello', protocol: 1, token: channel.env[HANDLER_ENV.token], runtime: 'x', pid: 1 }),
      );
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(channel.state, 'loading');
      const garbage = Buffer.from('\x00\x00\x00\x05{oops');
      peer.write(garbage);
      const error = await lost;
      assert.equal(error.reason, 'malformedFrame');
      await closed(peer);
    } finally {
      await channel.close();
    }
  });
});
