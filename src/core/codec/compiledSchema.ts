import type { DecodeError, EncodeError } from './codecErrors';
import type { DecodeResult, SchemaFormat, SchemaIdentity } from './decodeResult';

/** A reference resolved to its schema text, with its own references resolved in turn. */
export interface ResolvedReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
  readonly schemaType: string;
  readonly schema: string;
  readonly references: readonly ResolvedReference[];
}

export interface EncodeOptions {
  /** Protobuf: the message type to encode (full or simple name); the first message when absent. */
  readonly messageType?: string;
}

export type BodyEncodeResult =
  { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly error: EncodeError };

/**
 * A schema parsed once, with its reader/writer built once, ready for any number of records. No
 * network and no per-record schema work happens here.
 */
export interface CompiledSchema {
  readonly format: SchemaFormat;
  readonly identity: SchemaIdentity;
  /**
   * Decodes the body that starts at `offset` in `raw` (5 after a wire-format header, 0 for a raw
   * body). `framed` tells whether a Protobuf body starts with the message-index list; for a raw
   * Protobuf body, `messageType` names the message (the first one when absent).
   */
  decode(raw: Buffer, offset: number, framed: boolean, messageType?: string): DecodeResult;
  /** Serializes a JSON-shaped value to a body (without the 5-byte header; with Protobuf's message indexes). */
  encode(value: unknown, options?: EncodeOptions): BodyEncodeResult;
  /** The record/message/title name used by the RecordName and TopicRecordName strategies. */
  recordName(options?: EncodeOptions): string | undefined;
}

export type CompileResult =
  { readonly ok: true; readonly schema: CompiledSchema } | { readonly ok: false; readonly error: DecodeError };

/** "schema 12", or "the schema to register" for a draft (id 0); `kind` e.g. "Avro". */
export function schemaLabel(
  identity: { readonly id: number },
  options: { capital?: boolean; kind?: string } = {},
): string {
  const kind = options.kind ? `${options.kind} ` : '';
  const label = identity.id > 0 ? `${kind}schema ${identity.id}` : `the ${kind}schema to register`;
  return options.capital ? label[0].toUpperCase() + label.slice(1) : label;
}

/** Depth-first, each reference once (by subject and version), dependencies before dependents. */
export function flattenReferences(references: readonly ResolvedReference[]): ResolvedReference[] {
  const seen = new Set<string>();
  const out: ResolvedReference[] = [];
  const visit = (ref: ResolvedReference): void => {
    const key = `${ref.subject}\u0000${ref.version}`;
    if (seen.has(key)) return;
    seen.add(key);
    ref.references.forEach(visit);
    out.push(ref);
  };
  references.forEach(visit);
  return out;
}
