import { KafkaClientError } from '../errors';
import { probeCluster } from '../kafka/clusterProbe';
import { type Logger, silentLogger } from '../logging';
import { SchemaRegistryClient } from '../registry/registryClient';
import { RegistryError } from '../registry/registryErrors';
import type { RegistryConnection } from '../registry/registryTypes';
import {
  type ClusterSettings,
  type SecretKind,
  type SecretLookup,
  neededSecrets,
  registryConnectionOf,
  registryCredentialsOf,
  resolveConnection,
  secretKey,
} from './clusterSettings';

const secretNames: Record<SecretKind, string> = {
  saslPassword: 'SASL password',
  oauthClientSecret: 'OAuth client secret',
  tlsKeyPassword: 'TLS key password',
  registryPassword: 'Schema Registry password',
  registryToken: 'Schema Registry token',
};

/** Secrets the settings call for that the secret store does not hold (e.g. after an import). */
export async function missingSecrets(cluster: ClusterSettings, secrets: SecretLookup): Promise<SecretKind[]> {
  const kinds = neededSecrets(cluster);
  const present = await Promise.all(
    kinds.map(async (kind) => (await secrets(secretKey(cluster.id, kind))) !== undefined),
  );
  return kinds.filter((_, i) => !present[i]);
}

export type KafkaCheck =
  | { readonly ok: true; readonly brokers: number; readonly authenticated: boolean; readonly elapsedMs: number }
  | { readonly ok: false; readonly reason: string; readonly message: string };

export type RegistryCheck =
  | { readonly ok: true; readonly subjects: number; readonly elapsedMs: number }
  | { readonly ok: false; readonly reason: string; readonly message: string };

export interface ConnectionTestResult {
  readonly cluster: string;
  readonly kafka: KafkaCheck;
  /** Absent when the cluster has no registry. */
  readonly registry?: RegistryCheck;
}

/**
 * "Test connection": reads cluster metadata (brokers; authentication when SASL is used) and asks
 * the registry for its subjects, both at once and each within `timeoutMs`.
 */
export async function testConnection(
  cluster: ClusterSettings,
  secrets: SecretLookup,
  options: { timeoutMs?: number; logger?: Logger } = {},
): Promise<ConnectionTestResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const logger = options.logger ?? silentLogger;
  const missing = await missingSecrets(cluster, secrets);
  const kafkaMissing = missing.filter((k) => k !== 'registryPassword' && k !== 'registryToken');
  const registryMissing = missing.filter((k) => k === 'registryPassword' || k === 'registryToken');
  const missingCheck = (kinds: SecretKind[]) => ({
    ok: false as const,
    reason: 'missingSecret',
    message: `No ${kinds.map((k) => secretNames[k]).join(' or ')} is stored for "${cluster.name}". Enter it with "Kafka: Edit Cluster Connection" (secrets are kept in VS Code's secret store, not in settings or exports).`,
  });
  const kafka = (async (): Promise<KafkaCheck> => {
    if (kafkaMissing.length) return missingCheck(kafkaMissing);
    try {
      const connection = await resolveConnection(cluster, secrets);
      const result = await probeCluster(connection, { timeoutMs, logger });
      return {
        ok: true,
        brokers: result.brokers.length,
        authenticated: !!connection.sasl,
        elapsedMs: result.elapsedMs,
      };
    } catch (error) {
      if (error instanceof KafkaClientError) return { ok: false, reason: error.reason, message: error.message };
      return { ok: false, reason: 'unknown', message: error instanceof Error ? error.message : String(error) };
    }
  })();
  let registryConnection: RegistryConnection | undefined;
  let registryProblem: RegistryCheck | undefined;
  try {
    registryConnection = registryConnectionOf(cluster);
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    registryProblem = { ok: false, reason: error.reason, message: error.message };
  }
  const registry = registryConnection
    ? (async (): Promise<RegistryCheck> => {
        if (registryMissing.length) return missingCheck(registryMissing);
        const started = Date.now();
        const client = new SchemaRegistryClient(
          { ...registryConnection, requestTimeoutMs: timeoutMs },
          { secrets: { registryCredentials: () => registryCredentialsOf(cluster, secrets) }, logger },
        );
        try {
          const result = await client.listSubjects();
          return result.ok
            ? { ok: true, subjects: result.value.length, elapsedMs: Date.now() - started }
            : { ok: false, reason: result.error.reason, message: result.error.message };
        } finally {
          client.close();
        }
      })()
    : undefined;
  const registryResult = registry ? await registry : registryProblem;
  return { cluster: cluster.name, kafka: await kafka, ...(registryResult ? { registry: registryResult } : {}) };
}

/** One line per check, for a notification. */
export function describeTest(result: ConnectionTestResult): string {
  const kafka = result.kafka.ok
    ? `Kafka: ${result.kafka.brokers} broker${result.kafka.brokers === 1 ? '' : 's'}${result.kafka.authenticated ? ', authenticated' : ''} (${result.kafka.elapsedMs} ms).`
    : `Kafka: ${result.kafka.message}`;
  const registry =
    result.registry === undefined
      ? ''
      : result.registry.ok
        ? ` Registry: answered, ${result.registry.subjects} subjects.`
        : ` Registry: ${result.registry.message}`;
  return `${result.cluster} — ${kafka}${registry}`;
}
