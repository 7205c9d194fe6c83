import { NonRetriableError } from '../errors';
import type { Headers } from '../kafka/record';

/**
 * Schema-encoded outputs: a handler's output record may ask for its key or value to be written
 * through the Schema Registry (wire format: magic byte, schema id, body). The engine owns the
 * shape and the port; the encoding itself (the codec and the registry) is plugged in by the
 * session layer, so the engine never imports the codec.
 */

/** The registry formats an output can be encoded with (the codec's SchemaFormat). */
export type OutputSchemaFormat = 'avro' | 'protobuf' | 'jsonSchema';
/** Confluent's subject name strategies (the codec's SubjectNameStrategy). */
export type OutputSubjectStrategy = 'TopicName' | 'RecordName' | 'TopicRecordName';

export const OUTPUT_SCHEMA_FORMATS: readonly OutputSchemaFormat[] = ['avro', 'protobuf', 'jsonSchema'];
export const OUTPUT_SUBJECT_STRATEGIES: readonly OutputSubjectStrategy[] = [
  'TopicName',
  'RecordName',
  'TopicRecordName',
];

/**
 * Which registered schema encodes an output's key or value: the producer's schema choice. The
 * subject is `subject` when given, else the strategy's (TopicName by default: `<topic>-value`).
 */
export interface OutputSchema {
  readonly format: OutputSchemaFormat;
  /** Default TopicName. Ignored when `subject` is given. */
  readonly strategy?: OutputSubjectStrategy;
  /** RecordName / TopicRecordName: the Avro record's or Protobuf message's full name, or the JSON Schema's title. */
  readonly recordName?: string;
  /** A subject given outright. */
  readonly subject?: string;
  /** Which version of the subject; default latest. */
  readonly version?: number | 'latest';
  /** Protobuf: which message type (default: the first in the schema). */
  readonly messageType?: string;
}

/** A key or value the registry still has to encode: the handler's value, and the schema to encode it with. */
export interface SchemaPayload {
  readonly schema: OutputSchema;
  readonly value: unknown;
}

/** An output whose key or value (or both) waits for the registry; everything else is already bytes. */
export interface PendingOutput {
  readonly pending: true;
  /** Its place in the handler call's outputs (for error messages). */
  readonly index: number;
  readonly topic: string;
  readonly partition?: number;
  readonly key: Buffer | null | SchemaPayload;
  readonly value: Buffer | null | SchemaPayload;
  readonly headers: Headers;
  /** The bytes of the header names and values. */
  readonly headerBytes: number;
}

/**
 * Encodes one key or value through the registry. Throws an OutputEncodeError (the value does not
 * fit, the subject does not exist: not retried) or a RetriableError (the registry is unreachable).
 */
export interface OutputSchemaEncoder {
  encode(request: {
    readonly topic: string;
    readonly role: 'key' | 'value';
    readonly schema: OutputSchema;
    readonly value: unknown;
    /** "output 2: the value", for messages. */
    readonly where: string;
  }): Promise<Buffer>;
}

/** An output's key or value could not be encoded through the registry. Not retried: the input fails (DLQ policy). */
export class OutputEncodeError extends NonRetriableError {}

const MAX_NAME = 1_000;

function name(where: string, field: string, raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_NAME)
    throw new OutputEncodeError(`${where}: ${field} must be a non-empty string of at most ${MAX_NAME} characters`);
  return raw;
}

/**
 * Checks a schema choice a handler gave (untrusted: it may be mid-edit, or come from another
 * process). Throws an OutputEncodeError naming the field and what it accepts.
 */
export function parseOutputSchema(where: string, raw: unknown): OutputSchema {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new OutputEncodeError(
      `${where} must be an object such as { format: 'avro', strategy: 'TopicName', version: 'latest' }`,
    );
  const r = raw as Record<string, unknown>;
  if (!OUTPUT_SCHEMA_FORMATS.includes(r.format as OutputSchemaFormat))
    throw new OutputEncodeError(
      `${where}: format must be one of ${OUTPUT_SCHEMA_FORMATS.join(', ')} (got ${JSON.stringify(r.format) ?? 'nothing'})`,
    );
  if (r.strategy !== undefined && r.strategy !== null && !OUTPUT_SUBJECT_STRATEGIES.includes(r.strategy as never))
    throw new OutputEncodeError(
      `${where}: strategy must be one of ${OUTPUT_SUBJECT_STRATEGIES.join(', ')} (got ${JSON.stringify(r.strategy)})`,
    );
  const version = r.version;
  if (
    version !== undefined &&
    version !== null &&
    version !== 'latest' &&
    !(typeof version === 'number' && Number.isInteger(version) && version > 0)
  )
    throw new OutputEncodeError(
      `${where}: version must be a positive integer or 'latest' (got ${JSON.stringify(version)})`,
    );
  const recordName = name(where, 'recordName', r.recordName);
  const subject = name(where, 'subject', r.subject);
  const messageType = name(where, 'messageType', r.messageType);
  return {
    format: r.format as OutputSchemaFormat,
    ...(r.strategy ? { strategy: r.strategy as OutputSubjectStrategy } : {}),
    ...(recordName !== undefined ? { recordName } : {}),
    ...(subject !== undefined ? { subject } : {}),
    ...(version !== undefined && version !== null ? { version: version as number | 'latest' } : {}),
    ...(messageType !== undefined ? { messageType } : {}),
  };
}

export function isSchemaPayload(payload: Buffer | null | SchemaPayload): payload is SchemaPayload {
  return payload !== null && !Buffer.isBuffer(payload);
}
