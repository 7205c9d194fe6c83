import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, LogEntry, logCreator, RetryOptions, SASLOptions } from 'kafkajs';
import { KafkaClientError } from '../errors';
import type { Logger } from '../logging';
import { type ClusterConnection, validateConnection } from './connection';
import { clientCredentialsProvider, type FetchLike } from './oauthToken';

/**
 * Our ClusterConnection as options of the pure-JavaScript kafkajs client, which the explorer uses
 * for the admin requests the native client does not offer (DescribeConfigs).
 */
export interface KafkajsConfigOptions {
  /** The bound of the whole operation; connection, authentication and request timeouts fit inside it. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** For OAUTHBEARER's token endpoint (tests pass a fake). */
  readonly fetch?: FetchLike;
  readonly readFile?: (path: string) => Buffer;
}

/** kafkajs's logLevel.DEBUG: every entry reaches our logger, which filters by the user's level. */
const KAFKAJS_DEBUG = 5 as KafkaConfig['logLevel'];

export interface KafkajsTimeouts {
  readonly connectionTimeout: number;
  readonly authenticationTimeout: number;
  readonly requestTimeout: number;
  readonly retry: RetryOptions;
}

const clamp = (value: number, low: number, high: number): number => Math.max(low, Math.min(high, Math.round(value)));

/** Timeouts that let kafkajs fail on its own (with its specific error) before the overall bound. */
export function kafkajsTimeouts(timeoutMs: number): KafkajsTimeouts {
  const connectionTimeout = clamp(timeoutMs / 4, 300, 5_000);
  return {
    connectionTimeout,
    authenticationTimeout: connectionTimeout,
    requestTimeout: clamp(timeoutMs / 2, 500, 30_000),
    // One retry, soon: an explorer click should answer within seconds, not after kafkajs's default ~30 s of retries.
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 },
  };
}

export function toKafkajsConfig(connection: ClusterConnection, options: KafkajsConfigOptions): KafkaConfig {
  validateConnection(connection);
  const timeouts = kafkajsTimeouts(options.timeoutMs);
  const ssl = tlsOptions(connection, options.readFile ?? ((path) => readFileSync(path)));
  const sasl = saslOptions(connection, options);
  return {
    brokers: connection.bootstrapServers
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    clientId: connection.clientId ?? 'kafka-consumer-lab',
    connectionTimeout: timeouts.connectionTimeout,
    authenticationTimeout: timeouts.authenticationTimeout,
    requestTimeout: timeouts.requestTimeout,
    enforceRequestTimeout: true,
    retry: timeouts.retry,
    logLevel: KAFKAJS_DEBUG,
    logCreator: kafkajsLogCreator(options.logger),
    ...(ssl !== undefined ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
  };
}

function tlsOptions(
  connection: ClusterConnection,
  readFile: (path: string) => Buffer,
): ConnectionOptions | boolean | undefined {
  const protocol = connection.securityProtocol ?? 'PLAINTEXT';
  if (protocol !== 'SSL' && protocol !== 'SASL_SSL') return undefined;
  const tls = connection.tls;
  if (!tls?.caLocation && !tls?.certificateLocation && !tls?.keyLocation) return true;
  const read = (what: string, path: string): Buffer => {
    try {
      return readFile(path);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new KafkaClientError(
        'invalidConfiguration',
        `Could not read the TLS ${what} file "${path}"${typeof code === 'string' ? ` (${code})` : ''}. Check the path in the connection settings; it must be a PEM file.`,
        { cause: error },
      );
    }
  };
  return {
    ...(tls.caLocation ? { ca: [read('CA', tls.caLocation)] } : {}),
    ...(tls.certificateLocation ? { cert: read('client certificate', tls.certificateLocation) } : {}),
    ...(tls.keyLocation ? { key: read('client key', tls.keyLocation) } : {}),
    ...(tls.keyLocation && tls.keyPassword ? { passphrase: tls.keyPassword } : {}),
  };
}

function saslOptions(connection: ClusterConnection, options: KafkajsConfigOptions): SASLOptions | undefined {
  const sasl = connection.sasl;
  if (!sasl) return undefined;
  switch (sasl.mechanism) {
    case 'PLAIN':
      return { mechanism: 'plain', username: sasl.username, password: sasl.password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
    case 'OAUTHBEARER': {
      const token = clientCredentialsProvider(sasl, {
        timeoutMs: kafkajsTimeouts(options.timeoutMs).requestTimeout,
        fetch: options.fetch,
      });
      return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: (await token()).value }) };
    }
  }
}

/** Fields of kafkajs log entries worth keeping; everything else (payloads, buffers, nested objects) is dropped. */
const keptFields = new Set([
  'broker',
  'clientId',
  'correlationId',
  'apiName',
  'apiKey',
  'apiVersion',
  'error',
  'retryCount',
  'retryTime',
  'retryForever',
  'size',
  'expectResponse',
  'topic',
  'groupId',
  'host',
  'port',
]);

/**
 * kafkajs's own log, into ours at debug. Only a few scalar fields are kept, so that request payloads
 * (which carry SASL credentials when kafkajs's buffer debugging is on) never reach a log; our
 * logger redacts what is left.
 */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, label, log }: LogEntry) => {
      const fields: Record<string, string | number | boolean> = {};
      for (const [key, value] of Object.entries(log)) {
        if (!keptFields.has(key)) continue;
        if (typeof value === 'string') fields[key] = value.length > 300 ? `${value.slice(0, 300)}…` : value;
        else if (typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
      }
      const message = `kafkajs ${label} ${namespace}: ${String(log.message)}`;
      if (Object.keys(fields).length) logger.debug(message, fields);
      else logger.debug(message);
    };
}
