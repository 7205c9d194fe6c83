import { LabError } from '../errors';
import type { RegistryError } from '../registry/registryErrors';
import { stringifyExact } from './losslessJson';

/**
 * The typed errors of the codec layer. Callers branch on the class and its `reason`, never on
 * message text. Messages say what happened and what to do.
 */

export type WireFormatErrorReason = 'tooShort' | 'wrongMagicByte' | 'truncatedIndexList' | 'schemaIdOutOfRange';

/** The bytes are not in the Confluent Schema Registry wire format (magic byte 0 + 4-byte schema id). */
export class WireFormatError extends LabError {
  constructor(
    readonly reason: WireFormatErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export type DecodeErrorReason =
  /** The registry does not know the schema id in the record header. */
  | 'unknownSchemaId'
  /** The body ends before the schema says it should. */
  | 'truncatedPayload'
  /** The body does not follow its schema (impossible lengths, bad wire types, bad union index...). */
  | 'corruptPayload'
  /** The body decoded, but bytes were left over: usually the wrong schema for these bytes. */
  | 'trailingBytes'
  /** A Protobuf message-index path names a message the schema does not declare. */
  | 'messageIndexOutOfRange'
  /** Bytes that must be text are not valid UTF-8. */
  | 'invalidUtf8'
  /** Bytes that must be JSON do not parse. */
  | 'invalidJson'
  /** The registry returned a schema (or a reference) that cannot be parsed. */
  | 'unparsableSchema'
  /** The registry returned a schema type this codec does not know. */
  | 'unsupportedSchemaType'
  /** The topic's format rule asks for one schema format but the record's schema is another. */
  | 'formatMismatch'
  /** A decoded value cannot be represented. */
  | 'unsupportedValue'
  /** The body nests deeper than the decoder can follow (a recursive schema, or a corrupt body). */
  | 'tooDeep'
  /** The record needs a schema registry but none is configured for the connection. */
  | 'noRegistry'
  /** The decoder itself failed unexpectedly (a bug); the bytes are shown as they are. */
  | 'decoderFailure';

/** A payload that cannot be decoded as what it claims (or was configured) to be. */
export class DecodeError extends LabError {
  constructor(
    readonly reason: DecodeErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One field of an input value that does not match the schema. */
export interface FieldError {
  /** Where, from the root: `$`, `$.address.city`, `$.lines[2].sku`. */
  readonly path: string;
  /** What the schema expects there, e.g. `long`, `one of EUR, USD`, `a required field`. */
  readonly expected: string;
  /** The value found, rendered as short JSON (`undefined` when absent). */
  readonly actual: string;
}

export type EncodeErrorReason =
  /** The input text is not valid JSON / hex / base64. */
  | 'invalidInput'
  /** The value does not match the schema; see `fieldErrors`. Nothing was produced. */
  | 'schemaMismatch'
  /** The schema to register is not compatible with the subject's latest version. */
  | 'incompatibleSchema'
  /** The schema to register (or the one found) cannot be parsed. */
  | 'invalidSchema'
  /** A subject name cannot be derived (e.g. RecordName without a record name). */
  | 'subjectUndetermined'
  /** The subject holds a schema of another format than the one asked for. */
  | 'wrongSchemaFormat'
  /** A schema format was asked for, but the connection has no schema registry. */
  | 'noRegistry';

/** A value that cannot be encoded. Nothing is produced when this is returned. */
export class EncodeError extends LabError {
  constructor(
    readonly reason: EncodeErrorReason,
    message: string,
    readonly fieldErrors: readonly FieldError[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Every error a decode can end with. */
export type CodecError = WireFormatError | DecodeError | RegistryError;

/** Renders a value for a FieldError: short JSON, never the whole of a large value. */
export function renderActual(value: unknown, max = 80): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text =
      typeof value === 'bigint'
        ? value.toString()
        : Buffer.isBuffer(value)
          ? `<${value.length} bytes>`
          : (stringifyExact(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A JSON-path-like rendering of a path given as segments (numbers are array indexes). */
export function renderPath(segments: readonly (string | number)[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A short summary of field errors for an error message. */
export function summarizeFieldErrors(errors: readonly FieldError[], max = 3): string {
  const shown = errors.slice(0, max).map((e) => `${e.path}: expected ${e.expected}, got ${e.actual}`);
  const more = errors.length > max ? ` (and ${errors.length - max} more)` : '';
  return shown.join('; ') + more;
}
