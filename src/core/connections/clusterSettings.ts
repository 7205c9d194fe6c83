import * as fs from 'node:fs';
import { RegistryError } from '../registry/registryErrors';
import type { RegistryConnection, RegistryCredentials } from '../registry/registryTypes';
import {
  type ClusterConnection,
  type SaslMechanism,
  type SecurityProtocol,
  saslMechanisms,
  securityProtocols,
} from '../kafka/connection';

/**
 * A saved cluster connection as it lives in settings (`kafkaLab.clusters`): everything but secrets,
 * so it can be shared and synced. Secrets live in the secret store under `secretKey(id, kind)`.
 */
export interface ClusterSettings {
  readonly id: string;
  readonly name: string;
  readonly bootstrapServers: string;
  readonly securityProtocol: SecurityProtocol;
  readonly sasl?: {
    readonly mechanism: SaslMechanism;
    /** PLAIN / SCRAM user name. */
    readonly username?: string;
    /** OAUTHBEARER client-credentials settings. */
    readonly tokenEndpointUrl?: string;
    readonly clientId?: string;
    readonly scope?: string;
  };
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  readonly registry?: {
    readonly url: string;
    readonly auth: 'none' | 'basic' | 'bearer';
    readonly username?: string;
    /** PEM file of a private CA that signs an https registry's certificate. */
    readonly caFile?: string;
  };
}

export type SecretKind = 'saslPassword' | 'oauthClientSecret' | 'tlsKeyPassword' | 'registryPassword' | 'registryToken';
export const secretKinds: readonly SecretKind[] = [
  'saslPassword',
  'oauthClientSecret',
  'tlsKeyPassword',
  'registryPassword',
  'registryToken',
];

export function secretKey(clusterId: string, kind: SecretKind): string {
  return `kafkaLab.cluster/${clusterId}/${kind}`;
}

/** Reads a secret; the extension adapts VS Code's SecretStorage to it, tests pass a map. */
export type SecretLookup = (key: string) => Promise<string | undefined>;

/** Field names that must never appear in settings or in an export. */
const secretField = /(pass(word)?|secret|token|credential)$/i;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function findSecretFields(value: unknown, path: string, out: string[]): void {
  if (!isObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    if (secretField.test(key) && item !== undefined && item !== null && item !== '') out.push(`${path}.${key}`);
    findSecretFields(item, `${path}.${key}`, out);
  }
}

/**
 * Validates one raw settings entry. Returns the cluster, or the problems in words a user can act on.
 * Secret-looking fields are refused: they belong in the secret store.
 */
