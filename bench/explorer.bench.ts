// Issue 5, "Scale": with 5,000 topics on the local broker, the first level of Topics appears within
// 1 s of expanding. `npm run bench -- explorer`.
//
// The Clusters view's Topics level (ClustersView.getChildren(topics folder)) runs
// loadTopicPage(admin, ...) — one metadata request, summarize, filter, sort, page to 500 — and
// wraps each topic's topicItemView in a TreeItem. This bench runs that same code with a real
// KafkaAdmin against the broker: cold (a new admin client per sample, so connecting is included,
// as on the first expand after VS Code starts) and warm (the cached client, as on a refresh), plus
// a glob filter. Only the vscode.TreeItem wrapper itself is left out (it runs in VS Code only).
//
// The 5,000 topics (`bench-5k-00001`…, 1 partition, RF 1) are created when missing, 500 per
// CreateTopics request (bench/explorer/topicBatches.ts), and deleted the same way at the end, also
// after a failure or Ctrl+C; KAFKA_LAB_BENCH_KEEP_TOPICS=1 keeps them for a quick rerun.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IAdminClient, Metadata } from '@confluentinc/kafka-javascript';
import { KafkaAdmin } from '../src/core/kafka/admin';
import { loadNativeClient } from '../src/core/kafka/nativeClient';
import {
  globMatcher,
  loadTopicPage,
  pageTopics,
  summarizeTopics,
  TOPIC_PAGE_SIZE,
  type TopicPageRequest,
  topicItemView,
} from '../src/core/kafka/topicList';
import { type TopicResults, WireConnection } from './explorer/topicBatches';
import type { Bench, Comparison, Measurement } from './harness';

const root = path.resolve(__dirname, '..', '..');
const services = JSON.parse(fs.readFileSync(path.join(root, 'test', 'services.json'), 'utf8')) as {
  kafka: { plaintext: string };
};
const bootstrapServers = services.kafka.plaintext;

const topicPrefix = 'bench-5k-';
/** BENCH_EXPLORER_TOPICS overrides the count (for a quick trial; the issue's number is 5,000). */
const topicCount = Math.max(1, Number(process.env.BENCH_EXPLORER_TOPICS ?? 5000) || 5000);
/** Samples per measurement; BENCH_EXPLORER_SAMPLES overrides (at least 5). */
const samples = Math.max(5, Number(process.env.BENCH_EXPLORER_SAMPLES ?? 20) || 20);
const keepTopics = process.env.KAFKA_LAB_BENCH_KEEP_TOPICS === '1';
const budgetMs = 1000;
/** Topics per CreateTopics / DeleteTopics request. */
const batchSize = 500;
const adminTimeoutMs = 30_000;
/** The glob of the filter sample: 1,000 of the 5,000 topics match, so it still fills a page. */
const filterGlob = `${topicPrefix}01*`;
const clusterId = 'bench';

const topicName = (i: number): string => `${topicPrefix}${String(i).padStart(5, '0')}`;
const log = (line: string): void => console.log(`  [explorer bench] ${line}`);
const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;

// ------------------------------------------------------------------ topics

type RawAdmin = IAdminClient & {
  _client: {
    getMetadata(
      options: { allTopics: boolean; timeout: number },
      cb: (err: { message?: string } | null, md: Metadata) => void,
    ): void;
  };
};

function rawAdmin(): RawAdmin {
  const native = loadNativeClient();
  return native.AdminClient.create({
    'bootstrap.servers': bootstrapServers,
    'client.id': 'kafka-consumer-lab-bench-explorer',
  }) as RawAdmin;
}

function rawMetadata(admin: RawAdmin): Promise<Metadata> {
  return new Promise((resolve, reject) =>
    admin._client.getMetadata({ allTopics: true, timeout: adminTimeoutMs }, (err, md) =>
      err ? reject(new Error(`metadata: ${err.message ?? String(err)}`)) : resolve(md),
    ),
  );
}

