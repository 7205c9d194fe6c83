import type { Logger } from '../logging';
import { readBrokerConfigs } from './brokerConfigRead';
import type { ClusterConnection } from './connection';

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
export function describeGroupProtocols(
  connection: ClusterConnection,
  options: { readonly timeoutMs?: number; readonly logger?: Logger } = {},
): Promise<GroupProtocolSupport> {
  return readBrokerConfigs(
    connection,
    [PROTOCOLS_CONFIG],
    { ...options, scope: 'group-protocols', operation: 'read which consumer group protocols the cluster accepts' },
    async ({ brokerId, configs }, logger) => {
      const protocols = (configs.get(PROTOCOLS_CONFIG) ?? 'classic')
        .split(',')
        .map((p) => p.trim().toLowerCase())
        .filter(Boolean);
      logger.debug(`broker ${brokerId}: ${PROTOCOLS_CONFIG}=${protocols.join(',')}`);
      return { protocols, consumer: protocols.includes('consumer'), brokerId };
    },
  );
}
