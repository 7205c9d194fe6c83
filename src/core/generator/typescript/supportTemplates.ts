import { DLQ_ENVELOPE_FIELDS, DLQ_HEADERS, DLQ_HEADER_LIMITS, DLQ_HEADER_PREFIX } from '../../dlq/envelopeContract';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, ENV, usesRegistry } from '../common';
import type { GeneratorInput } from '../generatorInput';

const q = (text: string): string => JSON.stringify(text);

/** src/config.ts: settings from the environment, defaulting to what the project was generated with. */
export function configTs(input: GeneratorInput): string {
  const c = input.connection;
  const p = input.commitPolicy;
  return `import type { ConsumerGlobalConfig } from '@confluentinc/kafka-javascript';

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
  readonly shutdownTimeoutMs: number;
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
    connection['sasl.mechanisms'] = text(env, ${q(ENV.saslMechanism)}, ${q(c.saslMechanism ?? 'SCRAM-SHA-512')});
    connection['sasl.username'] = text(env, ${q(ENV.saslUsername)}, ${q(c.saslUsername ?? '')});
    // A secret: only ever from the environment.
    connection['sasl.password'] = text(env, ${q(ENV.saslPassword)}, '');
  }
  const ca = text(env, ${q(ENV.sslCaLocation)}, ${q(c.sslCaLocation ?? '')});
  if (ca) connection['ssl.ca.location'] = ca;
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
    shutdownTimeoutMs: whole(env, ${q(ENV.shutdownTimeoutMs)}, ${DEFAULT_SHUTDOWN_TIMEOUT_MS}, 0),
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
    'enable.partition.eof': false,
  };
}
`;
}

/** src/contract.ts: the \`handle(message, context)\` contract, the same as Kafka Consumer Lab's. */
export function contractTs(): string {
  return `/**
 * The handler contract of Kafka Consumer Lab: the extension runs the same \`handle(message, context)\`
 * under the debugger, so src/handler.ts is debugged as it runs here.
 */

export interface PayloadInfo {
  readonly format: string;
  readonly schemaId?: number;
  readonly subject?: string;
}

export interface HandlerMessage<V = unknown> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number | undefined;
  /** The key as UTF-8 text, or null. */
  readonly key: string | null;
  readonly value: V;
  /** Header values as text; the bytes are in raw.headers. The last value wins for a repeated name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly raw: {
    readonly key: Buffer | null;
    readonly value: Buffer | null;
    readonly headers: ReadonlyArray<{ readonly key: string; readonly value: Buffer }>;
  };
  readonly format: { readonly key: PayloadInfo; readonly value: PayloadInfo };
}

export interface HandlerContext {
  /** 1 on the first attempt, 2 on the first retry, … */
  readonly attempt: number;
  /** Always false here; true when Kafka Consumer Lab replays a message (nothing is committed then). */
  readonly replay: boolean;
  /** Aborted when the partition is revoked or the consumer stops: give up the work. */
  readonly signal: AbortSignal;
  log(...args: unknown[]): void;
}

/** Return nothing when done, or decide the message's fate yourself. */
export type HandlerResult =
  | void
  | undefined
  | { readonly decision: 'skip' | 'retry' | 'deadLetter'; readonly reason?: string };

/** Throw this (or any error with \`retriable: true\`) for a failure worth retrying; anything else is dead-lettered. */
export class RetriableError extends Error {
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** The value could not be decoded: never retried. */
export class MessageDecodeError extends Error {
  override readonly name = 'MessageDecodeError';
}

/** A \`{ decision: 'deadLetter' }\` result (the extension records the same class). */
export class HandlerDeadLetter extends Error {
  override readonly name = 'HandlerDeadLetter';
}

/** A \`{ decision: 'retry' }\` result. */
export class HandlerRetry extends RetriableError {}
`;
}