export function parseCluster(raw: unknown, where: string): { cluster?: ClusterSettings; problems: string[] } {
  const problems: string[] = [];
  if (!isObject(raw)) return { problems: [`${where} is not an object with name and bootstrapServers.`] };
  const secrets: string[] = [];
  findSecretFields(raw, where, secrets);
  for (const field of secrets)
    problems.push(
      `${field} looks like a secret; secrets are never stored in settings. Remove it and enter it with "Kafka: Edit Cluster Connection" (it goes to the secret store).`,
    );
  const id = text(raw.id);
  const name = text(raw.name);
  const bootstrapServers = text(raw.bootstrapServers);
  if (!id || !/^[A-Za-z0-9._-]{1,64}$/.test(id))
    problems.push(`${where}.id must be 1-64 letters, digits, '.', '_' or '-'.`);
  if (!name) problems.push(`${where}.name is missing.`);
  if (!bootstrapServers) problems.push(`${where}.bootstrapServers is missing (host:port, comma-separated).`);
  const securityProtocol = (text(raw.securityProtocol) ?? 'PLAINTEXT').toUpperCase() as SecurityProtocol;
  if (!securityProtocols.includes(securityProtocol))
    problems.push(`${where}.securityProtocol must be one of ${securityProtocols.join(', ')}.`);
  let sasl: ClusterSettings['sasl'];
  if (raw.sasl !== undefined) {
    if (!isObject(raw.sasl)) problems.push(`${where}.sasl must be an object.`);
    else {
      const mechanism = (text(raw.sasl.mechanism) ?? '').toUpperCase() as SaslMechanism;
      if (!saslMechanisms.includes(mechanism))
        problems.push(`${where}.sasl.mechanism must be one of ${saslMechanisms.join(', ')}.`);
      sasl = {
        mechanism,
        ...(text(raw.sasl.username) ? { username: text(raw.sasl.username) } : {}),
        ...(text(raw.sasl.tokenEndpointUrl) ? { tokenEndpointUrl: text(raw.sasl.tokenEndpointUrl) } : {}),
        ...(text(raw.sasl.clientId) ? { clientId: text(raw.sasl.clientId) } : {}),
        ...(text(raw.sasl.scope) ? { scope: text(raw.sasl.scope) } : {}),
      };
      if (mechanism !== 'OAUTHBEARER' && !sasl.username) problems.push(`${where}.sasl.username is missing.`);
      if (mechanism === 'OAUTHBEARER' && (!sasl.tokenEndpointUrl || !sasl.clientId))
        problems.push(`${where}.sasl needs tokenEndpointUrl and clientId for OAUTHBEARER.`);
    }
  }
  if (securityProtocol.startsWith('SASL_') && !sasl)
    problems.push(`${where} uses ${securityProtocol} but has no sasl settings.`);
  let tls: ClusterSettings['tls'];
  if (raw.tls !== undefined) {
    if (!isObject(raw.tls)) problems.push(`${where}.tls must be an object.`);
    else
      tls = {
        ...(text(raw.tls.caFile) ? { caFile: text(raw.tls.caFile) } : {}),
        ...(text(raw.tls.certFile) ? { certFile: text(raw.tls.certFile) } : {}),
        ...(text(raw.tls.keyFile) ? { keyFile: text(raw.tls.keyFile) } : {}),
      };
  }
  let registry: ClusterSettings['registry'];
  if (raw.registry !== undefined) {
    if (!isObject(raw.registry) || !text(raw.registry.url)) problems.push(`${where}.registry needs a url.`);
    else {
      const url = text(raw.registry.url) as string;
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        problems.push(`${where}.registry.url "${url}" is not a URL.`);
      }
      if (parsed && (parsed.username || parsed.password))
        problems.push(
          `${where}.registry.url carries credentials; remove them from the URL and set the registry auth instead.`,
        );
      const auth = (text(raw.registry.auth) ?? 'none') as 'none' | 'basic' | 'bearer';
      if (!['none', 'basic', 'bearer'].includes(auth))
        problems.push(`${where}.registry.auth must be none, basic or bearer.`);
      if (auth === 'basic' && !text(raw.registry.username))
        problems.push(`${where}.registry.username is needed for basic auth.`);
      if (text(raw.registry.caFile) && parsed && parsed.protocol !== 'https:')
        problems.push(`${where}.registry.caFile is set but the registry URL is not https://.`);
      registry = {
        url,
        auth,
        ...(text(raw.registry.username) ? { username: text(raw.registry.username) } : {}),
        ...(text(raw.registry.caFile) ? { caFile: text(raw.registry.caFile) } : {}),
      };
    }
  }
  if (problems.length || !id || !name || !bootstrapServers) return { problems };
  return {
    cluster: {
      id,
      name,
      bootstrapServers,
      securityProtocol,
      ...(sasl ? { sasl } : {}),
      ...(tls && Object.keys(tls).length ? { tls } : {}),
      ...(registry ? { registry } : {}),
    },
    problems,
  };
}

/** All valid clusters of a settings value, and what is wrong with the others. Duplicate ids are refused. */
export function parseClusters(raw: unknown): { clusters: ClusterSettings[]; problems: string[] } {
  if (raw === undefined || raw === null) return { clusters: [], problems: [] };
  if (!Array.isArray(raw))
    return { clusters: [], problems: ['kafkaLab.clusters must be a list of cluster connections.'] };
  const clusters: ClusterSettings[] = [];
  const problems: string[] = [];
  raw.forEach((entry, index) => {
    const result = parseCluster(entry, `kafkaLab.clusters[${index}]`);
    problems.push(...result.problems);
    if (result.cluster) {
      if (clusters.some((c) => c.id === result.cluster?.id))
        problems.push(`kafkaLab.clusters[${index}].id "${result.cluster.id}" is used twice.`);
      else clusters.push(result.cluster);
    }
  });
  return { clusters, problems };
}

/** JSON for sharing: the settings entries only, never a secret. */
export function exportClusters(clusters: readonly ClusterSettings[]): string {
  return JSON.stringify({ kafkaConsumerLab: 'clusters', version: 1, clusters }, null, 2) + '\n';
}

