import { KafkaClientError } from '../errors';
import { type Logger, silentLogger } from '../logging';
import { type ClusterConnection, toLibrdkafkaConfig } from './connection';
import { type RawClientError, reasonOf, toKafkaClientError } from './clientErrors';
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

/**
 * Connects, fetches cluster metadata and disconnects, within a bounded time. Authentication
 * failures end the wait at once instead of letting librdkafka retry until the timeout.
 */
export async function probeCluster(connection: ClusterConnection, options: ClusterProbeOptions = {}): Promise<ClusterProbeResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const logger = options.logger ?? silentLogger;
  const kafka = loadNativeClient();
  const context = {
    bootstrapServers: connection.bootstrapServers,
    username: connection.sasl?.username,
    mechanism: connection.sasl?.mechanism,
    waitedMs: timeoutMs,
  };
  const started = Date.now();
  const producer = new kafka.Producer({
    ...toLibrdkafkaConfig(connection),
    'socket.connection.setup.timeout.ms': Math.max(1000, timeoutMs),
    'reconnect.backoff.max.ms': 1000,
    'log.connection.close': false,
  });

  let lastError: RawClientError | undefined;
  try {
    return await new Promise<ClusterProbeResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(lastError ? toKafkaClientError(lastError, context) : toKafkaClientError({ code: -185, message: 'timed out waiting for metadata' }, context));
      }, timeoutMs);
      producer.on('event.error', (error: RawClientError) => {
        lastError = error;
        logger.debug(`client error during probe: ${error.message ?? ''} (code ${String(error.code)})`);
        if (reasonOf(error) === 'authenticationFailed') {
          clearTimeout(timer);
          reject(toKafkaClientError(error, context));
        }
      });
      producer.connect({ timeout: timeoutMs }, (error, metadata) => {
        clearTimeout(timer);
        if (error) {
          reject(toKafkaClientError(lastError && reasonOf(lastError) !== 'unknown' ? lastError : error, context));
          return;
        }
        resolve({
          brokers: metadata.brokers.map((b) => ({ id: b.id, host: b.host, port: b.port })),
          topicCount: metadata.topics.length,
          elapsedMs: Date.now() - started,
        });
      });
    });
  } catch (error) {
    if (error instanceof KafkaClientError) throw error;
    throw toKafkaClientError({ message: error instanceof Error ? error.message : String(error) }, context);
  } finally {
    await disconnectQuietly(producer, 3000);
  }
}

function disconnectQuietly(client: { disconnect(timeout: number, cb: (err: unknown) => void): unknown; isConnected(): boolean }, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs + 500);
    try {
      client.disconnect(timeoutMs, () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
