// One measured run of engine.bench.ts, in its own process so its peak RSS is its own:
//   node out/bench/engine/worker.js '<WorkerArgs as JSON>'
// Consumes the topic from the beginning with a fresh group until `expected` messages were seen,
// then prints one line `ENGINE_BENCH_RESULT <WorkerResult as JSON>` and exits.
//   raw:    KafkaConsumer.consume(1000) batches in a tight loop; no processing, no commits.
//   rawCommits: the same, plus an async commit of the consumed positions every 500 messages.
//   engine: ConsumerSession in running mode, one member, a sync no-op handler, the default batch
//           commit policy (async commit every 500 messages or 5 s), everything else default.
// Every side uses the same librdkafka fetch settings (settings.ts) and the engine's consume timeouts.
// The timed window runs from the first message (raw: the first non-empty batch; engine: the first
// handler call) to the last expected one.
import { KafkaConsumer, type LibrdKafkaError, type Message } from '@confluentinc/kafka-javascript';
import { ConsumerSession } from '../../src/core/engine/session';
import {
  commitEvery,
  consumeBatch,
  consumeTimeoutMs,
  engineEquivalentSettings,
  fetchSettings,
  resultPrefix,
  type WorkerArgs,
  type WorkerResult,
} from './settings';

const mib = (bytes: number): number => bytes / (1024 * 1024);

/** Samples RSS (and V8's heap, to tell it apart from librdkafka's buffers) until stopped. */
function sampleMemory(intervalMs: number): () => { peakRss: number; peakHeapTotal: number } {
  let peakRss = 0;
  let peakHeapTotal = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeapTotal = Math.max(peakHeapTotal, usage.heapTotal);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
    return { peakRss: mib(peakRss), peakHeapTotal: mib(peakHeapTotal) };
  };
}

interface Timing {
  /** hrtime (ns) at subscribe, first message, last expected message. */
  subscribedAt: bigint;
  firstAt?: bigint;
  lastAt?: bigint;
  cpuAtFirst?: NodeJS.CpuUsage;
  cpuAtLast?: NodeJS.CpuUsage;
}

async function runRaw(args: WorkerArgs, timing: Timing, baseline: () => void): Promise<number> {
  const consumer = new KafkaConsumer(
    {
      ...fetchSettings,
      ...engineEquivalentSettings,
      'bootstrap.servers': args.bootstrapServers,
      'client.id': `kafka-consumer-lab-bench-${args.side}`,
      'group.id': args.groupId,
      // The client's built-in handler assigns (incrementally, for cooperative-sticky).
      rebalance_cb: true,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 15_000 }, (err) =>
      err ? reject(new Error(`raw consumer could not connect: ${err.message}`)) : resolve(),
    ),
  );
  consumer.setDefaultConsumeTimeout(consumeTimeoutMs);
  (
    consumer as KafkaConsumer & { setDefaultIsTimeoutOnlyForFirstMessage(onlyFirst: boolean): void }
  ).setDefaultIsTimeoutOnlyForFirstMessage(true);
  baseline();
  timing.subscribedAt = process.hrtime.bigint();
  consumer.subscribe([args.topic]);
  let seen = 0;
  let commits = 0;
  let sinceCommit = 0;
  /** rawCommits: next offset per partition consumed since the last commit. */
  const positions = new Map<number, number>();
  const consumeOnce = (): Promise<Message[]> =>
    new Promise((resolve, reject) =>
      consumer.consume(consumeBatch, (err: LibrdKafkaError, messages: Message[]) =>
        err ? reject(new Error(`consume failed: ${err.message}`)) : resolve(messages),
      ),
    );
  while (seen < args.expected) {
    const messages = await consumeOnce();
    if (messages.length === 0) continue;
    if (timing.firstAt === undefined) {
      timing.firstAt = process.hrtime.bigint();
      timing.cpuAtFirst = process.cpuUsage();
    }
    seen += messages.length;
    if (args.side === 'rawCommits') {
      for (const m of messages) {
        positions.set(m.partition, m.offset + 1);
        if (++sinceCommit < commitEvery) continue;
        consumer.commit([...positions].map(([partition, offset]) => ({ topic: args.topic, partition, offset })));
        commits++;
        positions.clear();
        sinceCommit = 0;
      }
    }
  }
  timing.lastAt = process.hrtime.bigint();
  timing.cpuAtLast = process.cpuUsage();
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  return commits;
}

async function runEngine(args: WorkerArgs, timing: Timing, baseline: () => void): Promise<number> {
  let seen = 0;
  let commits = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const expected = args.expected;
  const session = new ConsumerSession({
    connection: { bootstrapServers: args.bootstrapServers, clientId: 'kafka-consumer-lab-bench-engine' },
    groupId: args.groupId,
    topics: [args.topic],
    autoOffsetReset: 'earliest',
    consumerConfig: fetchSettings,
    // engineNoCommits: a policy that never comes due during the run (the close commits), to show the engine's own cost.
    ...(args.side === 'engineNoCommits'
      ? { commitPolicy: { kind: 'batch' as const, maxMessages: Number.MAX_SAFE_INTEGER, maxIntervalMs: 3_600_000 } }
      : {}),
    // The no-op handler: synchronous, so the engine spends no promise on it.
    handler: () => {
      if (seen++ === 0) {
        timing.firstAt = process.hrtime.bigint();
        timing.cpuAtFirst = process.cpuUsage();
      }
      if (seen === expected) {
        timing.lastAt = process.hrtime.bigint();
        timing.cpuAtLast = process.cpuUsage();
        done();
      }
    },
  });
  session.on('committed', (event) => {
    if (!event.sync && !event.error) commits++;
  });
  session.on('error', (event) => process.stderr.write(`engine error: ${event.error.message}\n`));
  baseline();
  timing.subscribedAt = process.hrtime.bigint();
  await session.start();
  await finished;
  await session.stop();
  return commits;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '') as WorkerArgs;
  const stopMemory = sampleMemory(20);
  let baseRss = 0;
  const baseline = () => (baseRss = process.memoryUsage.rss());
  const timing: Timing = { subscribedAt: process.hrtime.bigint() };
  const commits =
    args.side === 'engine' || args.side === 'engineNoCommits'
      ? await runEngine(args, timing, baseline)
      : await runRaw(args, timing, baseline);
  const { peakRss: peakRssMiB, peakHeapTotal } = stopMemory();
  const { firstAt, lastAt, cpuAtFirst, cpuAtLast } = timing;
  if (firstAt === undefined || lastAt === undefined || !cpuAtFirst || !cpuAtLast)
    throw new Error(`${args.side}: the run ended without its timing`);
  const seconds = Number(lastAt - firstAt) / 1e9;
  const result: WorkerResult = {
    side: args.side,
    items: args.expected,
    seconds,
    perSecond: args.expected / seconds,
    joinSeconds: Number(firstAt - timing.subscribedAt) / 1e9,
    peakRssMiB,
    peakHeapTotalMiB: peakHeapTotal,
    baseRssMiB: mib(baseRss),
    cpuUserSeconds: (cpuAtLast.user - cpuAtFirst.user) / 1e6,
    cpuSystemSeconds: (cpuAtLast.system - cpuAtFirst.system) / 1e6,
    commits,
  };
  process.stdout.write(`${resultPrefix}${JSON.stringify(result)}\n`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
