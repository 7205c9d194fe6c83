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
const REPLICATION_FACTOR = 'transaction.state.log.replication.factor';
const MIN_ISR = 'transaction.state.log.min.isr';
/** The internal topic that holds the transaction coordinators' state. */
export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** What decides whether a cluster can run transactions at all, as its brokers describe it. */
export interface TransactionSupportFacts {
  readonly brokers: number;
  /** The broker that answered the config read. */
  readonly brokerId: number;
  /** `transaction.state.log.replication.factor`, if the broker named it. */
  readonly replicationFactor: number | undefined;
  /** `transaction.state.log.min.isr`, if the broker named it. */
  readonly minIsr: number | undefined;
  /** Whether __transaction_state exists already (then a coordinator has been running). */
  readonly stateTopicExists: boolean;
}

export interface TransactionSupport extends TransactionSupportFacts {
  /** Undefined when transactions can run; otherwise what is wrong and what to change. */
  readonly problem: string | undefined;
}

/**
 * Whether the facts allow a transaction coordinator. A broker creates __transaction_state on the
 * first transactional producer, with `transaction.state.log.replication.factor` replicas: with
 * more than the cluster has brokers it never can, and initTransactions times out without saying
 * why. A min.isr above the brokers makes every transaction fail once the topic exists.
 */
export function transactionSupportProblem(facts: TransactionSupportFacts, clusterName: string): string | undefined {
  const { brokers, replicationFactor: rf, minIsr } = facts;
  const fix = `Set it to at most ${brokers} on the brokers and restart them, or start the session at-least-once.`;
  const many = `${brokers} broker${brokers === 1 ? '' : 's'}`;
  if (!facts.stateTopicExists && rf !== undefined && rf > brokers)
    return `Cluster "${clusterName}" cannot run transactions: ${REPLICATION_FACTOR} is ${rf} but the cluster has ${many}, so no broker can create ${TRANSACTION_STATE_TOPIC} and every transactional producer waits for a coordinator that never comes. ${fix}`;
  if (minIsr !== undefined && minIsr > brokers)
    return `Cluster "${clusterName}" cannot commit transactions: ${MIN_ISR} is ${minIsr} but the cluster has ${many}, so writes to ${TRANSACTION_STATE_TOPIC} can never be acknowledged. ${fix}`;
  return undefined;
}

const numberOf = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
};

/**
 * Reads the facts (brokers, the broker's transaction state log settings, whether the state topic
 * exists) through kafkajs, bounded by `timeoutMs`; fails with a typed KafkaClientError; always
 * disconnects. The start flow calls it before an exactly-once session joins its group.
 */
export async function describeTransactionSupport(
  connection: ClusterConnection,
  clusterName: string,
  options: { readonly timeoutMs?: number; readonly logger?: Logger } = {},
): Promise<TransactionSupport> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const logger = (options.logger ?? silentLogger).child('transaction-support');
  const subject: AdminErrorSubject = { operation: 'read whether the cluster can run transactions' };
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
  const work = (async (): Promise<TransactionSupport> => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const broker = cluster.brokers.find((b) => b.nodeId === cluster.controller) ?? cluster.brokers[0];
    if (!broker) throw new KafkaClientError('unknown', `Could not ${subject.operation}: the cluster listed no broker.`);
    const [configs, topics] = await Promise.all([
      admin.describeConfigs({
        resources: [{ type: BROKER_RESOURCE, name: String(broker.nodeId), configNames: [REPLICATION_FACTOR, MIN_ISR] }],
        includeSynonyms: false,
      }),
      admin.listTopics(),
    ]);
    const entries = configs.resources[0]?.configEntries ?? [];
    const value = (name: string) => numberOf(entries.find((e) => e.configName === name)?.configValue);
    const facts: TransactionSupportFacts = {
      brokers: cluster.brokers.length,
      brokerId: broker.nodeId,
      replicationFactor: value(REPLICATION_FACTOR),
      minIsr: value(MIN_ISR),
      stateTopicExists: topics.includes(TRANSACTION_STATE_TOPIC),
    };
    return { ...facts, problem: transactionSupportProblem(facts, clusterName) };
  })();
  let settled = false;
  const late = work.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  try {
    const support = await withinBound(work, timeoutMs, () => overallTimeout(subject, context, timeoutMs));
    logger.debug(
      `${support.brokers} broker(s); ${REPLICATION_FACTOR}=${String(support.replicationFactor)}, ${MIN_ISR}=${String(support.minIsr)}, ${TRANSACTION_STATE_TOPIC} ${support.stateTopicExists ? 'exists' : 'missing'}`,
    );
    return support;
  } catch (error) {
    if (error instanceof KafkaClientError) throw error;
    throw fromKafkajsError(error, subject, context);
  } finally {
    if (!settled) void late.then(() => disconnectQuietly(admin, logger));
    await disconnectQuietly(admin, logger);
  }
}
