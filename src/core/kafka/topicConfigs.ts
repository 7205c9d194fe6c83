import type { Admin, DescribeConfigResponse } from 'kafkajs';
import { KafkaClientError } from '../errors';
import { type Logger, silentLogger } from '../logging';
import type { AdminErrorSubject } from './adminErrors';
import type { ClassifyContext } from './clientErrors';
import { type ClusterConnection, principalOf, validateConnection } from './connection';
import { toKafkajsConfig } from './kafkajsConfig';
import { fromKafkajsError, overallTimeout } from './kafkajsErrors';
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
/** How long a disconnect may take before we stop waiting for it. */
const DISCONNECT_BOUND_MS = 2_000;

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
  const timeoutMs = options.timeoutMs ?? 10_000;
  const logger = (options.logger ?? silentLogger).child('configs');
  const subject: AdminErrorSubject = { operation: `describe the configs of topic "${topic}"`, topic };
  const context: ClassifyContext = {
    bootstrapServers: connection.bootstrapServers,
    username: principalOf(connection),
    mechanism: connection.sasl?.mechanism,
    waitedMs: timeoutMs,
  };
  validateConnection(connection);
  const started = Date.now();
  logger.debug(subject.operation);

  const { Kafka } = await import('kafkajs');
  let admin: Admin;
  try {
    admin = new Kafka(toKafkajsConfig(connection, { timeoutMs, logger, fetch: options.fetch })).admin();
  } catch (error) {
    throw fromKafkajsError(error, subject, context);
  }

  // kafkajs reports a timed-out request as an event, then may fail later with a plain Error: keep the first, to report it instead.
  let earlier: { name: string; message: string } | undefined;
  admin.on(admin.events.REQUEST_TIMEOUT, ({ payload }) => {
    earlier ??= {
      name: 'KafkaJSRequestTimeoutError',
      message: `request ${payload.apiName} to ${payload.broker} timed out`,
    };
  });
  const work = (async (): Promise<DescribeConfigResponse> => {
    await admin.connect();
    return admin.describeConfigs({ resources: [{ type: TOPIC_RESOURCE, name: topic }], includeSynonyms: false });
  })();
  let settled = false;
  const late = work.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  try {
    const response = await withinBound(work, timeoutMs, () => overallTimeout(subject, context, timeoutMs));
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
    const typed = fromKafkajsError(error, subject, context, earlier);
    logger.warn(`${typed.reason}: ${typed.message}`);
    throw typed;
  } finally {
    // A connect still in progress when the bound ran out could open sockets later: disconnect again once it settles.
    if (!settled) void late.then(() => disconnectQuietly(admin, logger));
    await disconnectQuietly(admin, logger);
  }
}

export function withinBound<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  return Promise.race([work, bound]).finally(() => clearTimeout(timer));
}

export async function disconnectQuietly(admin: Admin, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      admin.disconnect(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, DISCONNECT_BOUND_MS))),
    ]);
  } catch (error) {
    logger.debug(`disconnect failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}
