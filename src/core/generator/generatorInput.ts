import { type CommitPolicy, defaultBatchPolicy, validateCommitPolicy } from '../engine/commitPolicy';
import { type RetryPolicy, defaultRetryPolicy, validateRetryPolicy } from '../engine/backoff';
import { defaultDeadLetterTopic as defaultDeadLetterTopicName } from '../dlq/deadLetterWriter';

export type ProjectLanguage = 'typescript' | 'python';

/** Formats a generated consumer decodes: plain JSON and text, or through the Schema Registry. */
export type GeneratedValueFormat = 'json' | 'text' | 'avro' | 'jsonSchema' | 'protobuf';

/**
 * At-least-once commits the input after the handler; exactly-once runs a transactional producer and
 * commits the handler's output records and the input offsets in one Kafka transaction.
 */
export type GeneratedDelivery = 'at-least-once' | 'exactly-once';

/** The value schema, as the registry holds it (the generator derives the project's types from it). */
export interface GeneratorSchema {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  /** The schema text: Avro JSON, JSON Schema or .proto text. */
  readonly schema: string;
}

/** Connection settings without secrets: the generated project reads those from environment variables. */
export interface GeneratorConnection {
  readonly bootstrapServers: string;
  readonly securityProtocol?: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  readonly saslMechanism?: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
  /** A user name is not a secret; the password always comes from the environment. */
  readonly saslUsername?: string;
  /** OAUTHBEARER (OIDC client credentials): the endpoint, client id and scope; the client secret comes from the environment. */
  readonly oauthTokenEndpointUrl?: string;
  readonly oauthClientId?: string;
  readonly oauthScope?: string;
  readonly sslCaLocation?: string;
  /** mTLS: the client certificate and key files (paths); the key's password comes from the environment. */
  readonly sslCertificateLocation?: string;
  readonly sslKeyLocation?: string;
  readonly schemaRegistryUrl?: string;
}

export interface GeneratorInput {
  readonly language: ProjectLanguage;
  /** The project's (package) name. */
  readonly projectName: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly valueFormat: GeneratedValueFormat;
  readonly schema?: GeneratorSchema;
  readonly commitPolicy: CommitPolicy;
  /** Messages handled at once; the commit watermark never passes one that has not finished. */
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly dlqTopic: string;
  /** At-least-once when absent. */
  readonly delivery?: GeneratedDelivery;
  /** Exactly-once: where the handler's output records go unless a record names its topic. */
  readonly outputTopic?: string;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly connection: GeneratorConnection;
  /** The saved cluster's name, for the `kafka-lab` launch configuration. */
  readonly clusterName?: string;
}

