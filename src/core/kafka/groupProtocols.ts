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
const PROTOCOLS_CONFIG = 'group.coordinator.rebalance.protocols';

export interface GroupProtocolSupport {
  /** The broker's group.coordinator.rebalance.protocols, e.g. classic, consumer, streams. */
  readonly protocols: readonly string[];
  /** Whether a consumer may join with group.protocol=consumer (KIP-848). */
  readonly consumer: boolean;
  /** The broker that answered. */
  readonly brokerId: number;
}

/**
 * The consumer group protocols a cluster accepts, as a broker's `group.coordinator.rebalance.protocols`
 * says (Kafka 4.0+ has `consumer` in it by default; 3.x brokers have `classic` only unless enabled by
 * hand; a broker without the setting knows only classic). It matters because librdkafka, told to use
 * the consumer protocol on a broker without it, never joins and reports no error: the start flow asks
 * first. Bounded by `timeoutMs`; fails with a typed KafkaClientError; always disconnects.
 */
export async function describeGroupProtocols(
  connection: ClusterConnection,
  options: { readonly timeoutMs?: number; readonly logger?: Logger } = {},
): Promise<GroupProtocolSupport> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const logger = (options.logger ?? silentLogger).child('group-protocols');
  const subject: AdminErrorSubject = { operation: 'read which consumer group protocols the cluster accepts' };
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
  const work = (async (): Promise<GroupProtocolSupport> => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const broker = cluster.brokers.find((b) => b.nodeId === cluster.controller) ?? cluster.brokers[0];
    if (!broker) throw new KafkaClientError('unknown', `Could not ${subject.operation}: the cluster listed no broker.`);
    const response = await admin.describeConfigs({
      resources: [{ type: BROKER_RESOURCE, name: String(broker.nodeId), configNames: [PROTOCOLS_CONFIG] }],
      includeSynonyms: false,
    });
    const entry = response.resources[0]?.configEntries.find((e) => e.configName === PROTOCOLS_CONFIG);
    const protocols = (entry?.configValue ?? 'classic')
      .split(',')
      .map((p) => p.trim().toLowerCase())
      .filter(Boolean);
    return { protocols, consumer: protocols.includes('consumer'), brokerId: broker.nodeId };
  })();
  let settled = false;
  const late = work.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  try {
    const support = await withinBound(work, timeoutMs, () => overallTimeout(subject, context, timeoutMs));
    logger.debug(`broker ${support.brokerId}: ${PROTOCOLS_CONFIG}=${support.protocols.join(',')}`);
    return support;
  } catch (error) {
    if (error instanceof KafkaClientError) throw error;
    throw fromKafkajsError(error, subject, context);
  } finally {
    if (!settled) void late.then(() => disconnectQuietly(admin, logger));
    await disconnectQuietly(admin, logger);
  }
}
