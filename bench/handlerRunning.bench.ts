// Issue 11, "Measured": running mode through the handler process (no debugger, a trivial JS handler)
// against the in-process engine with a no-op handler, on the engine bench's topic.
// `npm run bench -- handler-running` (after the engine bench has produced its topic).
// Both sides run here, alternating, each with a fresh group from the beginning of the topic; the
// timed window runs from the first message handled to the last. The handler side decodes each
// record (as a session does), frames it, and waits for the process's answer; its CPU is this
// process's plus the handler process's (read from /proc).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PayloadDecoder } from '../src/core/codec/payloadDecoder';
import { ConsumerSession } from '../src/core/engine/session';
import type { MessageHandler } from '../src/core/engine/types';
import { HandlerChannel } from '../src/core/handler/handlerChannel';
import { launchNodeHandler } from '../src/core/handler/nodeLauncher';
import { messageDecoder, processHandler } from '../src/core/handler/processHandler';
import { silentLogger } from '../src/core/logging';
import { benchTopic, fetchSettings, messageCount } from './engine/settings';
import type { Bench, Comparison, Measurement } from './harness';

const root = path.resolve(__dirname, '..', '..');
const services = JSON.parse(fs.readFileSync(path.join(root, 'test', 'services.json'), 'utf8')) as {
  kafka: { plaintext: string };
};
const bootstrapServers = services.kafka.plaintext;
const rounds = Math.max(1, Number(process.env.BENCH_HANDLER_ROUNDS ?? 2) || 2);
const runTimeoutMs = 300_000;
const log = (line: string): void => console.log(`  [handler running bench] ${line}`);

type Side = 'engine' | 'handler';

const handlerSideSettings = { concurrency: 2048, partitionConcurrency: 512, maxBufferedMessages: 50_000 } as const;

/** CPU seconds a process has used, from /proc (utime + stime, in clock ticks of 1/100 s). */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

interface Run {
  readonly side: Side;
  readonly perSecond: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

async function runSide(side: Side, round: number, module: string): Promise<Run> {
  let seen = 0;
  let firstAt = 0n;
  let lastAt = 0n;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let childCpuAtFirst = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let channel: HandlerChannel | undefined;
  let child: ReturnType<typeof launchNodeHandler> | undefined;
  const mark = () => {
    if (seen === 0) {
      firstAt = process.hrtime.bigint();
      cpuAtFirst = process.cpuUsage();
      childCpuAtFirst = processCpuSeconds(child?.pid);
    }
    if (++seen === messageCount) {
      lastAt = process.hrtime.bigint();
      done();
    }
  };
  let handler: MessageHandler = () => mark();
  if (side === 'handler') {
    channel = await HandlerChannel.open({ module, logger: silentLogger });
    child = launchNodeHandler({
      hostScript: path.join(root, 'dist', 'handlerHost.js'),
      env: channel.env,
      logger: silentLogger,
    });
    await channel.waitReady(20_000);
    const codec = new PayloadDecoder();
    const call = processHandler({
      channel,
      timeoutMs: () => 30_000,
      decode: messageDecoder(codec),
    });
    // The mark counts the message once its call has come back (a then, not an async wrapper: the
    // bench's own bookkeeping should cost what the engine's does on its side, nearly nothing).
    handler = (message, context) => (call(message, context) as Promise<void>).then(mark);
  }
  const session = new ConsumerSession({
    connection: { bootstrapServers, clientId: `kafka-consumer-lab-bench-${side}` },
    groupId: `bench-handler-${side}-${round}-${Date.now()}`,
    topics: [benchTopic],
    autoOffsetReset: 'earliest',
    consumerConfig: fetchSettings,
    // The handler side keeps many messages in flight (and buffered), so that each frame carries many
    // messages; with one in flight per partition every message would wait for its own round trip.
    ...(side === 'handler' ? handlerSideSettings : {}),
    handler,
  });
  const timer = setTimeout(() => done(), runTimeoutMs);
  try {
    await session.start();
    await finished;
  } finally {
    clearTimeout(timer);
    await session.stop();
  }
  if (seen < messageCount)
    throw new Error(`${side}: ${seen} of ${messageCount} messages within ${runTimeoutMs / 1000} s`);
  const cpu = process.cpuUsage(cpuAtFirst);
  const childCpu = processCpuSeconds(child?.pid) - childCpuAtFirst;
  await channel?.close();
  child?.kill('SIGKILL');
  const seconds = Number(lastAt - firstAt) / 1e9;
  return { side, seconds, perSecond: messageCount / seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 + childCpu };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const bench: Bench = {
  key: 'handler-process-vs-engine',
  needsServices: true,
  async run(): Promise<Comparison> {
    if (!fs.existsSync(path.join(root, 'dist', 'handlerHost.js')))
      throw new Error('dist/handlerHost.js is missing: run npm run build first');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-bench-'));
    const module = path.join(dir, 'handler.js');
    fs.writeFileSync(
      module,
      'let n = 0;\nexports.handle = (message) => {\n  n += message.value === null ? 0 : 1;\n};\n',
    );
    const runs: Run[] = [];
    try {
      for (let round = 1; round <= rounds; round++) {
        for (const side of ['engine', 'handler'] as const) {
          const r = await runSide(side, round, module);
          runs.push(r);
          log(
            `round ${round} ${side.padEnd(8)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(9)} msg/s  ${r.seconds.toFixed(2)} s  cpu ${r.cpuSeconds.toFixed(2)} s`,
          );
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const of = (side: Side) => runs.filter((r) => r.side === side);
    const rate = (side: Side) => median(of(side).map((r) => r.perSecond));
    const cpuPerMillion = (side: Side) => median(of(side).map((r) => (r.cpuSeconds / messageCount) * 1e6));
    const measurement = (side: Side): Measurement => ({
      name:
        side === 'engine'
          ? `engine in process, no-op handler, median of ${rounds}`
          : `handler process (trivial JS, no debugger), median of ${rounds}`,
      perSecond: rate(side),
      items: messageCount,
      seconds: messageCount / rate(side),
      cpuSecondsPerMillion: cpuPerMillion(side),
    });
    return {
      key: 'handler-process-vs-engine',
      description: `running mode on ${benchTopic} (${messageCount} messages): the developer's handler in its own process vs the in-process no-op handler`,
      measurements: [measurement('engine'), measurement('handler')],
      ratios: {
        'handler/engine': rate('handler') / rate('engine'),
        'engine/handler CPU per message': cpuPerMillion('engine') / cpuPerMillion('handler'),
      },
      targets: { 'handler/engine': 0.3 },
      notes: [
        'the handler side decodes every record (JSON/text/binary detection), frames it, and the protocol batches the calls of one event-loop turn into one frame each way',
        `handler side: concurrency ${handlerSideSettings.concurrency} per member (${handlerSideSettings.partitionConcurrency} per partition), ${handlerSideSettings.maxBufferedMessages} buffered, so calls overlap and batch; commits stay contiguous per partition`,
        'CPU of the handler side is this process plus the handler process',
      ],
    };
  },
};