/** src/watermark.ts: the per-partition contiguous commit watermark. */
export function watermarkTs(): string {
  return `/**
 * One partition's offsets in fetch order, and which are done. What may be committed is the first
 * offset not done yet: never past a message that is still running, waiting for a retry, or whose
 * dead-letter write is not acknowledged, however many later ones finished.
 */
export class Watermark {
  private readonly offsets: number[] = [];
  private readonly done = new Set<number>();
  private head = 0;
  private lastDone: number | undefined;

  track(offset: number): void {
    this.offsets.push(offset);
  }

  finish(offset: number): void {
    this.done.add(offset);
    while (this.head < this.offsets.length && this.done.has(this.offsets[this.head] as number)) {
      const first = this.offsets[this.head] as number;
      this.done.delete(first);
      this.lastDone = first;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.offsets.length) {
      this.offsets.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The offset to commit (the next one to read), or undefined when nothing is done yet. */
  committable(): number | undefined {
    if (this.lastDone === undefined) return undefined;
    return this.head < this.offsets.length ? (this.offsets[this.head] as number) : this.lastDone + 1;
  }
}
`;
}

/** src/deadLetter.ts: the envelope and headers of Kafka Consumer Lab, written with acks=all. */
export function deadLetterTs(): string {
  const fields = DLQ_ENVELOPE_FIELDS.map(
    (f) => `  readonly ${f}${f === 'original_timestamp' ? '?' : ''}: ${envelopeFieldType(f)};`,
  );
  return `import { type DeliveryReport, type LibrdKafkaError, type Message, type MessageHeader, Producer } from '@confluentinc/kafka-javascript';
import type { Settings } from './config';

/**
 * Kafka Consumer Lab's dead-letter envelope (its DLQ view and re-drive read it): the reference
 * guide's fields plus the retry count and the payload's encoding. Generated from the extension's
 * own constants; do not rename.
 */
export interface DeadLetterEnvelope {
${fields.join('\n')}
}

export const DLQ_HEADER_PREFIX = ${q(DLQ_HEADER_PREFIX)};
export const DLQ_HEADERS = {
${Object.entries(DLQ_HEADERS)
  .map(([k, v]) => `  ${k}: ${q(v)},`)
  .join('\n')}
} as const;
const MAX_ERROR_MESSAGE_HEADER = ${DLQ_HEADER_LIMITS.errorMessage};
const MAX_ERROR_STACK_HEADER = ${DLQ_HEADER_LIMITS.errorStack};
const WRITE_TIMEOUT_MS = 15_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Buffer): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function errorTypeOf(error: unknown): string {
  if (error instanceof Error) return error.constructor.name && error.constructor.name !== 'Object' ? error.constructor.name : error.name;
  return typeof error;
}

export function buildEnvelope(message: Message, error: unknown, retryCount: number, now = new Date()): DeadLetterEnvelope {
  const value = message.value ?? null;
  const encoding = value === null ? 'null' : isUtf8(value) ? 'utf8' : 'base64';
  return {
    original_topic: message.topic,
    original_partition: message.partition,
    original_offset: message.offset,
    ...(message.timestamp !== undefined && message.timestamp >= 0 ? { original_timestamp: message.timestamp } : {}),
    error_type: errorTypeOf(error),
    error_message: error instanceof Error ? error.message : String(error),
    failed_at: now.toISOString(),
    retry_count: retryCount,
    payload: value === null ? null : value.toString(encoding === 'utf8' ? 'utf8' : 'base64'),
    payload_encoding: encoding,
  };
}

/** The original headers (earlier dead-letter headers dropped) and this failure's. */
export function deadLetterHeaders(message: Message, envelope: DeadLetterEnvelope, error: unknown): MessageHeader[] {
  const kept = (message.headers ?? []).filter((h) => !Object.keys(h).some((k) => k.startsWith(DLQ_HEADER_PREFIX)));
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack.slice(0, MAX_ERROR_STACK_HEADER) : undefined;
  return [
    ...kept,
    { [DLQ_HEADERS.originalTopic]: envelope.original_topic },
    { [DLQ_HEADERS.originalPartition]: String(envelope.original_partition) },
    { [DLQ_HEADERS.originalOffset]: String(envelope.original_offset) },
    { [DLQ_HEADERS.errorType]: envelope.error_type },
    { [DLQ_HEADERS.errorMessage]: envelope.error_message.slice(0, MAX_ERROR_MESSAGE_HEADER) },
    { [DLQ_HEADERS.failedAt]: envelope.failed_at },
    { [DLQ_HEADERS.retryCount]: String(envelope.retry_count) },
    ...(stack ? [{ [DLQ_HEADERS.errorStack]: stack }] : []),
  ];
}

class DeadLetterWriteError extends Error {
  readonly retriable = true;
}

/** Resolves a write only once the broker acknowledged it (acks=all, idempotent). */
export class DeadLetterProducer {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;
  private readonly pending = new Map<number, { resolve(): void; reject(error: Error): void }>();
  private nextId = 1;

  constructor(private readonly settings: Settings) {
    this.producer = new Producer({
      ...settings.connection,
      'client.id': settings.groupId + '-dead-letters',
      acks: -1, // all in-sync replicas
      'enable.idempotence': true,
      'message.timeout.ms': WRITE_TIMEOUT_MS,
      'linger.ms': 5,
      dr_cb: true,
    });
    this.producer.on('delivery-report', (err: LibrdKafkaError, report: DeliveryReport) => {
      const entry = this.pending.get(report.opaque as number);
      if (!entry) return;
      this.pending.delete(report.opaque as number);
      if (err) entry.reject(new DeadLetterWriteError('the broker refused the dead-letter write: ' + err.message));
      else entry.resolve();
    });
    this.producer.on('event.error', (error) => console.error('dead-letter producer:', error.message));
  }

  async write(message: Message, error: unknown, retryCount: number): Promise<void> {
    await this.connect();
    const envelope = buildEnvelope(message, error, retryCount);
    const id = this.nextId++;
    const acknowledged = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new DeadLetterWriteError('the dead-letter write to ' + this.settings.dlqTopic + ' was not acknowledged in time'));
      }, WRITE_TIMEOUT_MS + 5_000);
      this.pending.set(id, {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
    try {
      this.producer.produce(
        this.settings.dlqTopic,
        null,
        Buffer.from(JSON.stringify(envelope)),
        message.key ?? null,
        Date.now(),
        id,
        deadLetterHeaders(message, envelope, error),
      );
    } catch (produceError) {
      this.pending.get(id)?.reject(new DeadLetterWriteError('could not queue the dead-letter write: ' + (produceError as Error).message));
    }
    await acknowledged;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      this.producer.flush(5_000, () =>
        this.producer.disconnect(() => {
          clearTimeout(timer);
          resolve();
        }),
      );
    });
  }

  private connect(): Promise<void> {
    this.connected ??= new Promise<void>((resolve, reject) =>
      this.producer.connect({ timeout: 30_000 }, (err) => {
        if (err) {
          this.connected = undefined;
          reject(new DeadLetterWriteError('the dead-letter producer could not connect: ' + err.message));
          return;
        }
        this.producer.setPollInterval(50);
        resolve();
      }),
    );
    return this.connected;
  }
}
`;
}

