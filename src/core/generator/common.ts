import type { GeneratorInput } from './generatorInput';

/**
 * The environment both generated projects read. Secrets are only ever read from here (never
 * written into a generated file): .env.example names them with empty values.
 */
export const ENV = {
  bootstrapServers: 'KAFKA_BOOTSTRAP_SERVERS',
  groupId: 'KAFKA_GROUP_ID',
  topics: 'KAFKA_TOPICS',
  dlqTopic: 'KAFKA_DLQ_TOPIC',
  autoOffsetReset: 'KAFKA_AUTO_OFFSET_RESET',
  securityProtocol: 'KAFKA_SECURITY_PROTOCOL',
  saslMechanism: 'KAFKA_SASL_MECHANISM',
  saslUsername: 'KAFKA_SASL_USERNAME',
  saslPassword: 'KAFKA_SASL_PASSWORD',
  sslCaLocation: 'KAFKA_SSL_CA_LOCATION',
  registryUrl: 'SCHEMA_REGISTRY_URL',
  registryUserInfo: 'SCHEMA_REGISTRY_USER_INFO',
  concurrency: 'CONSUMER_CONCURRENCY',
  commitPolicy: 'COMMIT_POLICY',
  commitBatchMessages: 'COMMIT_BATCH_MESSAGES',
  commitBatchMs: 'COMMIT_BATCH_MS',
  retryMaxAttempts: 'RETRY_MAX_ATTEMPTS',
  retryBaseMs: 'RETRY_BASE_MS',
  retryCapMs: 'RETRY_CAP_MS',
  shutdownTimeoutMs: 'SHUTDOWN_TIMEOUT_MS',
} as const;

export const SECRET_ENV: readonly string[] = [ENV.saslPassword, ENV.registryUserInfo];

/** How long a graceful stop waits for handlers in flight before it commits what is done and leaves. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

export function usesRegistry(input: GeneratorInput): boolean {
  return input.valueFormat === 'avro' || input.valueFormat === 'jsonSchema';
}

export function commitPolicyText(input: GeneratorInput): string {
  const p = input.commitPolicy;
  return p.kind === 'perMessage'
    ? 'per message (synchronously, each time the watermark moves)'
    : `every ${p.maxMessages} messages or ${p.maxIntervalMs / 1000} s, whichever comes first`;
}

/** The .env.example of both languages: every setting with the generated default; secrets empty. */
export function envExample(input: GeneratorInput): string {
  const c = input.connection;
  const p = input.commitPolicy;
  const lines = [
    '# Copy to .env and fill in the secrets. Never commit .env.',
    `${ENV.bootstrapServers}=${c.bootstrapServers}`,
    `${ENV.groupId}=${input.groupId}`,
    `${ENV.topics}=${input.topics.join(',')}`,
    `${ENV.dlqTopic}=${input.dlqTopic}`,
    `${ENV.autoOffsetReset}=${input.autoOffsetReset}`,
    `${ENV.securityProtocol}=${c.securityProtocol ?? 'PLAINTEXT'}`,
  ];
  if (c.saslMechanism) {
    lines.push(`${ENV.saslMechanism}=${c.saslMechanism}`, `${ENV.saslUsername}=${c.saslUsername ?? ''}`);
    lines.push('# secret', `${ENV.saslPassword}=`);
  }
  if (c.sslCaLocation) lines.push(`${ENV.sslCaLocation}=${c.sslCaLocation}`);
  if (c.schemaRegistryUrl) {
    lines.push(`${ENV.registryUrl}=${c.schemaRegistryUrl}`);
    lines.push('# secret, "user:password", only if the registry needs basic auth', `${ENV.registryUserInfo}=`);
  }
  lines.push(
    `${ENV.concurrency}=${input.concurrency}`,
    `# per-message or batch`,
    `${ENV.commitPolicy}=${p.kind === 'perMessage' ? 'per-message' : 'batch'}`,
    `${ENV.commitBatchMessages}=${p.kind === 'batch' ? p.maxMessages : 500}`,
    `${ENV.commitBatchMs}=${p.kind === 'batch' ? p.maxIntervalMs : 5000}`,
    `${ENV.retryMaxAttempts}=${input.retry.maxAttempts}`,
    `${ENV.retryBaseMs}=${input.retry.baseMs}`,
    `${ENV.retryCapMs}=${input.retry.capMs}`,
    `${ENV.shutdownTimeoutMs}=${DEFAULT_SHUTDOWN_TIMEOUT_MS}`,
    '',
  );
  return lines.join('\n');
}

/**
 * The `kafka-lab` launch configuration that debugs the generated handler with the extension
 * (see src/core/handler/handlerLaunchConfig.ts for its fields).
 */
export function kafkaLabLaunch(input: GeneratorInput, handlerPath: string): Record<string, unknown> {
  const p = input.commitPolicy;
  return {
    type: 'kafka-lab',
    request: 'launch',
    name: `Debug ${input.groupId} handler`,
    handler: `\${workspaceFolder}/${handlerPath}`,
    cluster: input.clusterName ?? 'Local demo',
    topics: [...input.topics],
    groupId: `${input.groupId}-debug`,
    mode: 'stepping',
    autoOffsetReset: input.autoOffsetReset,
    commitPolicy:
      p.kind === 'perMessage' ? 'perMessage' : { maxMessages: p.maxMessages, maxIntervalMs: p.maxIntervalMs },
    dlqTopic: input.dlqTopic,
    concurrency: input.concurrency,
  };
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
