// Issue 15, "Measured": running mode through the Python handler process (a trivial handler, no
// debugger) against the Node handler process, on the engine bench's topic, in one bench run.
// `npm run bench -- python-handler` (after `npm run build` and the engine bench's topic).
// Both sides run here, alternating, each with a fresh group from the beginning of the topic, with
// the same session settings; the timed window runs from the first message handled to the last.
// CPU is this process's plus the handler process's (read from /proc).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PayloadDecoder } from '../src/core/codec/payloadDecoder';
import { ConsumerSession } from '../src/core/engine/session';
import { HandlerChannel } from '../src/core/handler/handlerChannel';
import { type LaunchedHandler, launchNodeHandler } from '../src/core/handler/nodeLauncher';
import { messageDecoder, processHandler } from '../src/core/handler/processHandler';
import { launchPythonHandler } from '../src/core/handler/pythonLauncher';
import { silentLogger } from '../src/core/logging';
import { benchTopic, fetchSettings, messageCount } from './engine/settings';
import type { Bench, Comparison, Measurement } from './harness';

const root = path.resolve(__dirname, '..', '..');
const services = JSON.parse(fs.readFileSync(path.join(root, 'test', 'services.json'), 'utf8')) as {
  kafka: { plaintext: string };
};
const bootstrapServers = services.kafka.plaintext;
const rounds = Math.max(1, Number(process.env.BENCH_HANDLER_ROUNDS ?? 2) || 2);
const python = process.env.KAFKA_LAB_BENCH_PYTHON ?? 'python3';
const runTimeoutMs = 600_000;
const log = (line: string): void => console.log(`  [python handler bench] ${line}`);

type Side = 'node' | 'python';

/** The same as the Node handler bench's handler side: many calls in flight, so that frames carry many messages. */
const sessionSettings = { concurrency: 2048, partitionConcurrency: 512, maxBufferedMessages: 50_000 } as const;

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
  readonly handlerCpuSeconds: number;
}

async function runSide(side: Side, round: number, modules: Record<Side, string>): Promise<Run> {
  let seen = 0;
  let firstAt = 0n;
  let lastAt = 0n;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let childCpuAtFirst = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const channel = await HandlerChannel.open({ module: modules[side], logger: silentLogger });
  const child: LaunchedHandler =
    side === 'node'
      ? launchNodeHandler({
          hostScript: path.join(root, 'dist', 'handlerHost.js'),
          env: channel.env,
          logger: silentLogger,
        })
      : launchPythonHandler({
          runtimeDir: path.join(root, 'dist', 'python'),
          python,
          env: channel.env,
          logger: silentLogger,
        });
  const mark = () => {
    if (seen === 0) {
      firstAt = process.hrtime.bigint();
      cpuAtFirst = process.cpuUsage();
      childCpuAtFirst = processCpuSeconds(child.pid);
    }
    if (++seen === messageCount) {
      lastAt = process.hrtime.bigint();
      done();
    }
  };
  await channel.waitReady(20_000);
  const call = processHandler({ channel, timeoutMs: () => 60_000, decode: messageDecoder(new PayloadDecoder()) });
  const session = new ConsumerSession({
    connection: { bootstrapServers, clientId: `kafka-consumer-lab-bench-${side}-handler` },
    groupId: `bench-python-handler-${side}-${round}-${Date.now()}`,
    topics: [benchTopic],
    autoOffsetReset: 'earliest',
    consumerConfig: fetchSettings,
    ...sessionSettings,
    handler: (message, context) => (call(message, context) as Promise<void>).then(mark),
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
  const childCpu = processCpuSeconds(child.pid) - childCpuAtFirst;
  await channel.close();
  child.kill('SIGKILL');
  const seconds = Number(lastAt - firstAt) / 1e9;
  return {
    side,
    seconds,
    perSecond: messageCount / seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6 + childCpu,
    handlerCpuSeconds: childCpu,
  };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const bench: Bench = {
  key: 'python-handler-vs-node-handler',
  needsServices: true,
  async run(): Promise<Comparison> {
    for (const needed of ['dist/handlerHost.js', 'dist/python/kafka_lab_handler.py'])
      if (!fs.existsSync(path.join(root, needed))) throw new Error(`${needed} is missing: run npm run build first`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-bench-py-'));
    const modules: Record<Side, string> = {
      node: path.join(dir, 'handler.js'),
      python: path.join(dir, 'handler.py'),
    };
    fs.writeFileSync(
      modules.node,
      'let n = 0;\nexports.handle = (message) => {\n  n += message.value === null ? 0 : 1;\n};\n',
    );
    fs.writeFileSync(
      modules.python,
      'n = 0\n\n\ndef handle(message, context):\n    global n\n    n += 0 if message.value is None else 1\n',
    );
    const runs: Run[] = [];
    try {
      for (let round = 1; round <= rounds; round++) {
        for (const side of ['node', 'python'] as const) {
          const r = await runSide(side, round, modules);
          runs.push(r);
          log(
            `round ${round} ${side.padEnd(7)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(9)} msg/s  ${r.seconds.toFixed(2)} s  cpu ${r.cpuSeconds.toFixed(2)} s (handler process ${r.handlerCpuSeconds.toFixed(2)} s)`,
          );
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const of = (side: Side) => runs.filter((r) => r.side === side);
    const rate = (side: Side) => median(of(side).map((r) => r.perSecond));
    const cpuPerMillion = (side: Side) => median(of(side).map((r) => (r.cpuSeconds / messageCount) * 1e6));
    const handlerCpuPerMillion = (side: Side) =>
      median(of(side).map((r) => (r.handlerCpuSeconds / messageCount) * 1e6));
    const measurement = (side: Side): Measurement => ({
      name: `${side === 'node' ? 'Node' : 'Python'} handler process (trivial handler, no debugger), median of ${rounds}`,
      perSecond: rate(side),
      items: messageCount,
      seconds: messageCount / rate(side),
      cpuSecondsPerMillion: cpuPerMillion(side),
    });
    return {
      key: 'python-handler-vs-node-handler',
      description: `running mode on ${benchTopic} (${messageCount} messages): the Python handler process vs the Node handler process, same session settings`,
      measurements: [measurement('node'), measurement('python')],
      ratios: {
        'python/node': rate('python') / rate('node'),
        'node/python CPU per message': cpuPerMillion('node') / cpuPerMillion('python'),
        'node/python handler-process CPU per message': handlerCpuPerMillion('node') / handlerCpuPerMillion('python'),
      },
      targets: { 'python/node': 0.3 },
      notes: [
        `the Python side is ${python} running dist/python/kafka_lab_handler.py (stdlib json, one worker thread); the Node side dist/handlerHost.js`,
        `both sides: concurrency ${sessionSettings.concurrency} per member (${sessionSettings.partitionConcurrency} per partition), ${sessionSettings.maxBufferedMessages} buffered, so calls overlap and batch`,
        'CPU is this process plus the handler process; the handler process alone is in the last ratio',
      ],
    };
  },
};
