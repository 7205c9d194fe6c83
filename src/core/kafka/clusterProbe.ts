import type { IAdminClient, Metadata } from '@confluentinc/kafka-javascript';
import { KafkaClientError } from '../errors';
import { type Logger, silentLogger } from '../logging';
import { type RawClientError, RdKafkaCode, reasonOf, toKafkaClientError } from './clientErrors';
import { type ClusterConnection, principalOf, toLibrdkafkaConfig } from './connection';
import { loadNativeClient } from './nativeClient';
import { diagnoseOAuth, diagnoseTls } from './securityDiagnosis';
import { checkTlsMaterial } from './tlsMaterial';

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
  const protocol = connection.securityProtocol ?? 'PLAINTEXT';
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  let lastError: RawClientError | undefined;
  let fail: ((error: KafkaClientError) => void) | undefined;
  // librdkafka's errors say "ssl error" or "authentication failure" whatever the cause; a check
  // of our own (bounded by what is left of the wait) names it. The TLS handshake is checked from
  // the start, beside librdkafka's, because its error events can arrive late on a busy machine.
  let diagnosed = false;
  const remainingMs = (): number => Math.max(500, timeoutMs - (Date.now() - started) - 250);
  // Throws a typed error for a bad configuration or TLS file before anything connects.
  const librdkafkaConfig = toLibrdkafkaConfig(connection);
  checkTlsMaterial(connection);
  const tlsCheck = usesTls ? diagnoseTls(connection, remainingMs()).catch(() => undefined) : undefined;
  const diagnose = (error: RawClientError): void => {
    const reason = reasonOf(error);
    const sasl = connection.sasl;
    if (reason === 'authenticationFailed') {
      const generic = toKafkaClientError(error, context);
      if (sasl?.mechanism !== 'OAUTHBEARER') return fail?.(generic);
      if (diagnosed) return;
      diagnosed = true;
      void diagnoseOAuth(sasl, { timeoutMs: Math.min(5000, remainingMs()) }).then(
        (cause) => fail?.(cause ?? brokerRefusedToken(connection, context.bootstrapServers, error)),
        () => fail?.(generic),
      );
      return;
    }
  };
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
      ...librdkafkaConfig,
      'socket.connection.setup.timeout.ms': Math.max(1000, timeoutMs),
      'reconnect.backoff.max.ms': 1000,
      'log.connection.close': false,
    },
    {
      'event.error': (error: RawClientError) => {
        if (settled) return;
        lastError = error;
        logger.debug(`client error during probe: ${error.message ?? ''}`);
        diagnose(error);
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
      void tlsCheck?.then((cause) => {
        if (cause) fail?.(cause);
      });
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

/** The token came from the identity provider and is valid, yet the broker refused it. */
function brokerRefusedToken(connection: ClusterConnection, where: string, cause: RawClientError): KafkaClientError {
  const client = connection.sasl?.mechanism === 'OAUTHBEARER' ? connection.sasl.clientId : '?';
  return new KafkaClientError(
    'authenticationFailed',
    `The broker at ${where} refused the OAUTHBEARER token of client "${client}", although the identity provider issued it. Check that the broker trusts this identity provider (its JWKS, issuer and audience) and the scope the connection asks for.`,
    { cause },
  );
}
