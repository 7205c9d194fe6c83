// Issue 3, "Speed": the engine in running mode with a no-op handler vs the raw client's fastest
// consume loop, on the same 500k x 256 B topic over 6 partitions. `npm run bench -- engine`.
//
// Each run is a child process (bench/engine/worker.ts) with a fresh group id, consuming from the
// beginning until all messages were seen; its time runs from the first message to the last (the
// group join is excluded and reported apart), and its peak RSS is its own. The sides alternate
// (raw, engine, rawCommits; raw, engine, ...) and each side's median run is compared. rawCommits
// (the raw loop plus the engine's default commit rate) shows what the commits alone cost.
// Profile the runs with BENCH_ENGINE_CPU_PROF=<dir> (see bench/engine/profileSummary.ts).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdminClient, Producer, type IAdminClient } from '@confluentinc/kafka-javascript';
import type { Bench, Comparison, Measurement } from './harness';
import {
  benchTopic,
  commitEvery,
  consumeBatch,
  consumeTimeoutMs,
  fetchSettings,
  messageCount,
  partitionCount,
  resultPrefix,
  type Side,
  type WorkerArgs,
  type WorkerResult,
  valueBytes,
} from './engine/settings';

const root = path.resolve(__dirname, '..', '..');
const services = JSON.parse(fs.readFileSync(path.join(root, 'test', 'services.json'), 'utf8')) as {
  kafka: { plaintext: string };
};
const bootstrapServers = services.kafka.plaintext;
const workerScript = path.join(__dirname, 'engine', 'worker.js');

/** Rounds of (raw, engine, rawCommits); BENCH_ENGINE_ROUNDS overrides (at least 2). */
const rounds = Math.max(2, Number(process.env.BENCH_ENGINE_ROUNDS ?? 5) || 5);
/** When set, each child runs with --cpu-prof into this directory. */
const profileDir = process.env.BENCH_ENGINE_CPU_PROF;
const runTimeoutMs = 180_000;

const log = (line: string): void => console.log(`  [engine bench] ${line}`);

// ------------------------------------------------------------------ topic

function withAdmin<T>(fn: (admin: IAdminClient) => Promise<T>): Promise<T> {
  const admin = AdminClient.create({
    'bootstrap.servers': bootstrapServers,
    'client.id': 'kafka-consumer-lab-bench-admin',
  });
  return fn(admin).finally(() => admin.disconnect());
}

async function topicPartitions(producer: Producer): Promise<number | undefined> {
  const metadata = await new Promise<{ topics: Array<{ name: string; partitions: unknown[] }> }>((resolve, reject) =>
    producer.getMetadata({ topic: benchTopic, timeout: 10_000 }, (err, md) =>
      err ? reject(new Error(`metadata: ${err.message}`)) : resolve(md),
    ),
  );
  const topic = metadata.topics.find((t) => t.name === benchTopic);
  return topic && topic.partitions.length > 0 ? topic.partitions.length : undefined;
}

async function highWatermarkSum(producer: Producer, partitions: number): Promise<number> {
  let sum = 0;
  for (let p = 0; p < partitions; p++) {
    const offsets = await new Promise<{ highOffset: number; lowOffset: number }>((resolve, reject) =>
      producer.queryWatermarkOffsets(benchTopic, p, 10_000, (err, o) =>
        err ? reject(new Error(`watermarks of ${benchTopic}[${p}]: ${err.message}`)) : resolve(o),
      ),
    );
    if (offsets.lowOffset > 0) return -1; // retention removed the start: not reusable
    sum += offsets.highOffset;
  }
  return sum;
}