async function benchTopicsPresent(admin: RawAdmin): Promise<Set<string>> {
  const metadata = await rawMetadata(admin);
  return new Set(metadata.topics.map((t) => t.name).filter((n) => n.startsWith(topicPrefix)));
}

const TOPIC_ALREADY_EXISTS = 36;
const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** Set on Ctrl+C / SIGTERM: stops creating topics between requests. */
let aborted = false;

/** Sends `names` in requests of `batchSize` topics over one connection; fails with the first error not in `tolerated`. */
async function inBatches(
  names: readonly string[],
  what: string,
  send: (wire: WireConnection, batch: readonly string[]) => Promise<TopicResults>,
  tolerated: number,
  interruptible: boolean,
): Promise<void> {
  if (names.length === 0) return;
  const wire = await WireConnection.connect(bootstrapServers);
  try {
    await wire.checkVersions();
    for (let i = 0; i < names.length; i += batchSize) {
      if (interruptible) checkAborted();
      const batch = names.slice(i, i + batchSize);
      const results = await send(wire, batch);
      const failed = batch.filter((t) => {
        const code = results.get(t)?.code;
        return code === undefined || (code !== 0 && code !== tolerated);
      });
      if (failed.length) {
        const first = results.get(failed[0]);
        throw new Error(
          `${what}: ${failed.length} of ${batch.length} topic(s) failed, first ${failed[0]}: ${first ? `error code ${first.code}${first.message ? ` (${first.message})` : ''}` : 'not in the answer'}`,
        );
      }
    }
  } finally {
    wire.close();
  }
}

