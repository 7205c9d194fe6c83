import type { CodecError, FieldError } from './codecErrors';

/** Which side of a record a payload is. Keys and values are decoded independently. */
export type PayloadRole = 'key' | 'value';

export interface DecodeTarget {
  readonly topic: string;
  readonly role: PayloadRole;
}

import type { PayloadFormat, PlainFormat, SchemaFormat } from './payloadFormat';

export type { PayloadFormat, PlainFormat, SchemaFormat };

/** Which registered schema a payload was decoded with. */
export interface SchemaIdentity {
  readonly id: number;
  readonly format: SchemaFormat;
  /** The first subject/version that uses this schema id, when the registry says. */
  readonly subject?: string;
  readonly version?: number;
}

/** Hex and base64 of the first bytes of a payload; `size` is always the full size. */
export interface BinaryPreview {
  readonly size: number;
  readonly shownBytes: number;
  readonly truncated: boolean;
  readonly hex: string;
  readonly base64: string;
}

/** Decoded through a registered schema. */
export interface SchemaDecoded {
  readonly ok: true;
  readonly format: SchemaFormat;
  /**
   * The decoded value: Avro records as avsc gives them (bytes as Buffer), Protobuf messages as plain
   * objects (proto field names, 64-bit integers and enums as strings, bytes base64, defaults shown),
   * JSON Schema payloads as parsed JSON. `toDisplayJson` makes any of them JSON-safe.
   */
  readonly value: unknown;
  readonly schema: SchemaIdentity;
  /** Protobuf: the full name of the message type the record's message indexes point at. */
  readonly messageType?: string;
  /** JSON Schema: where the payload does not match its schema (it is still shown). */
  readonly violations?: readonly FieldError[];
  readonly raw: Buffer;
}

export interface JsonDecoded {
  readonly ok: true;
  readonly format: 'json';
  readonly value: unknown;
  readonly raw: Buffer;
}

export interface TextDecoded {
  readonly ok: true;
  readonly format: 'text';
  readonly text: string;
  readonly raw: Buffer;
}

export interface BinaryDecoded {
  readonly ok: true;
  readonly format: 'binary';
  readonly preview: BinaryPreview;
  readonly raw: Buffer;
}

/** A null key or value (no key, a tombstone). */
export interface NullDecoded {
  readonly ok: true;
  readonly format: 'null';
  readonly raw: null;
}

export type PlainDecoded = JsonDecoded | TextDecoded | BinaryDecoded;
export type Decoded = SchemaDecoded | PlainDecoded | NullDecoded;

/** A payload that could not be decoded as what it claims or was configured to be. */
export interface DecodeFailure {
  readonly ok: false;
  readonly error: CodecError;
  /** The format that was attempted; `wireFormat` when the schema (so the format) was never known. */
  readonly attempted: PayloadFormat | 'wireFormat';
  /** The schema id from the record header, when there was one. */
  readonly schemaId?: number;
  /** The bytes, untouched. */
  readonly raw: Buffer;
  /** The payload shown as what it is: text when it is printable UTF-8, otherwise binary. */
  readonly fallback: TextDecoded | BinaryDecoded;
}

export type DecodeResult = Decoded | DecodeFailure;