export class GeneratorInputError extends Error {
  override readonly name = 'GeneratorInputError';
  constructor(
    readonly field: keyof GeneratorInput | 'connection.bootstrapServers',
    message: string,
  ) {
    super(message);
  }
}

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const PROJECT = /^[a-z0-9][a-z0-9._-]{0,213}$/;
/** Group ids end up in code, JSON and shell files: keep them to a plain alphabet. */
const GROUP = /^[A-Za-z0-9._:-]{1,255}$/;
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):\d{1,5}$/;
const URL_TEXT = /^https?:\/\/[^\s"'`\\$]+$/;
const PATH_TEXT = /^[^\n\r"'`\\$]+$/;

export const MAX_GENERATED_CONCURRENCY = 256;

/** The settings a form starts from: the reference guide's batch of 500 messages / 5 s, the engine's retry policy. */
export function defaultGeneratorInput(
  partial: Pick<GeneratorInput, 'language' | 'groupId' | 'topics'> & Partial<GeneratorInput>,
): GeneratorInput {
  const first = partial.topics[0] ?? 'topic';
  return {
    projectName: projectNameFor(partial.groupId),
    valueFormat: 'json',
    commitPolicy: defaultBatchPolicy,
    concurrency: 1,
    retry: defaultRetryPolicy,
    dlqTopic: defaultDeadLetterTopicName(first),
    autoOffsetReset: 'earliest',
    connection: { bootstrapServers: '127.0.0.1:9092' },
    ...partial,
  };
}

export function projectNameFor(groupId: string): string {
  const name = groupId
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 200);
  return name ? `${name}-consumer` : 'kafka-consumer';
}

/**
 * Checks every field, since they reach generated source, JSON and shell files: a value that could
 * break out of a string literal is refused, naming the field and how to write it.
 */
export function validateGeneratorInput(input: GeneratorInput): void {
  const fail = (field: GeneratorInputError['field'], message: string): never => {
    throw new GeneratorInputError(field, message);
  };
  if (input.language !== 'typescript' && input.language !== 'python')
    fail('language', 'The language must be "typescript" or "python".');
  if (!PROJECT.test(input.projectName))
    fail('projectName', 'The project name must be lower case letters, digits, ".", "_" or "-" (like an npm package).');
  if (!GROUP.test(input.groupId)) fail('groupId', 'The group id must be 1–255 letters, digits, ".", "_", ":" or "-".');
  if (input.topics.length === 0) fail('topics', 'Name at least one topic.');
  for (const topic of input.topics)
    if (!TOPIC.test(topic) || topic === '.' || topic === '..')
      fail('topics', `"${topic}" is not a Kafka topic name (letters, digits, ".", "_", "-"; at most 249).`);
  if (!TOPIC.test(input.dlqTopic)) fail('dlqTopic', `"${input.dlqTopic}" is not a Kafka topic name.`);
  if (input.topics.includes(input.dlqTopic))
    fail('dlqTopic', 'The dead-letter topic must not be one of the topics consumed.');
  const delivery = input.delivery ?? 'at-least-once';
  if (delivery !== 'at-least-once' && delivery !== 'exactly-once')
    fail('delivery', 'The delivery guarantee must be "at-least-once" or "exactly-once".');
  if (delivery === 'exactly-once') {
    if (input.outputTopic === undefined || !TOPIC.test(input.outputTopic))
      fail('outputTopic', 'Exactly-once needs the output topic the handler writes to (a Kafka topic name).');
    if (input.topics.includes(input.outputTopic as string) || input.outputTopic === input.dlqTopic)
      fail('outputTopic', 'The output topic must be neither a topic consumed nor the dead-letter topic.');
    if (input.concurrency !== 1)
      fail(
        'concurrency',
        'The exactly-once consumer handles one message at a time, in order: the concurrency must be 1.',
      );
  } else if (input.outputTopic !== undefined) fail('outputTopic', 'An output topic is only for exactly-once delivery.');
  if (!['json', 'text', 'avro', 'jsonSchema', 'protobuf'].includes(input.valueFormat))
    fail('valueFormat', 'The value format must be json, text, avro, jsonSchema or protobuf.');
  if (input.valueFormat === 'protobuf' && input.language === 'python' && !input.schema)
    fail('schema', 'A Python Protobuf consumer needs the value schema (its message classes are generated from it).');
  if (['avro', 'jsonSchema', 'protobuf'].includes(input.valueFormat) && !input.connection.schemaRegistryUrl)
    fail('connection', 'A Schema Registry format needs the registry URL of the cluster connection.');
  try {
    validateCommitPolicy(input.commitPolicy);
  } catch (error) {
    fail('commitPolicy', (error as Error).message);
  }
  try {
    validateRetryPolicy(input.retry);
  } catch (error) {
    fail('retry', (error as Error).message);
  }
  if (!Number.isInteger(input.concurrency) || input.concurrency < 1 || input.concurrency > MAX_GENERATED_CONCURRENCY)
    fail('concurrency', `The concurrency must be a whole number from 1 to ${MAX_GENERATED_CONCURRENCY}.`);
  if (input.autoOffsetReset !== 'earliest' && input.autoOffsetReset !== 'latest')
    fail('autoOffsetReset', 'auto.offset.reset must be "earliest" or "latest".');
  const c = input.connection;
  const servers = c.bootstrapServers.split(',').map((s) => s.trim());
  if (servers.length === 0 || servers.some((s) => !HOST_PORT.test(s)))
    fail('connection.bootstrapServers', 'The bootstrap servers must be host:port, separated by commas.');
  if (c.schemaRegistryUrl !== undefined && !URL_TEXT.test(c.schemaRegistryUrl))
    fail('connection', 'The Schema Registry URL must be an http(s) URL without quotes, spaces or "$".');
  if (c.saslUsername !== undefined && !PATH_TEXT.test(c.saslUsername))
    fail('connection', 'The SASL user name must not contain quotes, "$", "\\" or line breaks.');
  for (const [name, value] of [
    ['CA file path', c.sslCaLocation],
    ['client certificate path', c.sslCertificateLocation],
    ['client key path', c.sslKeyLocation],
    ['OAUTHBEARER client id', c.oauthClientId],
    ['OAUTHBEARER scope', c.oauthScope],
  ] as const)
    if (value !== undefined && !PATH_TEXT.test(value))
      fail('connection', `The ${name} must not contain quotes, "$", "\\" or line breaks.`);
  if (c.oauthTokenEndpointUrl !== undefined && !URL_TEXT.test(c.oauthTokenEndpointUrl))
    fail('connection', 'The OAUTHBEARER token endpoint must be an http(s) URL without quotes, spaces or "$".');
  if (c.saslMechanism === 'OAUTHBEARER' && (!c.oauthTokenEndpointUrl || !c.oauthClientId))
    fail('connection', 'OAUTHBEARER needs the token endpoint URL and the client id of the identity provider.');
  if (!!c.sslCertificateLocation !== !!c.sslKeyLocation)
    fail(
      'connection',
      'A client certificate needs its key file, and a key file its certificate: set both, or neither.',
    );
  if (c.saslMechanism && !c.securityProtocol?.startsWith('SASL'))
    fail('connection', 'A SASL mechanism needs the security protocol SASL_PLAINTEXT or SASL_SSL.');
  if (input.clusterName !== undefined && !PATH_TEXT.test(input.clusterName))
    fail('clusterName', 'The cluster name must not contain quotes, "$", "\\" or line breaks.');
}