function envelopeFieldType(field: (typeof DLQ_ENVELOPE_FIELDS)[number]): string {
  switch (field) {
    case 'original_partition':
    case 'original_offset':
    case 'original_timestamp':
    case 'retry_count':
      return 'number';
    case 'payload':
      return 'string | null';
    case 'payload_encoding':
      return "'utf8' | 'base64' | 'null'";
    default:
      return 'string';
  }
}

/** src/decode.ts: the message as the handler sees it, its value decoded by the chosen format. */
export function decodeTs(input: GeneratorInput): string {
  const registry = usesRegistry(input);
  const decodeValue =
    input.valueFormat === 'json'
      ? `    try {
      return { value: JSON.parse(raw.toString('utf8')) as Value, info: { format: 'json' } };
    } catch (error) {
      throw new MessageDecodeError('the value is not JSON: ' + (error as Error).message);
    }`
      : input.valueFormat === 'text'
        ? `    return { value: raw.toString('utf8') as Value, info: { format: 'text' } };`
        : `    const decoded = await this.registry.decode(raw);
    return { value: decoded.value as Value, info: decoded.info };`;
  return `import type { Message } from '@confluentinc/kafka-javascript';
import { type HandlerMessage, MessageDecodeError, type PayloadInfo } from './contract';
${registry ? "import { RegistryDecoder } from './registry';\n" : ''}import type { Value } from './types';

/** Turns a fetched record into the handler's message: a decode failure is a MessageDecodeError (dead-lettered at once). */
export class ValueDecoder {
${registry ? '  private readonly registry: RegistryDecoder;\n\n  constructor(registry: { url: string; userInfo?: string } | undefined) {\n    if (!registry) throw new Error(' + q(`${ENV.registryUrl} is not set; the ${input.valueFormat} values need the Schema Registry`) + ');\n    this.registry = new RegistryDecoder(registry);\n  }\n' : '  constructor(_registry?: unknown) {}\n'}
  async decode(message: Message): Promise<HandlerMessage<Value | null>> {
    const raw = message.value ?? null;
    const { value, info }: { value: Value | null; info: PayloadInfo } =
      raw === null ? { value: null, info: { format: 'null' } } : await this.decodeValue(raw);
    const rawHeaders = (message.headers ?? []).flatMap((h) =>
      Object.entries(h).map(([key, v]) => ({ key, value: Buffer.isBuffer(v) ? v : Buffer.from(String(v)) })),
    );
    const headers: Record<string, string> = {};
    for (const h of rawHeaders) headers[h.key] = h.value.toString('utf8');
    const key = (message.key as Buffer | null | undefined) ?? null;
    return {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      timestamp: message.timestamp,
      key: key === null ? null : key.toString('utf8'),
      value,
      headers,
      raw: { key, value: raw, headers: rawHeaders },
      format: { key: { format: key === null ? 'null' : 'text' }, value: info },
    };
  }

  private async decodeValue(raw: Buffer): Promise<{ value: Value; info: PayloadInfo }> {
${decodeValue}
  }
}
`;
}

