// Issue 11, "Measured": stepping latency with the developer's handler in its own process.
// `npm run bench -- handler-stepping`. A stepping session (one member, per-message sync commits)
// on a 200-message topic; for each step: from Next (the session's decision call) to the handler
// being called in its process, and from the handler's return to the commit the broker acknowledged.
// Both processes read CLOCK_MONOTONIC (process.hrtime), so their timestamps compare.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdminClient, Producer } from '@confluentinc/kafka-javascript';
import { PayloadDecoder } from '../src/core/codec/payloadDecoder';
import { ConsumerSession } from '../src/core/engine/session';
import { HandlerChannel } from '../src/core/handler/handlerChannel';
import { launchNodeHandler } from '../src/core/handler/nodeLauncher';
import { messageDecoder, processHandler } from '../src/core/handler/processHandler';
import { silentLogger } from '../src/core/logging';
import type { Bench, Comparison } from './harness';

const root = path.resolve(__dirname, '..', '..');
const services = JSON.parse(fs.readFileSync(path.join(root, 'test', 'services.json'), 'utf8')) as {
  kafka: { plaintext: string };
};
const bootstrapServers = services.kafka.plaintext;
const steps = 200;
const topic = `bench.handler.stepping.${Date.now()}`;

const log = (line: string): void => console.log(`  [handler stepping bench] ${line}`);

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function admin<T>(fn: (client: ReturnType<typeof AdminClient.create>) => Promise<T>): Promise<T> {
  const client = AdminClient.create({ 'bootstrap.servers': bootstrapServers });
  return fn(client).finally(() => client.disconnect());
}

async function produce(): Promise<void> {
  await admin(
    (a) =>
      new Promise<void>((resolve, reject) =>
        a.createTopic({ topic, num_partitions: 1, replication_factor: 1 }, 15_000, (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
  );
  const producer = new Producer({ 'bootstrap.servers': bootstrapServers, acks: -1 });
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())),
  );
  for (let i = 0; i < steps; i++)
    producer.produce(topic, 0, Buffer.from(JSON.stringify({ orderId: `o-${i}`, amount: i })), Buffer.from(`k${i}`));
  await new Promise<void>((resolve, reject) => producer.flush(30_000, (err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
}

export const bench: Bench = {
  key: 'handler-stepping-latency',
  needsServices: true,
  async run(): Promise<Comparison> {
    await produce();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-bench-'));
    const module = path.join(dir, 'handler.js');
    // The handler reports when it was called and when it returns, on the shared monotonic clock.
    fs.writeFileSync(
      module,
      'exports.handle = (m, ctx) => { const called = process.hrtime.bigint(); ctx.log(`${m.offset} ${called} ${process.hrtime.bigint()}`); };',
    );
    const hostScript = path.join(root, 'dist', 'handlerHost.js');
    if (!fs.existsSync(hostScript)) throw new Error(`${hostScript} is missing: run npm run build first`);
    const channel = await HandlerChannel.open({ module, logger: silentLogger });
    const child = launchNodeHandler({ hostScript, env: channel.env, logger: silentLogger });
    const reported = new Map<number, { called: bigint; returned: bigint }>();
    channel.on('log', (entry) => {
      const [offset, called, returned] = entry.message.split(' ');
      reported.set(Number(offset), { called: BigInt(called), returned: BigInt(returned) });
    });
    const codec = new PayloadDecoder();
    const session = new ConsumerSession({
      connection: { bootstrapServers },
      groupId: `bench-handler-stepping-${Date.now()}`,
      topics: [topic],
      mode: 'stepping',
      commitPolicy: { kind: 'perMessage' },
    });
    const handler = processHandler({
      channel,
      timeoutMs: () => 10_000,
      decode: messageDecoder(codec),
    });
    const commitAt = new Map<number, bigint>();
    session.on('committed', (e) => {
      const at = process.hrtime.bigint();
      for (const o of e.offsets) commitAt.set(o.offset - 1, at);
    });
    const toCall: number[] = [];
    const toCommit: number[] = [];
    try {
      await channel.waitReady(20_000);
      await session.start();
      for (let i = 0; i < steps; i++) {
        const message = await session.nextAwaiting(20_000);
        const next = process.hrtime.bigint();
        const signal = new AbortController().signal;
        await handler(message, { attempt: 1, signal });
        await session.decide(message.id, { kind: 'ack' });
        const r = reported.get(message.offset);
        const committed = commitAt.get(message.offset);
        if (!r || committed === undefined)
          throw new Error(`step ${i}: no report or no commit for offset ${message.offset}`);
        toCall.push(Number(r.called - next) / 1e6);
        toCommit.push(Number(committed - r.returned) / 1e6);
      }
    } finally {
      await session.stop();
      await channel.close();
      child.kill('SIGKILL');
      await admin((a) => new Promise<void>((resolve) => a.deleteTopic(topic, 15_000, () => resolve())));
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const figures = {
      'Next → handler called, median ms': quantile(toCall, 0.5),
      'Next → handler called, p95 ms': quantile(toCall, 0.95),
      'handler returned → commit acknowledged, median ms': quantile(toCommit, 0.5),
      'handler returned → commit acknowledged, p95 ms': quantile(toCommit, 0.95),
    };
    for (const [name, value] of Object.entries(figures)) log(`${name}: ${value.toFixed(2)}`);
    const total = [...toCall, ...toCommit].reduce((a, b) => a + b, 0) / 1000;
    return {
      key: 'handler-stepping-latency',
      description: `${steps} steps of a stepping session whose handler runs in its own Node process (no debugger), per-message sync commits, 1 partition`,
      measurements: [{ name: 'steps', perSecond: steps / total, items: steps, seconds: total }],
      // Not ratios: milliseconds against the 20 ms budget; "budget/median" is the ratio form.
      ratios: {
        'budget/median Next→called': 20 / figures['Next → handler called, median ms'],
        'budget/median returned→commit': 20 / figures['handler returned → commit acknowledged, median ms'],
      },
      targets: { 'budget/median Next→called': 1, 'budget/median returned→commit': 1 },
      notes: Object.entries(figures).map(([name, value]) => `${name}: ${value.toFixed(2)}`),
    };
  },
};