async function waitFor(
  what: string,
  boundMs: number,
  interruptible: boolean,
  done: () => Promise<boolean>,
): Promise<void> {
  const started = Date.now();
  while (!(await done())) {
    if (interruptible) checkAborted();
    if (Date.now() - started > boundMs) throw new Error(`${what}: not done after ${boundMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface Setup {
  readonly existing: number;
  readonly created: number;
  readonly createSeconds: number;
  /** From the first create request until metadata lists every topic. */
  readonly listedSeconds: number;
}

/** Creates the missing bench topics in batches and waits until metadata lists all of them. */
async function ensureTopics(admin: RawAdmin): Promise<Setup> {
  const wanted = Array.from({ length: topicCount }, (_, i) => topicName(i + 1));
  const present = await benchTopicsPresent(admin);
  const missing = wanted.filter((t) => !present.has(t));
  log(
    `${present.size} of ${topicCount} topics exist; creating ${missing.length} (${batchSize} per CreateTopics request)`,
  );
  const started = process.hrtime.bigint();
  await inBatches(
    missing,
    'create topics',
    (wire, batch) => wire.createTopics(batch, 1, 1, adminTimeoutMs),
    TOPIC_ALREADY_EXISTS,
    true,
  );
  const createSeconds = seconds(started);
  const wantedSet = new Set(wanted);
  await waitFor(
    `metadata listing ${topicCount} ${topicPrefix}* topics`,
    120_000,
    true,
    async () => [...(await benchTopicsPresent(admin))].filter((t) => wantedSet.has(t)).length === topicCount,
  );
  return { existing: present.size, created: missing.length, createSeconds, listedSeconds: seconds(started) };
}

interface Cleanup {
  readonly deleted: number;
  readonly seconds: number;
}

/** Deletes every `bench-5k-*` topic (also ones a failed earlier run left), in batches. */
async function deleteTopics(): Promise<Cleanup> {
  const admin = rawAdmin();
  try {
    const started = process.hrtime.bigint();
    // Deletes what metadata lists and was not asked for yet: also topics a create request still
    // in flight (on Ctrl+C) adds after the first listing.
    const requested = new Set<string>();
    const deleteListed = async (): Promise<number> => {
      const present = [...(await benchTopicsPresent(admin))].sort();
      const fresh = present.filter((t) => !requested.has(t));
      for (const t of fresh) requested.add(t);
      await inBatches(
        fresh,
        'delete topics',
        (wire, batch) => wire.deleteTopics(batch, adminTimeoutMs),
        UNKNOWN_TOPIC_OR_PARTITION,
        false,
      );
      return present.length;
    };
    await deleteListed();
    await waitFor(
      `metadata dropping the ${topicPrefix}* topics`,
      120_000,
      false,
      async () => (await deleteListed()) === 0,
    );
    return { deleted: requested.size, seconds: seconds(started) };
  } finally {
    admin.disconnect();
  }
}

/**
 * On Ctrl+C / SIGTERM while the bench runs: the run stops at its next step (a request, a poll, a
 * sample), its `finally` deletes the topics, and the process exits 130. A second Ctrl+C quits at
 * once, without cleaning up.
 */
function stopOnSignal(): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    aborted = true;
    log(
      `${signal}: stopping; ${keepTopics ? 'keeping' : 'deleting'} the ${topicPrefix}* topics before exiting (press Ctrl+C again to quit at once)`,
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

function checkAborted(): void {
  if (aborted) throw new Error('interrupted by a signal');
}

// ------------------------------------------------------------------ measurements

interface Expand {
  readonly ms: number;
  readonly items: number;
  readonly total: number;
  readonly more: boolean;
}

/** What ClustersView.topics(cluster) does, minus the vscode.TreeItem wrapper: load the page, describe each item. */
async function expandTopics(
  admin: KafkaAdmin,
  request: TopicPageRequest,
): Promise<Expand & { readonly first?: string }> {
  const started = process.hrtime.bigint();
  const page = await loadTopicPage(admin, request);
  const items = page.topics.map((t) => topicItemView(clusterId, t));
  const ms = seconds(started) * 1000;
  return { ms, items: items.length, total: page.total, more: page.more, first: items[0]?.label };
}

function newAdmin(): KafkaAdmin {
  // As the extension opens it (src/platform/clusterClients.ts): a 10 s bound per call.
  return new KafkaAdmin({ bootstrapServers }, { timeoutMs: 10_000 });
}

async function cold(request: TopicPageRequest): Promise<Expand> {
  const started = process.hrtime.bigint();
  const admin = newAdmin();
  try {
    const result = await expandTopics(admin, request);
    return { ...result, ms: seconds(started) * 1000 };
  } finally {
    admin.close();
  }
}

/** Metadata in memory → summarize + sort + page + items: the CPU part of an expand, no network. */
function processOnly(metadata: Metadata, request: TopicPageRequest): Expand {
  const started = process.hrtime.bigint();
  const page = pageTopics(summarizeTopics(metadata, request), request);
  const items = page.topics.map((t) => topicItemView(clusterId, t));
  return { ms: seconds(started) * 1000, items: items.length, total: page.total, more: page.more };
}

/** Time to require the native client in a fresh node process (the first expand after VS Code starts pays it once). */
function nativeLoadMs(): number | undefined {
  const script =
    "const t=process.hrtime.bigint();require('@confluentinc/kafka-javascript');console.log(Number(process.hrtime.bigint()-t)/1e6)";
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    const value = Number(r.stdout.trim());
    if (r.status !== 0 || !Number.isFinite(value)) return undefined;
    runs.push(value);
  }
  return median(runs);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface Series {
  readonly label: string;
  readonly runs: Expand[];
}

function stats(series: Series): {
  median: number;
  p95: number;
  min: number;
  max: number;
  items: number;
  total: number;
} {
  const ms = series.runs.map((r) => r.ms);
  return {
    median: median(ms),
    p95: percentile(ms, 95),
    min: Math.min(...ms),
    max: Math.max(...ms),
    items: series.runs[0].items,
    total: series.runs[0].total,
  };
}

function rows(series: Series): Measurement[] {
  const s = stats(series);
  const row = (what: string, ms: number): Measurement => ({
    name: `${series.label}, ${what} of ${series.runs.length}`,
    perSecond: s.items / (ms / 1000),
    items: s.items,
    seconds: ms / 1000,
  });
  return [row('median', s.median), row('p95', s.p95)];
}

/** Checks each sample saw a full first page; other topics may come and go on a shared broker, so the total is a lower bound unless exact. */
function check(series: Series, items: number, total: number, exact: boolean): void {
  for (const r of series.runs) {
    if (r.items !== items || (exact ? r.total !== total : r.total < total))
      throw new Error(
        `${series.label}: ${r.items} items of ${r.total}, expected ${items} of ${exact ? '' : 'at least '}${total}`,
      );
  }
}

const fmtMs = (ms: number): string => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;

export const bench: Bench = {
  key: 'explorer-topics-5k',
  needsServices: true,
  async run(): Promise<Comparison> {
    const stopSignals = stopOnSignal();
    let setup: Setup | undefined;
    let cleanup: Cleanup | undefined;
    const series: Record<'cold' | 'warm' | 'filter' | 'process', Series> = {
      cold: { label: 'expand Topics, cold (new admin client: connect + metadata + page + items)', runs: [] },
      warm: { label: 'expand Topics, warm (cached admin client)', runs: [] },
      filter: { label: `expand Topics, warm, filter "${filterGlob}"`, runs: [] },
      process: { label: 'summarize + sort + page + items only (metadata in memory)', runs: [] },
    };
    let allTopics = 0;
    let nativeMs: number | undefined;
    try {
      const admin = rawAdmin();
      let metadata: Metadata;
      try {
        setup = await ensureTopics(admin);
        log(
          setup.created
            ? `created ${setup.created} topics in ${setup.createSeconds.toFixed(1)} s (${Math.round(setup.created / setup.createSeconds)}/s); metadata listed all ${topicCount} after ${setup.listedSeconds.toFixed(1)} s`
            : `reusing ${topicCount} ${topicPrefix}* topics`,
        );
        metadata = await rawMetadata(admin);
      } finally {
        admin.disconnect();
      }
      allTopics = summarizeTopics(metadata).length;
      const firstPage = Math.min(TOPIC_PAGE_SIZE, allTopics);

      // Cold: interleaved with warm so both see the machine's load of the moment.
      const warmAdmin = newAdmin();
      try {
        await expandTopics(warmAdmin, {}); // connects the cached client
        for (let i = 0; i < samples; i++) {
          checkAborted();
          series.cold.runs.push(await cold({}));
          series.warm.runs.push(await expandTopics(warmAdmin, {}));
          series.filter.runs.push(await expandTopics(warmAdmin, { glob: filterGlob }));
        }
      } finally {
        warmAdmin.close();
      }
      for (let i = 0; i < samples; i++) series.process.runs.push(processOnly(metadata, {}));
      const filtered = Array.from({ length: topicCount }, (_, i) => topicName(i + 1)).filter(
        globMatcher(filterGlob),
      ).length;
      check(series.cold, firstPage, topicCount, false);
      check(series.warm, firstPage, topicCount, false);
      check(series.process, firstPage, allTopics, true);
      check(series.filter, Math.min(TOPIC_PAGE_SIZE, filtered), filtered, true);
      nativeMs = nativeLoadMs();
      for (const s of Object.values(series)) {
        const st = stats(s);
        log(
          `${s.label}: median ${fmtMs(st.median)}, p95 ${fmtMs(st.p95)} (min ${fmtMs(st.min)}, max ${fmtMs(st.max)}), ${st.items} items of ${st.total}`,
        );
      }
    } finally {
      try {
        if (keepTopics) log(`KAFKA_LAB_BENCH_KEEP_TOPICS=1: keeping the ${topicPrefix}* topics`);
        else {
          cleanup = await deleteTopics();
          log(`deleted ${cleanup.deleted} topics in ${cleanup.seconds.toFixed(1)} s`);
        }
      } finally {
        stopSignals();
        if (aborted) process.exit(130);
      }
    }

    const c = stats(series.cold);
    const w = stats(series.warm);
    const f = stats(series.filter);
    const p = stats(series.process);
    const measurements: Measurement[] = [
      ...rows(series.cold),
      ...rows(series.warm),
      ...rows(series.filter),
      ...rows(series.process),
    ];
    if (setup && setup.created > 0) {
      measurements.push({
        name: `create ${setup.created} topics (1 partition, RF 1), until metadata lists them`,
        perSecond: setup.created / setup.listedSeconds,
        items: setup.created,
        seconds: setup.listedSeconds,
      });
    }
    if (cleanup)
      measurements.push({
        name: `delete ${cleanup.deleted} topics, until metadata drops them`,
        perSecond: cleanup.deleted / cleanup.seconds,
        items: cleanup.deleted,
        seconds: cleanup.seconds,
      });
    return {
      key: 'explorer-topics-5k',
      description: `Clusters view, expand Topics with ${topicCount.toLocaleString('en-US')} ${topicPrefix}* topics (${allTopics.toLocaleString('en-US')} non-internal topics on the broker): time until the first page's ${TOPIC_PAGE_SIZE} items are ready; budget ${budgetMs} ms`,
      measurements,
      ratios: {
        'budget/cold median': budgetMs / c.median,
        'budget/cold p95': budgetMs / c.p95,
        'budget/warm median': budgetMs / w.median,
        'budget/warm p95': budgetMs / w.p95,
        'budget/filter median': budgetMs / f.median,
      },
      targets: { 'budget/cold p95': 1, 'budget/warm p95': 1 },
      notes: [
        `cold: median ${fmtMs(c.median)}, p95 ${fmtMs(c.p95)}; warm: median ${fmtMs(w.median)}, p95 ${fmtMs(w.p95)}; filter "${filterGlob}" (${f.total} match): median ${fmtMs(f.median)}, p95 ${fmtMs(f.p95)}; in-memory part: median ${fmtMs(p.median)}, p95 ${fmtMs(p.p95)}; first page ${c.items} items of ${c.total}`,
        `the code path of ClustersView.getChildren(Topics): loadTopicPage (KafkaAdmin.listTopics = one metadata request for all topics, no per-topic describe; summarize, sort, filter, page to ${TOPIC_PAGE_SIZE}) + topicItemView per item; only the vscode.TreeItem wrapper and resolving the connection's secrets are left out`,
        `cold = a new KafkaAdmin per sample (client created, bootstrap connection, metadata), as on the first expand; warm = the cached client, as on refresh or "Load more"; ${samples} samples each, cold/warm/filter interleaved; p95 is nearest-rank (the ${Math.ceil(0.95 * samples)}th of ${samples})`,
        nativeMs === undefined
          ? 'native client load time could not be measured'
          : `the first expand after VS Code starts also loads the native client once: ${fmtMs(nativeMs)} (require in a fresh node process, median of 3), so cold median + load = ${fmtMs(c.median + nativeMs)}`,
        setup
          ? setup.created > 0
            ? `setup: created ${setup.created} topics (${setup.existing} existed) in ${setup.createSeconds.toFixed(1)} s in CreateTopics requests of ${batchSize}; metadata listed all after ${setup.listedSeconds.toFixed(1)} s`
            : `setup: all ${topicCount} topics existed (kept by KAFKA_LAB_BENCH_KEEP_TOPICS=1)`
          : 'setup did not finish',
        cleanup
          ? `cleanup: deleted ${cleanup.deleted} topics in ${cleanup.seconds.toFixed(1)} s`
          : `cleanup: topics kept (KAFKA_LAB_BENCH_KEEP_TOPICS=1)`,
        `machine load average at the end: ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} on ${os.cpus().length} CPUs`,
      ],
    };
  },
};
