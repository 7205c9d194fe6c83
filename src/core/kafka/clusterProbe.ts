import type { IAdminClient, Metadata } from '@confluentinc/kafka-javascript';
import { KafkaClientError } from '../errors';
import { type Logger, silentLogger } from '../logging';
import { type RawClientError, RdKafkaCode, reasonOf, toKafkaClientError } from './clientErrors';
import { type ClusterConnection, principalOf, toLibrdkafkaConfig } from './connection';
import { loadNativeClient } from './nativeClient';

export interface ClusterProbeResult {
  readonly brokers: ReadonlyArray<{ readonly id: number; readonly host: string; readonly port: number }>;
  readonly topicCount: number;
  readonly elapsedMs: number;
}

export interface ClusterProbeOptions {
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

/** The admin client's underlying handle has getMetadata (brokers and topics); its public API only lists topic names. */
type AdminWithMetadata = IAdminClient & {
  _client?: {
    getMetadata(
      options: { allTopics: boolean; timeout: number },
      cb: (err: RawClientError | null, metadata: Metadata) => void,
    ): void;
  };
};

/**
 * Connects, fetches cluster metadata and disconnects, within a bounded time. An admin client is
 * used because its error events arrive while it is still connecting, so an authentication failure
 * ends the wait at once instead of after librdkafka's retries run out.
 */
export async function probeCluster(
  connection: ClusterConnection,
  options: ClusterProbeOptions = {},
): Promise<ClusterProbeResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const logger = options.logger ?? silentLogger;
  const kafka = loadNativeClient();
  const context = {
    bootstrapServers: connection.bootstrapServers,
    username: principalOf(connection),
    mechanism: connection.sasl?.mechanism,
    waitedMs: timeoutMs,
  };
  const started = Date.now();
  let lastError: RawClientError | undefined;
  let fail: ((error: KafkaClientError) => void) | undefined;
  // The native disconnect blocks the event loop until an in-flight metadata request ends, so it
  // waits for that request's callback (itself bounded by timeoutMs) instead of running at once.
  let metadataInFlight = false;
  let settled = false;
  const disconnect = (): void => {
    try {
      admin.disconnect();
    } catch {
      // Already disconnected.
    }
  };

  const admin = kafka.AdminClient.create(
    {
      ...toLibrdkafkaConfig(connection),
      'socket.connection.setup.timeout.ms': Math.max(1000, timeoutMs),
      'reconnect.backoff.max.ms': 1000,
      'log.connection.close': false,
    },
    {
      'event.error': (error: RawClientError) => {
        if (settled) return;
        lastError = error;
        logger.debug(`client error during probe: ${error.message ?? ''}`);
        if (reasonOf(error) === 'authenticationFailed') fail?.(toKafkaClientError(error, context));
      },
    },
  ) as AdminWithMetadata;

  try {
    return await new Promise<ClusterProbeResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          toKafkaClientError(
            lastError ?? { code: RdKafkaCode.TIMED_OUT, message: 'timed out waiting for metadata' },
            context,
          ),
        );
      }, timeoutMs);
      fail = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      const done = (error: RawClientError | null, metadata?: Metadata): void => {
        metadataInFlight = false;
        if (settled) {
          disconnect();
          return;
        }
        clearTimeout(timer);
        if (error || !metadata) {
          // A more specific earlier event (auth, transport) explains a generic timeout better.
          const cause =
            lastError && reasonOf(lastError) !== 'unknown' ? lastError : (error ?? { message: 'no metadata' });
          reject(toKafkaClientError(cause, context));
          return;
        }
        resolve({
          brokers: metadata.brokers.map((b) => ({ id: b.id, host: b.host, port: b.port })),
          topicCount: metadata.topics.length,
          elapsedMs: Date.now() - started,
        });
      };
      metadataInFlight = true;
      if (admin._client?.getMetadata) {
        admin._client.getMetadata({ allTopics: true, timeout: timeoutMs }, done);
      } else {
        // Fallback if the binding's internals change: topics only, brokers unknown.
        admin.listTopics({ timeout: timeoutMs }, (error, topics) =>
          done(
            error,
            error
              ? undefined
              : ({ brokers: [], topics: topics.map((name) => ({ name, partitions: [] })) } as unknown as Metadata),
          ),
        );
      }
    });
  } catch (error) {
    if (error instanceof KafkaClientError) throw error;
    throw toKafkaClientError({ message: error instanceof Error ? error.message : String(error) }, context);
  } finally {
    fail = undefined;
    settled = true;
    if (!metadataInFlight) disconnect();
  }
}