async function recreateTopic(exists: boolean): Promise<void> {
  await withAdmin(async (admin) => {
    if (exists) {
      await new Promise<void>((resolve, reject) =>
        admin.deleteTopic(benchTopic, 15_000, (err) =>
          err ? reject(new Error(`delete ${benchTopic}: ${err.message}`)) : resolve(),
        ),
      );
    }
    // Just after a delete the broker may still report the topic as existing: retry for a while.
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) =>
          admin.createTopic(
            { topic: benchTopic, num_partitions: partitionCount, replication_factor: 1 },
            15_000,
            (err) => (err ? reject(err) : resolve()),
          ),
        );
        return;
      } catch (error) {
        if (attempt >= 30) throw new Error(`create ${benchTopic}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  });
}

/** Produces the topic once; reuses it while it has the right partitions and message count. */
async function ensureTopic(): Promise<{ produced: boolean; seconds: number }> {
  const producer = new Producer({
    'bootstrap.servers': bootstrapServers,
    'client.id': 'kafka-consumer-lab-bench-producer',
    acks: 1,
    'linger.ms': 20,
    'batch.size': 1024 * 1024,
    'batch.num.messages': 10_000,
    'compression.type': 'none',
    'queue.buffering.max.messages': 200_000,
    'queue.buffering.max.kbytes': 256 * 1024,
  });
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 15_000 }, (err) =>
      err ? reject(new Error(`producer could not connect: ${err.message}`)) : resolve(),
    ),
  );
  try {
    const partitions = await topicPartitions(producer).catch(() => undefined);
    if (partitions === partitionCount && (await highWatermarkSum(producer, partitions)) === messageCount)
      return { produced: false, seconds: 0 };
    log(
      partitions === undefined ? `creating ${benchTopic}` : `${benchTopic} has the wrong shape or count: recreating it`,
    );
    await recreateTopic(partitions !== undefined);
    const started = process.hrtime.bigint();
    // 256 B values, incompressible (random), numbered in their first 8 bytes; no key; round-robin partitions.
    const noise = randomBytes(valueBytes * 64);
    for (let i = 0; i < messageCount; i++) {
      const value = Buffer.allocUnsafe(valueBytes);
      noise.copy(value, 0, (i % 64) * valueBytes, (i % 64) * valueBytes + valueBytes);
      value.writeBigUInt64BE(BigInt(i), 0);
      for (;;) {
        try {
          producer.produce(benchTopic, i % partitionCount, value, null);
          break;
        } catch (error) {
          if ((error as { code?: number }).code !== -184 /* ERR__QUEUE_FULL */) throw error;
          producer.poll();
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    }
    await new Promise<void>((resolve, reject) =>
      producer.flush(120_000, (err) => (err ? reject(new Error(`flush: ${err.message}`)) : resolve())),
    );
    const sum = await highWatermarkSum(producer, partitionCount);
    if (sum !== messageCount) throw new Error(`${benchTopic} holds ${sum} messages after producing ${messageCount}`);
    return { produced: true, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

// ------------------------------------------------------------------ runs

type RunResult = WorkerResult & { readonly groupId: string };

function runWorker(side: Side, round: number): Promise<RunResult> {
  const args: WorkerArgs = {
    side,
    bootstrapServers,
    topic: benchTopic,
    expected: messageCount,
    groupId: `bench-engine-${side}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
  };
  const nodeArgs = profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${side}-${round}.cpuprofile`]
    : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, workerScript, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), runTimeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(resultPrefix));
      if (code !== 0 || !line) {
        reject(
          new Error(
            `${side} run ${round} ended with ${signal ?? `code ${code}`}${signal === 'SIGKILL' ? ` (timeout ${runTimeoutMs} ms)` : ''}: ${stderr.trim() || stdout.trim()}`,
          ),
        );
        return;
      }
      if (stderr.trim()) log(`${side} run ${round} stderr: ${stderr.trim()}`);
      resolve({ ...(JSON.parse(line.slice(resultPrefix.length)) as WorkerResult), groupId: args.groupId });
    });
  });
}

async function deleteGroupsQuietly(groups: string[]): Promise<void> {
  try {
    await withAdmin(
      (admin) => new Promise<void>((resolve) => admin.deleteGroups(groups, { timeout: 10_000 }, () => resolve())),
    );
  } catch {
    // The groups are unique per run; leaving them behind only costs the broker a little memory.
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const allSides: readonly Side[] = ['raw', 'engine', 'rawCommits', 'engineNoCommits'];
/**
 * By default raw, engine and rawCommits. BENCH_ENGINE_SIDES picks the optional ones: e.g. raw,engine
 * skips rawCommits; engineNoCommits adds the engine without commits during the run (its own cost).
 * raw and engine always run: the ratios need them.
 */
const sides: readonly Side[] = (() => {
  const wanted = (process.env.BENCH_ENGINE_SIDES ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  return wanted.length === 0
    ? allSides.filter((side) => side !== 'engineNoCommits')
    : allSides.filter((side) => side === 'raw' || side === 'engine' || wanted.includes(side));
})();
const labels: Record<Side, string> = {
  raw: 'raw consume loop',
  engine: 'engine, no-op handler',
  rawCommits: `raw consume loop + async commit every ${commitEvery}`,
  engineNoCommits: 'engine, no-op handler, no commits during the run',
};

export const bench: Bench = {
  key: 'engine-vs-raw-consume',
  needsServices: true,
  async run(): Promise<Comparison> {
    const topic = await ensureTopic();
    log(
      topic.produced
        ? `produced ${messageCount} x ${valueBytes} B into ${benchTopic} in ${topic.seconds.toFixed(1)} s`
        : `reusing ${benchTopic} (${messageCount} messages)`,
    );
    const results: Record<Side, RunResult[]> = { raw: [], engine: [], rawCommits: [], engineNoCommits: [] };
    const groups: string[] = [];
    try {
      for (let round = 1; round <= rounds; round++) {
        for (const side of sides) {
          const r = await runWorker(side, round);
          groups.push(r.groupId);
          results[side].push(r);
          log(
            `round ${round} ${side.padEnd(10)} ${fmt(r.perSecond).padStart(9)} msg/s  ${r.seconds.toFixed(2)} s  join ${r.joinSeconds.toFixed(2)} s  ` +
              `peak RSS ${r.peakRssMiB.toFixed(0)} MiB (heap ${r.peakHeapTotalMiB.toFixed(0)})  cpu ${(r.cpuUserSeconds + r.cpuSystemSeconds).toFixed(2)} s  commits ${r.commits}`,
          );
        }
      }
    } finally {
      await deleteGroupsQuietly(groups);
    }

    const summary = (side: Side) => {
      const runs = results[side];
      return {
        medianRate: median(runs.map((r) => r.perSecond)),
        bestRate: Math.max(...runs.map((r) => r.perSecond)),
        peakRss: Math.max(...runs.map((r) => r.peakRssMiB)),
        medianPeakRss: median(runs.map((r) => r.peakRssMiB)),
        heap: median(runs.map((r) => r.peakHeapTotalMiB)),
        baseRss: median(runs.map((r) => r.baseRssMiB)),
        join: median(runs.map((r) => r.joinSeconds)),
        cpuPerMillion: median(runs.map((r) => ((r.cpuUserSeconds + r.cpuSystemSeconds) / r.items) * 1e6)),
        commits: median(runs.map((r) => r.commits)),
      };
    };
    const s = Object.fromEntries(sides.map((side) => [side, summary(side)])) as Record<
      Side,
      ReturnType<typeof summary>
    >;
    const cpuOf = (r: RunResult): number => ((r.cpuUserSeconds + r.cpuSystemSeconds) / r.items) * 1e6;
    // CPU time per message is steadier than wall time on a shared machine: the figure to trust.
    const cpuRatio = s.engine.cpuPerMillion / s.raw.cpuPerMillion;
    const pairedCpuRatio = median(results.engine.map((r, i) => cpuOf(r) / cpuOf(results.raw[i])));
    // Adjacent runs share the machine's load of the moment: their ratio is the steadier estimate.
    const pairedRatio = median(results.engine.map((r, i) => r.perSecond / results.raw[i].perSecond));
    const measurement = (side: Side): Measurement => ({
      name: `${labels[side]}, median of ${rounds}`,
      perSecond: s[side].medianRate,
      items: messageCount,
      seconds: messageCount / s[side].medianRate,
      peakRssMiB: s[side].peakRss,
      cpuSecondsPerMillion: s[side].cpuPerMillion,
    });
    const perRun = (side: Side): Measurement[] =>
      results[side].map((r, i) => ({
        name: `${side} run ${i + 1}`,
        perSecond: r.perSecond,
        items: r.items,
        seconds: r.seconds,
        peakRssMiB: r.peakRssMiB,
        cpuSecondsPerMillion: cpuOf(r),
      }));
    const prefetch = Object.entries(fetchSettings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const perSide = (f: (side: Side) => string): string => sides.map((side) => `${side} ${f(side)}`).join(', ');
    return {
      key: 'engine-vs-raw-consume',
      description: `engine (running, no-op sync handler) vs raw KafkaConsumer.consume(${consumeBatch}) loop, ${messageCount} x ${valueBytes} B over ${partitionCount} partitions`,
      measurements: [...sides.map(measurement), ...sides.flatMap(perRun)],
      ratios: {
        'engine/raw': s.engine.medianRate / s.raw.medianRate,
        'engine/raw (median of per-round ratios)': pairedRatio,
        'engine/raw (best runs)': s.engine.bestRate / s.raw.bestRate,
        ...(s.rawCommits ? { 'engine/raw+commits': s.engine.medianRate / s.rawCommits.medianRate } : {}),
        ...(s.engineNoCommits
          ? {
              'raw/engine CPU per message, engine without commits':
                s.raw.cpuPerMillion / s.engineNoCommits.cpuPerMillion,
            }
          : {}),
        // CPU per message, raw over engine: 1 means the engine costs no more CPU than the raw loop.
        'raw/engine CPU per message': 1 / cpuRatio,
        'raw/engine CPU per message (median of per-round ratios)': 1 / pairedCpuRatio,
      },
      targets: { 'engine/raw': 0.9 },
      cpu: {
        rawSecondsPerMillion: s.raw.cpuPerMillion,
        engineSecondsPerMillion: s.engine.cpuPerMillion,
        engineOverRaw: cpuRatio,
        engineOverRawPaired: pairedCpuRatio,
      },
      notes: [
        `topic ${benchTopic}: ${messageCount} messages, ${valueBytes} B random values, no key, round-robin over ${partitionCount} partitions, uncompressed (produced once, reused while its high watermarks sum to ${messageCount})`,
        `each run: its own node process, a fresh group id, auto.offset.reset=earliest, one consumer; timed from the first message to the last, group join excluded (median join: ${perSide((x) => `${s[x].join.toFixed(2)} s`)})`,
        `sides alternate ${sides.join(', ')} in each of ${rounds} rounds; 'engine/raw' is the ratio of the medians`,
        `raw: consume(${consumeBatch}) in a tight loop, timeout ${consumeTimeoutMs} ms for the first message only, no processing, NO commits; rawCommits: the same plus consumer.commit(positions) every ${commitEvery} messages; engine: ConsumerSession, 1 member, running mode, sync no-op handler, default batch commit policy (async, every 500 messages or 5 s); median commits per run: ${perSide((x) => String(s[x].commits))}`,
        `same librdkafka settings on every side: ${prefetch}, cooperative-sticky, read_committed, auto commit and offset store off; the engine's own buffer is its default (5000 messages per member)`,
        `peak RSS per child process over the whole run (connect, join, consume, stop), max (median) over the runs: ${perSide((x) => `${s[x].peakRss.toFixed(0)} (${s[x].medianPeakRss.toFixed(0)}) MiB`)}; before subscribing: ${perSide((x) => `${s[x].baseRss.toFixed(0)} MiB`)}; peak V8 heap (heapTotal), median: ${perSide((x) => `${s[x].heap.toFixed(0)} MiB`)}`,
        `CPU of the child (all threads, librdkafka's included) per million messages, median: ${perSide((x) => `${s[x].cpuPerMillion.toFixed(2)} s`)}; engine/raw CPU per message ${cpuRatio.toFixed(3)} (median of per-round ratios ${pairedCpuRatio.toFixed(3)})`,
        `best runs: ${perSide((x) => `${fmt(s[x].bestRate)} msg/s`)}`,
        `machine load average at the end: ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} on ${os.cpus().length} CPUs (other work on the machine moves single runs; compare adjacent runs)`,
      ],
    };
  },
};