/** src/registry.ts: Confluent wire format (magic byte, 4-byte schema id) through the Schema Registry. */
export function registryTs(): string {
  return `import * as avro from 'avsc';
import { MessageDecodeError, type PayloadInfo, RetriableError } from './contract';

const MAGIC_BYTE = 0;
const REQUEST_TIMEOUT_MS = 10_000;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An Avro long as a number when it fits in one exactly, else as exact decimal text (never rounded). */
type Long = number | string;

function exactLong(value: bigint): Long {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
}

const LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => exactLong(buf.readBigInt64LE()),
  toBuffer: (n: Long) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (v: Long) => v,
  toJSON: (v: Long) => v,
  isValid: (v: unknown) => Number.isSafeInteger(v) || (typeof v === 'string' && /^-?[0-9]+$/.test(v)),
  compare: (a: Long, b: Long) => (BigInt(a) === BigInt(b) ? 0 : BigInt(a) < BigInt(b) ? -1 : 1),
});

/** Decodes only: a consumer never encodes these. */
abstract class ReadOnlyLogicalType extends avro.types.LogicalType {
  protected override _toValue(): never {
    throw new Error('this consumer only decodes ' + String(this.name ?? 'logical types'));
  }
}

/** Two's complement, big-endian, to exact decimal text with the schema's scale. */
export function decimalText(bytes: Buffer, scale: number): string {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  if (bytes.length > 0 && (bytes[0] as number) & 0x80) n -= 1n << BigInt(bytes.length * 8);
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString();
  if (scale <= 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(scale + 1, '0');
  return (negative ? '-' : '') + padded.slice(0, -scale) + '.' + padded.slice(-scale);
}

class DecimalType extends ReadOnlyLogicalType {
  private readonly scale: number;
  constructor(schema: avro.Schema, options?: avro.ForSchemaOptions) {
    super(schema, options);
    this.scale = Number((schema as { scale?: number }).scale ?? 0);
  }
  protected override _fromValue(bytes: Buffer): string {
    return decimalText(bytes, this.scale);
  }
}

class DateType extends ReadOnlyLogicalType {
  protected override _fromValue(days: number): string {
    return new Date(days * 86_400_000).toISOString().split('T')[0] as string;
  }
}

class TimeMillisType extends ReadOnlyLogicalType {
  protected override _fromValue(ms: number): string {
    return ms >= 0 && ms < 86_400_000 ? new Date(ms).toISOString().slice(11, 23) : String(ms);
  }
}

class TimestampMillisType extends ReadOnlyLogicalType {
  protected override _fromValue(ms: Long): string {
    const date = new Date(Number(ms));
    return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
  }
}

class TimestampMicrosType extends ReadOnlyLogicalType {
  protected override _fromValue(us: Long): string {
    const micros = BigInt(us);
    const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
    const date = new Date(Number(ms));
    if (Number.isNaN(date.getTime())) return String(us);
    return date.toISOString().replace('Z', String(micros - ms * 1000n).padStart(3, '0') + 'Z');
  }
}

const LOGICAL_TYPES = {
  decimal: DecimalType,
  date: DateType,
  'time-millis': TimeMillisType,
  'timestamp-millis': TimestampMillisType,
  'timestamp-micros': TimestampMicrosType,
};

type Decoder = { readonly format: 'avro'; readonly type: avro.Type } | { readonly format: 'jsonSchema' };

/** Fetches each writer schema once by id (bounded requests) and decodes with it. */
export class RegistryDecoder {
  private readonly decoders = new Map<number, Promise<Decoder>>();

  constructor(private readonly options: { readonly url: string; readonly userInfo?: string }) {}

  async decode(raw: Buffer): Promise<{ value: unknown; info: PayloadInfo }> {
    if (raw.length < 5 || raw[0] !== MAGIC_BYTE)
      throw new MessageDecodeError('the value does not start with the Schema Registry magic byte and a schema id');
    const schemaId = raw.readInt32BE(1);
    const decoder = await this.decoder(schemaId);
    const body = raw.subarray(5);
    try {
      const value = decoder.format === 'avro' ? decoder.type.fromBuffer(body) : (JSON.parse(body.toString('utf8')) as unknown);
      return { value, info: { format: decoder.format, schemaId } };
    } catch (error) {
      throw new MessageDecodeError('the value does not decode with schema ' + schemaId + ': ' + (error as Error).message);
    }
  }

  private decoder(id: number): Promise<Decoder> {
    let decoder = this.decoders.get(id);
    if (!decoder) {
      decoder = this.fetchDecoder(id);
      this.decoders.set(id, decoder);
      // A failed fetch is not cached: the retry asks again.
      decoder.catch(() => this.decoders.delete(id));
    }
    return decoder;
  }

  private async fetchDecoder(id: number): Promise<Decoder> {
    const headers: Record<string, string> = { Accept: 'application/vnd.schemaregistry.v1+json' };
    if (this.options.userInfo) headers.Authorization = 'Basic ' + Buffer.from(this.options.userInfo).toString('base64');
    let response: Response;
    try {
      response = await fetch(this.options.url.replace(/\\/+$/, '') + '/schemas/ids/' + id, {
        headers,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new RetriableError('the Schema Registry did not answer for schema ' + id + ': ' + (error as Error).message, { cause: error });
    }
    if (response.status === 404) throw new MessageDecodeError('schema ' + id + ' is not in the Schema Registry');
    if (!response.ok) throw new RetriableError('the Schema Registry answered ' + response.status + ' for schema ' + id);
    const body = (await response.json()) as { schema?: unknown; schemaType?: unknown };
    if (typeof body.schema !== 'string') throw new MessageDecodeError('the Schema Registry sent no schema for id ' + id);
    const schemaType = typeof body.schemaType === 'string' ? body.schemaType : 'AVRO';
    if (schemaType === 'JSON') return { format: 'jsonSchema' };
    if (schemaType !== 'AVRO') throw new MessageDecodeError('schema ' + id + ' is ' + schemaType + ', which this consumer does not decode');
    try {
      const type = avro.Type.forSchema(JSON.parse(body.schema) as avro.Schema, {
        logicalTypes: LOGICAL_TYPES,
        registry: { long: LONG },
        wrapUnions: false,
      });
      return { format: 'avro', type };
    } catch (error) {
      throw new MessageDecodeError('schema ' + id + ' is not valid Avro: ' + (error as Error).message);
    }
  }
}
`;
}
