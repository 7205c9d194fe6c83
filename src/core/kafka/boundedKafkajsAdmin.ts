import type { Admin } from 'kafkajs';
import type { Logger } from '../logging';
import type { AdminErrorSubject } from './adminErrors';
import type { ClassifyContext } from './clientErrors';
import { type ClusterConnection, principalOf, validateConnection } from './connection';
import { toKafkajsConfig } from './kafkajsConfig';
import { fromKafkajsError, overallTimeout } from './kafkajsErrors';
import type { FetchLike } from './oauthToken';

/** How long a disconnect may take before we stop waiting for it. */
const DISCONNECT_BOUND_MS = 2_000;

export interface BoundedAdminOptions {
  /** Bound on the whole call (connect, authenticate, the work), in milliseconds. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** What is being done, for errors: "Could not <operation>: …". */
  readonly subject: AdminErrorSubject;
  /** For OAUTHBEARER's token endpoint (tests pass a fake). */
  readonly fetch?: FetchLike;
  /**
   * kafkajs reports a timed-out request as an event, then may fail later with a plain Error: when
   * set, the first such timeout is reported instead of that error.
   */
  readonly preferRequestTimeout?: boolean;
}

/**
 * One short-lived kafkajs admin, for the requests the native client does not have (DescribeConfigs):
 * kafkajs is loaded on first use, `work` runs once the admin is connected, the whole is bounded by
 * `timeoutMs` whatever the brokers do, every failure is a typed KafkaClientError, and the admin is
 * always disconnected (again once a connect still running when the bound fired settles).
 */
export async function withBoundedKafkajsAdmin<T>(
  connection: ClusterConnection,
  options: BoundedAdminOptions,
  work: (admin: Admin) => Promise<T>,
): Promise<T> {
  const { timeoutMs, logger, subject } = options;
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
    admin = new Kafka(toKafkajsConfig(connection, { timeoutMs, logger, fetch: options.fetch })).admin();
  } catch (error) {
    throw fromKafkajsError(error, subject, context);
  }
  let earlier: { name: string; message: string } | undefined;
  if (options.preferRequestTimeout)
    admin.on(admin.events.REQUEST_TIMEOUT, ({ payload }) => {
      earlier ??= {
        name: 'KafkaJSRequestTimeoutError',
        message: `request ${payload.apiName} to ${payload.broker} timed out`,
      };
    });
  const running = (async (): Promise<T> => {
    await admin.connect();
    return work(admin);
  })();
  let settled = false;
  const late = running.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  try {
    return await withinBound(running, timeoutMs, () => overallTimeout(subject, context, timeoutMs));
  } catch (error) {
    throw fromKafkajsError(error, subject, context, earlier);
  } finally {
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
