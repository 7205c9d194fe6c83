import { KafkaClientError } from '../errors';
import { type Logger, silentLogger } from '../logging';
import type { AdminErrorSubject } from './adminErrors';
import { withBoundedKafkajsAdmin } from './boundedKafkajsAdmin';
import type { ClusterConnection } from './connection';
import type { FetchLike } from './oauthToken';
import { type TopicConfigRow, toConfigRows } from './topicConfigRows';

export interface TopicConfigsOptions {
  /** Bound on the whole call (connect, authenticate, describe), in milliseconds; default 10 s. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  /** For OAUTHBEARER's token endpoint (tests pass a fake). */
  readonly fetch?: FetchLike;
}

/** kafkajs's ConfigResourceTypes.TOPIC (the Kafka protocol's resource type 2). */
const TOPIC_RESOURCE = 2;

/**
 * A topic's configuration (DescribeConfigs), sorted with the values that differ from the defaults
 * first. The native client has no DescribeConfigs, so this one request goes through kafkajs, loaded
 * on first use. Bounded by `timeoutMs` whatever the brokers do; fails with a typed KafkaClientError;
 * always disconnects.
 */
export async function describeTopicConfigs(
  connection: ClusterConnection,
  topic: string,
  options: TopicConfigsOptions = {},
): Promise<TopicConfigRow[]> {
  const logger = (options.logger ?? silentLogger).child('configs');
  const subject: AdminErrorSubject = { operation: `describe the configs of topic "${topic}"`, topic };
  const started = Date.now();
  logger.debug(subject.operation);
  try {
    const response = await withBoundedKafkajsAdmin(
      connection,
      { timeoutMs: options.timeoutMs ?? 10_000, logger, subject, fetch: options.fetch, preferRequestTimeout: true },
      (admin) => admin.describeConfigs({ resources: [{ type: TOPIC_RESOURCE, name: topic }], includeSynonyms: false }),
    );
    const resource = response.resources.find((r) => r.resourceName === topic);
    if (!resource)
      throw new KafkaClientError(
        'unknown',
        `Could not ${subject.operation}: the broker's answer did not include the topic. See the log for details.`,
      );
    const rows = toConfigRows(resource.configEntries);
    logger.debug(`${rows.length} configs of ${topic} in ${Date.now() - started} ms`);
    return rows;
  } catch (error) {
    if (error instanceof KafkaClientError) logger.warn(`${error.reason}: ${error.message}`);
    throw error;
  }
}
