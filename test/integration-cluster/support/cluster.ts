// The three-broker cluster of scripts/cluster.sh, as the failover tests drive it: its addresses
// (test/cluster.json), broker kills and restarts through the script (the one place that knows how),
// and the explorer's own admin layer (KafkaAdmin) to see leaders and ISRs move.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KafkaAdmin, type PartitionDetail } from '../../../src/core/kafka/admin';
import { waitFor } from '../../support/services';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const clusterJsonPath = process.env.KAFKA_LAB_CLUSTER_JSON || path.join(repoRoot, 'test', 'cluster.json');

interface ClusterJson {
  controller: { nodeId: number; listen: string };
  brokers: Array<{ nodeId: number; plaintext: string }>;
  replicationFactor: number;
  minInsyncReplicas: number;
}

export const clusterConfig: ClusterJson = JSON.parse(fs.readFileSync(clusterJsonPath, 'utf8'));
export const brokerIds: readonly number[] = clusterConfig.brokers.map((b) => b.nodeId);
export const bootstrap = clusterConfig.brokers.map((b) => b.plaintext).join(',');
export const connection = { bootstrapServers: bootstrap };

/** Runs `bash scripts/cluster.sh ARGS`, bounded; rejects with its output when it fails. */
export function clusterScript(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'bash',
      [path.join(repoRoot, 'scripts', 'cluster.sh'), ...args],
      { timeout: 240_000, killSignal: 'SIGKILL', cwd: repoRoot },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`scripts/cluster.sh ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`))
          : resolve(stdout),
    ),
  );
}

/** SIGKILL: no controlled shutdown, the controller fences the broker once its session expires. */
export const killBroker = (id: number): Promise<string> => clusterScript('kill', String(id));
/** Starts broker `id` again and waits until the controller has it registered. */
export const restartBroker = (id: number): Promise<string> => clusterScript('restart', String(id));
/** Starts whatever node is down (idempotent): every test begins and ends with all three brokers up. */
export const ensureClusterUp = (): Promise<string> => clusterScript('start');

export function clusterAdmin(): KafkaAdmin {
  const trace = process.env.CLUSTER_TEST_TRACE
    ? (level: string) => (message: string) => console.log(`[${new Date().toISOString()}] admin ${level}: ${message}`)
    : undefined;
  const logger = trace
    ? {
        trace: trace('trace'),
        debug: trace('debug'),
        info: trace('info'),
        warn: trace('warn'),
        error: trace('error'),
        child: () => logger,
      }
    : undefined;
  return new KafkaAdmin(
    { bootstrapServers: bootstrap, clientId: 'it-cluster-admin' },
    { timeoutMs: 10_000, ...(logger ? { logger: logger as never } : {}) },
  );
}

export async function partitionDetail(admin: KafkaAdmin, topic: string, partition: number): Promise<PartitionDetail> {
  const found = (await admin.describePartitions(topic)).find((p) => p.partition === partition);
  if (!found) throw new Error(`${topic} has no partition ${partition}`);
  return found;
}

/** Polls the explorer's view of a partition until `accept` holds (a broker may be down: errors are retried). */
export function waitForPartition(
  admin: KafkaAdmin,
  topic: string,
  partition: number,
  what: string,
  timeoutMs: number,
  accept: (p: PartitionDetail) => boolean,
): Promise<PartitionDetail> {
  let last = 'no answer yet';
  return waitFor(`${topic}[${partition}]: ${what}`, timeoutMs, async () => {
    try {
      const p = await partitionDetail(admin, topic, partition);
      last = `leader ${p.leader}, replicas ${p.replicas.join(',')}, ISR ${p.isr.join(',')}`;
      return accept(p) ? p : undefined;
    } catch (error) {
      last = String(error);
      return undefined;
    }
  }).catch((error: Error) => {
    throw new Error(`${error.message}; last seen: ${last}`);
  });
}

export const fullyReplicated = (p: PartitionDetail): boolean =>
  p.leader !== null && p.replicas.length === clusterConfig.replicationFactor && !p.underReplicated;

/** A topic with replication factor 3 on the cluster, once every partition has a leader and a full ISR. */
export async function createReplicatedTopic(
  admin: KafkaAdmin,
  name: string,
  partitions: number,
  configs?: Record<string, string>,
): Promise<void> {
  await admin.createTopic({ name, partitions, replicationFactor: clusterConfig.replicationFactor, configs });
  for (let p = 0; p < partitions; p++)
    await waitForPartition(admin, name, p, 'a leader and all three replicas in sync', 30_000, fullyReplicated);
}

/** Deletes the test's topics and groups; never fails (cleanup must not hide the test's result). */
export async function cleanUp(admin: KafkaAdmin, topics: readonly string[], groups: readonly string[]): Promise<void> {
  for (const group of groups) await admin.deleteGroup(group).catch(() => undefined);
  for (const topic of topics) await admin.deleteTopic(topic).catch(() => undefined);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