/** Reads an export. Entries carrying secrets or problems are refused, with the reason. */
export function importClusters(json: string): { clusters: ClusterSettings[]; problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    return {
      clusters: [],
      problems: [`The file is not JSON: ${error instanceof Error ? error.message : String(error)}.`],
    };
  }
  const list =
    isObject(parsed) && Array.isArray(parsed.clusters) ? parsed.clusters : Array.isArray(parsed) ? parsed : undefined;
  if (!list)
    return { clusters: [], problems: ['The file has no "clusters" list: it is not a Kafka Consumer Lab export.'] };
  return parseClusters(list);
}

/** Which secrets a cluster needs, by its settings. */
export function neededSecrets(cluster: ClusterSettings): SecretKind[] {
  const kinds: SecretKind[] = [];
  if (cluster.sasl) kinds.push(cluster.sasl.mechanism === 'OAUTHBEARER' ? 'oauthClientSecret' : 'saslPassword');
  if (cluster.tls?.keyFile) kinds.push('tlsKeyPassword');
  if (cluster.registry?.auth === 'basic') kinds.push('registryPassword');
  if (cluster.registry?.auth === 'bearer') kinds.push('registryToken');
  return kinds;
}

/** The Kafka connection with its secrets looked up now (they are never cached). */
export async function resolveConnection(cluster: ClusterSettings, secrets: SecretLookup): Promise<ClusterConnection> {
  const get = async (kind: SecretKind): Promise<string> => (await secrets(secretKey(cluster.id, kind))) ?? '';
  const sasl = cluster.sasl;
  const keyPassword = cluster.tls?.keyFile ? await get('tlsKeyPassword') : '';
  return {
    bootstrapServers: cluster.bootstrapServers,
    securityProtocol: cluster.securityProtocol,
    ...(sasl
      ? {
          sasl:
            sasl.mechanism === 'OAUTHBEARER'
              ? {
                  mechanism: 'OAUTHBEARER' as const,
                  tokenEndpointUrl: sasl.tokenEndpointUrl ?? '',
                  clientId: sasl.clientId ?? '',
                  clientSecret: await get('oauthClientSecret'),
                  ...(sasl.scope ? { scope: sasl.scope } : {}),
                }
              : { mechanism: sasl.mechanism, username: sasl.username ?? '', password: await get('saslPassword') },
        }
      : {}),
    ...(cluster.tls
      ? {
          tls: {
            ...(cluster.tls.caFile ? { caLocation: cluster.tls.caFile } : {}),
            ...(cluster.tls.certFile ? { certificateLocation: cluster.tls.certFile } : {}),
            ...(cluster.tls.keyFile ? { keyLocation: cluster.tls.keyFile } : {}),
            ...(keyPassword ? { keyPassword } : {}),
          },
        }
      : {}),
  };
}

/** The registry connection of a cluster, and a credentials lookup backed by the secret store. */
export function registryConnectionOf(cluster: ClusterSettings): RegistryConnection | undefined {
  const registry = cluster.registry;
  if (!registry) return undefined;
  return {
    id: cluster.id,
    url: registry.url,
    auth: registry.auth,
    ...(registry.caFile ? { caPem: readRegistryCa(registry.caFile) } : {}),
  };
}

/** The registry's CA file, read when the client is made; an unreadable file is a typed error naming it. */
function readRegistryCa(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new RegistryError(
      'invalidConfiguration',
      `The Schema Registry CA file ${path} cannot be read (${code}). Check the path in the connection's registry settings.`,
    );
  }
}

export async function registryCredentialsOf(
  cluster: ClusterSettings,
  secrets: SecretLookup,
): Promise<RegistryCredentials | undefined> {
  const registry = cluster.registry;
  if (!registry || registry.auth === 'none') return undefined;
  if (registry.auth === 'basic')
    return {
      type: 'basic',
      username: registry.username ?? '',
      password: (await secrets(secretKey(cluster.id, 'registryPassword'))) ?? '',
    };
  return { type: 'bearer', token: (await secrets(secretKey(cluster.id, 'registryToken'))) ?? '' };
}

/** A stable, readable id for a new cluster, unique among the existing ones. */
export function newClusterId(name: string, existing: readonly ClusterSettings[]): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'cluster';
  let id = base;
  for (let n = 2; existing.some((c) => c.id === id); n++) id = `${base}-${n}`;
  return id;
}
