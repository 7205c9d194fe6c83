import type { Admin } from 'kafkajs';
import { KafkaClientError } from '../errors';
import { type Logger, silentLogger } from '../logging';
import type { AdminErrorSubject } from './adminErrors';
import type { ClassifyContext } from './clientErrors';
import { type ClusterConnection, principalOf, validateConnection } from './connection';
import { toKafkajsConfig } from './kafkajsConfig';
import { fromKafkajsError, overallTimeout } from './kafkajsErrors';
import { disconnectQuietly, withinBound } from './topicConfigs';

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
  const timeoutMs = options.timeoutMs ?? 10_000;
  const logger = (options.logger ?? silentLogger).child(options.scope);
  const subject: AdminErrorSubject = { operation: options.operation };
  const context: ClassifyContext = {
    bootstrapServers: connection.bootstrapServers,
    username: principalOf(connection),
    mechanism: connection.sasl?.mechanism,
    waitedMs: timeoutMs,
  };
  validateConnection(connection);
  const { Kafka } = await import('kafkajs');
  let admin: Admin;
  try {
    admin = new Kafka(toKafkajsConfig(connection, { timeoutMs, logger })).admin();
  } catch (error) {
    throw fromKafkajsError(error, subject, context);
  }
  const work = (async (): Promise<T> => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const broker = cluster.brokers.find((b) => b.nodeId === cluster.controller) ?? cluster.brokers[0];
    if (!broker) throw new KafkaClientError('unknown', `Could not ${subject.operation}: the cluster listed no broker.`);
    const response = await admin.describeConfigs({
      resources: [{ type: BROKER_RESOURCE, name: String(broker.nodeId), configNames: [...configNames] }],
      includeSynonyms: false,
    });
    const configs = new Map<string, string>();
    for (const e of response.resources[0]?.configEntries ?? [])
      if (e.configValue !== null && e.configValue !== undefined) configs.set(e.configName, e.configValue);
    return read({ admin, brokers: cluster.brokers.length, brokerId: broker.nodeId, configs }, logger);
  })();
  let settled = false;
  const late = work.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  try {
    return await withinBound(work, timeoutMs, () => overallTimeout(subject, context, timeoutMs));
  } catch (error) {
    if (error instanceof KafkaClientError) throw error;
    throw fromKafkajsError(error, subject, context);
  } finally {
    if (!settled) void late.then(() => disconnectQuietly(admin, logger));
    await disconnectQuietly(admin, logger);
  }
}
