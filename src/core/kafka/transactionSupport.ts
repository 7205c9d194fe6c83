import type { Logger } from '../logging';
import { readBrokerConfigs } from './brokerConfigRead';
import type { ClusterConnection } from './connection';

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
export function describeTransactionSupport(
  connection: ClusterConnection,
  clusterName: string,
  options: { readonly timeoutMs?: number; readonly logger?: Logger } = {},
): Promise<TransactionSupport> {
  return readBrokerConfigs(
    connection,
    [REPLICATION_FACTOR, MIN_ISR],
    { ...options, scope: 'transaction-support', operation: 'read whether the cluster can run transactions' },
    async ({ admin, brokers, brokerId, configs }, logger) => {
      const topics = await admin.listTopics();
      const facts: TransactionSupportFacts = {
        brokers,
        brokerId,
        replicationFactor: numberOf(configs.get(REPLICATION_FACTOR)),
        minIsr: numberOf(configs.get(MIN_ISR)),
        stateTopicExists: topics.includes(TRANSACTION_STATE_TOPIC),
      };
      logger.debug(
        `${brokers} broker(s); ${REPLICATION_FACTOR}=${String(facts.replicationFactor)}, ${MIN_ISR}=${String(facts.minIsr)}, ${TRANSACTION_STATE_TOPIC} ${facts.stateTopicExists ? 'exists' : 'missing'}`,
      );
      return { ...facts, problem: transactionSupportProblem(facts, clusterName) };
    },
  );
}
