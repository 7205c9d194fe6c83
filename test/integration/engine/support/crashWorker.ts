// A child process for the at-least-once crash test (crash.test.ts): it runs one ConsumerSession in
// running mode and appends every processed message to a log file BEFORE the handler returns, so the
// parent, which SIGKILLs this process at random points, knows exactly what was processed.
//
// Usage: node crashWorker.js '<CrashWorkerConfig as JSON>'
// IPC (parent -> worker): { type: 'stop' } stops the session gracefully (commit on close) and exits 0.
// IPC (worker -> parent): { type: 'running' }, { type: 'event', text } (rebalances, errors).
import * as fs from 'node:fs';
import type { CommitPolicy } from '../../../../src/core/engine/commitPolicy';
import { ConsumerSession } from '../../../../src/core/engine/session';
import { stopOnRequest, stopRequested } from './workerLifecycle';

export interface CrashWorkerConfig {
  readonly bootstrapServers: string;
  readonly topic: string;
  readonly groupId: string;
  /** group.instance.id: a restarted worker takes the killed one's place without waiting for its session timeout. */
  readonly instanceId: string;
  readonly logPath: string;
  /** Written on every log line, so the parent knows which run processed what. */
  readonly run: number;
  readonly commitPolicy: CommitPolicy;
  readonly concurrency: number;
  readonly partitionConcurrency: number;
  readonly maxBufferedMessages: number;
  /** Simulated work per message, uniform in [min, max] ms. */
  readonly workMs: readonly [number, number];
}

const config = JSON.parse(process.argv[2] ?? '') as CrashWorkerConfig;
const send = (message: object): void => {
  if (process.connected) process.send?.(message);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// O_APPEND and one write(2) per line: a line is in the file (the kernel's page cache, which a
// SIGKILL of this process does not touch) before the handler returns. fsync would only matter for
// an operating-system crash, which this test does not simulate.
const fd = fs.openSync(config.logPath, 'a');

const session = new ConsumerSession({
  connection: { bootstrapServers: config.bootstrapServers, clientId: `crash-worker-${config.run}` },
  groupId: config.groupId,
  topics: [config.topic],
  autoOffsetReset: 'earliest',
  commitPolicy: config.commitPolicy,
  concurrency: config.concurrency,
  partitionConcurrency: config.partitionConcurrency,
  maxBufferedMessages: config.maxBufferedMessages,
  consumerConfig: {
    'group.instance.id': config.instanceId,
    'session.timeout.ms': 10_000,
    'heartbeat.interval.ms': 500,
  },
  handler: async (m) => {
    const [min, max] = config.workMs;
    await sleep(min + Math.random() * (max - min));
    const seq = (JSON.parse(m.value?.toString() ?? '{}') as { seq?: number }).seq ?? -1;
    fs.writeSync(fd, `${config.run} ${m.partition} ${m.offset} ${seq}\n`);
  },
});
session.on('rebalance', (e) =>
  send({ type: 'event', text: `${e.kind} ${e.partitions.map((p) => p.partition).join(',')} (${e.protocol})` }),
);
session.on('error', (e) => send({ type: 'event', text: `error: ${e.error.message}` }));
session.on('committed', (e) => {
  if (e.error) send({ type: 'event', text: `commit failed (${e.reason}): ${e.error}` });
});

stopOnRequest(async () => {
  try {
    await session.stop();
  } finally {
    fs.closeSync(fd);
  }
}, 20_000);

session
  .start()
  .then(() => send({ type: 'running' }))
  .catch((error: unknown) => {
    // Stopped while it started: the stop ends the process once everything is closed.
    if (stopRequested()) return;
    process.stderr.write(`crash worker could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(4);
  });
