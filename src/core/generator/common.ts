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
  oauthTokenEndpointUrl: 'KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
  oauthClientId: 'KAFKA_SASL_OAUTHBEARER_CLIENT_ID',
  oauthClientSecret: 'KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET',
  oauthScope: 'KAFKA_SASL_OAUTHBEARER_SCOPE',
  sslCaLocation: 'KAFKA_SSL_CA_LOCATION',
  sslCertificateLocation: 'KAFKA_SSL_CERTIFICATE_LOCATION',
  sslKeyLocation: 'KAFKA_SSL_KEY_LOCATION',
  sslKeyPassword: 'KAFKA_SSL_KEY_PASSWORD',
  outputTopic: 'KAFKA_OUTPUT_TOPIC',
  instanceId: 'KAFKA_INSTANCE_ID',
  transactionTimeoutMs: 'KAFKA_TRANSACTION_TIMEOUT_MS',
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

export const SECRET_ENV: readonly string[] = [
  ENV.saslPassword,
  ENV.oauthClientSecret,
  ENV.sslKeyPassword,
  ENV.registryUserInfo,
];

/** How long a transaction of the exactly-once consumer may stay open before the broker aborts it. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

export function isExactlyOnce(input: GeneratorInput): boolean {
  return input.delivery === 'exactly-once';
}

/** How long a graceful stop waits for handlers in flight before it commits what is done and leaves. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

export function usesRegistry(input: GeneratorInput): boolean {
  return input.valueFormat === 'avro' || input.valueFormat === 'jsonSchema' || input.valueFormat === 'protobuf';
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
  if (c.saslMechanism === 'OAUTHBEARER') {
    lines.push(
      `${ENV.saslMechanism}=OAUTHBEARER`,
      `${ENV.oauthTokenEndpointUrl}=${c.oauthTokenEndpointUrl ?? ''}`,
      `${ENV.oauthClientId}=${c.oauthClientId ?? ''}`,
      `${ENV.oauthScope}=${c.oauthScope ?? ''}`,
      '# secret',
      `${ENV.oauthClientSecret}=`,
    );
  } else if (c.saslMechanism) {
    lines.push(`${ENV.saslMechanism}=${c.saslMechanism}`, `${ENV.saslUsername}=${c.saslUsername ?? ''}`);
    lines.push('# secret', `${ENV.saslPassword}=`);
  } else {
    lines.push(
      '# SASL (security protocol SASL_PLAINTEXT or SASL_SSL): PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512 with a user and',
      `# ${ENV.saslPassword}, or OAUTHBEARER with ${ENV.oauthTokenEndpointUrl}, ${ENV.oauthClientId},`,
      `# ${ENV.oauthScope} and the secret ${ENV.oauthClientSecret}.`,
    );
  }
  lines.push(`${ENV.sslCaLocation}=${c.sslCaLocation ?? ''}`);
  lines.push(
    '# mTLS: the client certificate and key (PEM files); the key password is a secret',
    `${ENV.sslCertificateLocation}=${c.sslCertificateLocation ?? ''}`,
    `${ENV.sslKeyLocation}=${c.sslKeyLocation ?? ''}`,
    `${ENV.sslKeyPassword}=`,
  );
  if (isExactlyOnce(input))
    lines.push(
      `${ENV.outputTopic}=${input.outputTopic ?? ''}`,
      '# the transactional.id is <group id>-<instance id>: give each running instance its own, stable across restarts',
      `${ENV.instanceId}=`,
      `${ENV.transactionTimeoutMs}=${DEFAULT_TRANSACTION_TIMEOUT_MS}`,
    );
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
    ...(isExactlyOnce(input) ? { delivery: 'exactly-once' } : {}),
  };
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The generated README's account of the exactly-once guarantee and its limits (both languages). */
export function exactlyOnceReadme(input: GeneratorInput): string {
  const p = input.commitPolicy;
  const every =
    p.kind === 'perMessage'
      ? 'after each message'
      : `every ${p.maxMessages} messages or ${p.maxIntervalMs / 1000} s, whichever comes first`;
  return `## What it does: exactly-once for Kafka outputs

- A transactional producer (\`transactional.id\` = \`<group id>-<instance id>\`, \`${ENV.instanceId}\`, the
  host name by default) writes the records the handler returns to \`${input.outputTopic ?? ''}\` (\`${ENV.outputTopic}\`),
  and \`sendOffsetsToTransaction\` adds the input offsets with the consumer's group metadata; the
  transaction commits ${every} (\`${ENV.commitBatchMessages}\`, \`${ENV.commitBatchMs}\`). The outputs and
  the offsets commit together or not at all.
- The input is read \`read_committed\`, and so must your readers of \`${input.outputTopic ?? ''}\` be: they never
  see the records of an aborted transaction. After a crash, the transaction that was open is aborted
  (by the next instance with the same \`transactional.id\`, or by the broker after
  \`${ENV.transactionTimeoutMs}\`), and its messages are handled again into a new one: each output is
  seen once.
- Messages are handled one at a time, in order. A handler error aborts the transaction and seeks
  every partition back to its last committed offset; the messages since are handled again. A
  retriable error (\`retriable: true\`) is retried with exponential backoff (${input.retry.maxAttempts} attempts,
  ${input.retry.baseMs} ms doubling up to ${input.retry.capMs} ms) with the partitions paused, never by sleeping in
  the poll loop; any other error, and a retriable one out of attempts, goes to \`${input.dlqTopic}\` with
  Kafka Consumer Lab's envelope, written inside the transaction (so it is written once too).
- \`cooperative-sticky\` assignment: a revoke commits the open transaction before the partitions
  move (or aborts it if the commit fails); lost partitions abort it, since another member may own
  them already.
- Fencing is fatal: when another instance starts with the same \`transactional.id\`, this one logs
  \`fatal: the transactional producer … was fenced\`, commits nothing more and exits with code 1.
  Give each running instance its own, stable \`${ENV.instanceId}\` (a StatefulSet ordinal, say).
- SIGTERM or SIGINT commits the open transaction and leaves the group.

**Only Kafka outputs are covered.** A side effect outside Kafka in the handler (a database write, an
HTTP call, an e-mail) can happen again after a crash or an abort: make it idempotent (a key the
store deduplicates on) or write it atomically with a record of the offsets, as the reference guide
shows.`;
}
