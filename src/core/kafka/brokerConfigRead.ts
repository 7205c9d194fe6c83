import type { Admin } from 'kafkajs';
import { KafkaClientError } from '../errors';
import { type Logger, silentLogger } from '../logging';
import type { AdminErrorSubject } from './adminErrors';
import { withBoundedKafkajsAdmin } from './boundedKafkajsAdmin';
import type { ClusterConnection } from './connection';

/** kafkajs's ConfigResourceTypes.BROKER (the Kafka protocol's resource type 4). */
const BROKER_RESOURCE = 4;

export interface BrokerRead {
  readonly admin: Admin;
  /** How many brokers the cluster listed. */
  readonly brokers: number;
  /** The broker whose configs are read: the controller, else the first listed. */
  readonly brokerId: number;
  /** That broker's values of the named configs (absent when it does not name one). */
  readonly configs: ReadonlyMap<string, string>;
}

export interface BrokerReadOptions {
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  /** The logger scope, e.g. `group-protocols`. */
  readonly scope: string;
  /** What is being read, for errors: "Could not <operation>: …". */
  readonly operation: string;
}

/**
 * Connects a short-lived kafkajs admin, reads one broker's `configNames`, and lets `read` derive
 * its answer (it may make more admin calls). Bounded by `timeoutMs` as a whole; fails with a typed
 * KafkaClientError; always disconnects (also when the bound fires first).
 */
export async function readBrokerConfigs<T>(
  connection: ClusterConnection,
  configNames: readonly string[],
  options: BrokerReadOptions,
  read: (facts: BrokerRead, logger: Logger) => Promise<T>,
): Promise<T> {
  const logger = (options.logger ?? silentLogger).child(options.scope);
  const subject: AdminErrorSubject = { operation: options.operation };
  return withBoundedKafkajsAdmin(
    connection,
    { timeoutMs: options.timeoutMs ?? 10_000, logger, subject },
    async (admin) => {
      const cluster = await admin.describeCluster();
      const broker = cluster.brokers.find((b) => b.nodeId === cluster.controller) ?? cluster.brokers[0];
      if (!broker)
        throw new KafkaClientError('unknown', `Could not ${subject.operation}: the cluster listed no broker.`);
      const response = await admin.describeConfigs({
        resources: [{ type: BROKER_RESOURCE, name: String(broker.nodeId), configNames: [...configNames] }],
        includeSynonyms: false,
      });
      const configs = new Map<string, string>();
      for (const e of response.resources[0]?.configEntries ?? [])
        if (e.configValue !== null && e.configValue !== undefined) configs.set(e.configName, e.configValue);
      return read({ admin, brokers: cluster.brokers.length, brokerId: broker.nodeId, configs }, logger);
    },
  );
}
