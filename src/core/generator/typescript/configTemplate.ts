import { DEFAULT_SHUTDOWN_TIMEOUT_MS, DEFAULT_TRANSACTION_TIMEOUT_MS, ENV, isExactlyOnce } from '../common';
import type { GeneratorInput } from '../generatorInput';

const q = (text: string): string => JSON.stringify(text);

/** src/config.ts: settings from the environment, defaulting to what the project was generated with. */
export function configTs(input: GeneratorInput): string {
  const c = input.connection;
  const p = input.commitPolicy;
  const eos = isExactlyOnce(input);
  return `${eos ? "import { hostname } from 'node:os';\n" : ''}import type { ConsumerGlobalConfig${eos ? ', ProducerGlobalConfig' : ''} } from '@confluentinc/kafka-javascript';

export interface Settings {
  /** librdkafka properties shared by the consumer and the dead-letter producer. */
  readonly connection: Readonly<Record<string, string>>;
  readonly groupId: string;
  readonly topics: string[];
  readonly dlqTopic: string;
  readonly autoOffsetReset: 'earliest' | 'latest';
  /** Messages handled at once. */
  readonly concurrency: number;
  /** Commit after this many completed messages or this many ms, whichever comes first (1 message: per message). */
  readonly commit: { readonly everyMessages: number; readonly everyMs: number };
  readonly retry: { readonly maxAttempts: number; readonly baseMs: number; readonly capMs: number };
  readonly schemaRegistry?: { readonly url: string; readonly userInfo?: string };
  /** How long a revoke or a stop waits for the handlers in flight. */
  readonly shutdownTimeoutMs: number;${
    eos
      ? `
  /** Exactly-once: the default topic of the handler's output records. */
  readonly outputTopic: string;
  /** <group id>-<instance id>: a restarted instance with the same id fences the one before it. */
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;`
      : ''
  }
}

class SettingsError extends Error {
  constructor(variable: string, expected: string, got: string) {
    super(variable + ' must be ' + expected + ' (got ' + JSON.stringify(got) + '); see .env.example');
  }
}

function text(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

function required(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = text(env, name, fallback);
  if (!value) throw new SettingsError(name, 'set for OAUTHBEARER', '');
  return value;
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new SettingsError(name, 'a whole number of at least ' + min, raw);
  return value;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const securityProtocol = text(env, ${q(ENV.securityProtocol)}, ${q(c.securityProtocol ?? 'PLAINTEXT')});
  const connection: Record<string, string> = {
    'bootstrap.servers': text(env, ${q(ENV.bootstrapServers)}, ${q(c.bootstrapServers)}),
    'security.protocol': securityProtocol,
  };
  if (securityProtocol.startsWith('SASL')) {
    const mechanism = text(env, ${q(ENV.saslMechanism)}, ${q(c.saslMechanism ?? 'SCRAM-SHA-512')});
    connection['sasl.mechanisms'] = mechanism;
    if (mechanism === 'OAUTHBEARER') {
      // OIDC client credentials: librdkafka fetches and refreshes the token itself.
      connection['sasl.oauthbearer.method'] = 'oidc';
      connection['sasl.oauthbearer.token.endpoint.url'] = required(env, ${q(ENV.oauthTokenEndpointUrl)}, ${q(c.oauthTokenEndpointUrl ?? '')});
      connection['sasl.oauthbearer.client.id'] = required(env, ${q(ENV.oauthClientId)}, ${q(c.oauthClientId ?? '')});
      // A secret: only ever from the environment.
      connection['sasl.oauthbearer.client.secret'] = required(env, ${q(ENV.oauthClientSecret)}, '');
      const scope = text(env, ${q(ENV.oauthScope)}, ${q(c.oauthScope ?? '')});
      if (scope) connection['sasl.oauthbearer.scope'] = scope;
    } else {
      connection['sasl.username'] = text(env, ${q(ENV.saslUsername)}, ${q(c.saslUsername ?? '')});
      // A secret: only ever from the environment.
      connection['sasl.password'] = text(env, ${q(ENV.saslPassword)}, '');
    }
  }
  const ca = text(env, ${q(ENV.sslCaLocation)}, ${q(c.sslCaLocation ?? '')});
  if (ca) connection['ssl.ca.location'] = ca;
  // mTLS: the client certificate and its key (files); the key's password only from the environment.
  const certificate = text(env, ${q(ENV.sslCertificateLocation)}, ${q(c.sslCertificateLocation ?? '')});
  const key = text(env, ${q(ENV.sslKeyLocation)}, ${q(c.sslKeyLocation ?? '')});
  if (!!certificate !== !!key)
    throw new SettingsError(certificate ? ${q(ENV.sslKeyLocation)} : ${q(ENV.sslCertificateLocation)}, 'set too (a client certificate needs its key, and a key its certificate)', '');
  if (certificate) {
    connection['ssl.certificate.location'] = certificate;
    connection['ssl.key.location'] = key;
    const password = text(env, ${q(ENV.sslKeyPassword)}, '');
    if (password) connection['ssl.key.password'] = password;
  }
  const reset = text(env, ${q(ENV.autoOffsetReset)}, ${q(input.autoOffsetReset)});
  if (reset !== 'earliest' && reset !== 'latest') throw new SettingsError(${q(ENV.autoOffsetReset)}, '"earliest" or "latest"', reset);
  const policy = text(env, ${q(ENV.commitPolicy)}, ${q(p.kind === 'perMessage' ? 'per-message' : 'batch')});
  if (policy !== 'per-message' && policy !== 'batch') throw new SettingsError(${q(ENV.commitPolicy)}, '"per-message" or "batch"', policy);
  const registryUrl = text(env, ${q(ENV.registryUrl)}, ${q(c.schemaRegistryUrl ?? '')});
  const userInfo = text(env, ${q(ENV.registryUserInfo)}, '');
  const retryBaseMs = whole(env, ${q(ENV.retryBaseMs)}, ${input.retry.baseMs}, 0);
  return {
    connection,
    groupId: text(env, ${q(ENV.groupId)}, ${q(input.groupId)}),
    topics: text(env, ${q(ENV.topics)}, ${q(input.topics.join(','))})
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    dlqTopic: text(env, ${q(ENV.dlqTopic)}, ${q(input.dlqTopic)}),
    autoOffsetReset: reset,
    concurrency: whole(env, ${q(ENV.concurrency)}, ${input.concurrency}, 1),
    commit:
      policy === 'per-message'
        ? { everyMessages: 1, everyMs: 0 }
        : {
            everyMessages: whole(env, ${q(ENV.commitBatchMessages)}, ${p.kind === 'batch' ? p.maxMessages : 500}, 1),
            everyMs: whole(env, ${q(ENV.commitBatchMs)}, ${p.kind === 'batch' ? p.maxIntervalMs : 5000}, 1),
          },
    retry: {
      maxAttempts: whole(env, ${q(ENV.retryMaxAttempts)}, ${input.retry.maxAttempts}, 1),
      baseMs: retryBaseMs,
      capMs: whole(env, ${q(ENV.retryCapMs)}, ${input.retry.capMs}, retryBaseMs),
    },
    ...(registryUrl ? { schemaRegistry: { url: registryUrl, ...(userInfo ? { userInfo } : {}) } } : {}),
    shutdownTimeoutMs: whole(env, ${q(ENV.shutdownTimeoutMs)}, ${DEFAULT_SHUTDOWN_TIMEOUT_MS}, 0),${
      eos
        ? `
    outputTopic: text(env, ${q(ENV.outputTopic)}, ${q(input.outputTopic ?? '')}),
    transactionalId: text(env, ${q(ENV.groupId)}, ${q(input.groupId)}) + '-' + text(env, ${q(ENV.instanceId)}, hostname()),
    transactionTimeoutMs: whole(env, ${q(ENV.transactionTimeoutMs)}, ${DEFAULT_TRANSACTION_TIMEOUT_MS}, 1000),`
        : ''
    }
  };
}

/** The consumer's properties: commits only by the code, never automatic; cooperative rebalancing. */
export function consumerConfig(settings: Settings): ConsumerGlobalConfig {
  return {
    ...settings.connection,
    'group.id': settings.groupId,
    'client.id': settings.groupId + '-consumer',
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'partition.assignment.strategy': 'cooperative-sticky',
    'session.timeout.ms': 45000,
    'max.poll.interval.ms': 300000,
    'enable.partition.eof': false,${
      eos
        ? `
    // Only what committed transactions wrote: an aborted transaction's records are never handled.
    'isolation.level': 'read_committed',`
        : ''
    }
  };
}
${
  eos
    ? `
/** The transactional producer: the handler's outputs, the dead letters and the input offsets commit together. */
export function producerConfig(settings: Settings): ProducerGlobalConfig {
  return {
    ...settings.connection,
    'client.id': settings.transactionalId + '-producer',
    'transactional.id': settings.transactionalId,
    'transaction.timeout.ms': settings.transactionTimeoutMs,
    // Idempotence (which transactions need) implies acks=all.
    'enable.idempotence': true,
    'linger.ms': 5,
  };
}
`
    : ''
}`;
}
