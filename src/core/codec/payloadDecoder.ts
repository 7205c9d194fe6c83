import { DecodeError, type CodecError } from './codecErrors';
import type { CompiledSchema } from './compiledSchema';
import type { DecodeFailure, DecodeResult, DecodeTarget, NullDecoded, SchemaFormat } from './decodeResult';
import { FormatRules, type CodecFormatConfig, type FormatChoice } from './formatRules';
import { asBuffer, binary, decodeJson, decodeText, DEFAULT_PREVIEW_BYTES, detectPlain, failure } from './plainFormats';
import type { SchemaCache, SchemaLookup } from './schemaCache';
import { HEADER_SIZE, looksFramed, parseFrame } from './wireFormat';

export interface PayloadDecoderOptions {
  /** The connection's schema cache; absent when the connection has no registry. */
  readonly schemas?: SchemaCache;
  readonly formats?: CodecFormatConfig;
  /** How many bytes binary previews show (default 1024); the full size is always stated. */
  readonly previewBytes?: number;
}

const NULL_DECODED: NullDecoded = Object.freeze({ ok: true, format: 'null', raw: null });

/** What a decode is waiting for when the schema is not cached yet. */
class SchemaNeeded {
  constructor(
    readonly id: number | undefined,
    readonly subject: string | undefined,
    readonly version: number | 'latest',
    readonly expected: SchemaFormat | undefined,
    readonly messageType: string | undefined,
  ) {}
}

/**
 * Decodes record keys and values, never throwing: every outcome is a DecodeResult that keeps the
 * raw bytes. With the schema cached, `decodeIfReady` answers synchronously with no network and
 * one decoding pass; `decode` fetches what is missing (once per schema id, bounded by the
 * registry timeout, failures remembered briefly) and then decodes.
 */
export class PayloadDecoder {
  private rules: FormatRules;
  private readonly schemas: SchemaCache | undefined;
  private readonly previewBytes: number;
  private readonly noRegistryErrors = new Map<number, DecodeError>();

  constructor(options: PayloadDecoderOptions = {}) {
    this.schemas = options.schemas;
    this.rules = new FormatRules(options.formats);
    this.previewBytes = options.previewBytes ?? DEFAULT_PREVIEW_BYTES;
  }

  /** Applies changed format rules (e.g. after a settings change). */
  setFormats(config: CodecFormatConfig): void {
    this.rules = new FormatRules(config);
  }

  /** The format rule in force for a topic's keys or values. */
  choiceFor(target: DecodeTarget): FormatChoice {
    return this.rules.choiceFor(target.topic, target.role);
  }

  /** Decodes now, or returns undefined when a schema must be fetched first (then call `decode`). */
  decodeIfReady(bytes: Uint8Array | null | undefined, target: DecodeTarget): DecodeResult | undefined {
    try {
      const outcome = this.attempt(bytes, target);
      return outcome instanceof SchemaNeeded ? undefined : outcome;
    } catch (error) {
      return this.unexpected(bytes, error);
    }
  }

  async decode(bytes: Uint8Array | null | undefined, target: DecodeTarget): Promise<DecodeResult> {
    try {
      const outcome = this.attempt(bytes, target);
      if (!(outcome instanceof SchemaNeeded)) return outcome;
      const raw = asBuffer(bytes as Uint8Array);
      const schemas = this.schemas as SchemaCache;
      let lookup: SchemaLookup;
      if (outcome.id !== undefined) lookup = await schemas.get(outcome.id);
      else lookup = await schemas.getBySubject(outcome.subject as string, outcome.version);
      if (!lookup.ok) return this.fail(raw, lookup.error, outcome.expected ?? 'wireFormat', outcome.id);
      return outcome.id !== undefined
        ? this.framedWith(lookup.schema, raw, outcome.expected)
        : this.rawWith(lookup.schema, raw, outcome.expected as SchemaFormat, outcome.messageType);
    } catch (error) {
      return this.unexpected(bytes, error);
    }
  }

  /** The safety net: whatever goes wrong, the caller gets the bytes and a reason, not an exception. */
  private unexpected(bytes: Uint8Array | null | undefined, error: unknown): DecodeResult {
    const raw = bytes ? asBuffer(bytes) : Buffer.alloc(0);
    return this.fail(
      raw,
      new DecodeError(
        'decoderFailure',
        `The decoder failed unexpectedly (${error instanceof Error ? error.message : String(error)}). The bytes are shown as they are; please report this together with the record.`,
        { cause: error },
      ),
      'wireFormat',
      undefined,
    );
  }

  private attempt(bytes: Uint8Array | null | undefined, target: DecodeTarget): DecodeResult | SchemaNeeded {
    if (bytes === null || bytes === undefined) return NULL_DECODED;
    const raw = asBuffer(bytes);
    const choice = this.rules.choiceFor(target.topic, target.role);
    switch (choice.format) {
      case 'auto':
        if (looksFramed(raw)) {
          const id = raw.readInt32BE(1);
          // A negative id is no registry's: the bytes only start with a zero.
          if (id >= 0) return this.framed(raw, id, undefined);
        }
        return detectPlain(raw, this.previewBytes);
      case 'json':
        return decodeJson(raw, this.previewBytes);
      case 'text':
        return decodeText(raw, this.previewBytes);
      case 'binary':
        return binary(raw, this.previewBytes);
      default: {
        if (choice.subject !== undefined)
          return this.bySubject(raw, choice.format, choice.subject, choice.version ?? 'latest', choice.messageType);
        const frame = parseFrame(raw);
        if (!frame.ok) return this.fail(raw, frame.error, choice.format, undefined);
        return this.framed(raw, frame.frame.schemaId, choice.format);
      }
    }
  }

  private framed(raw: Buffer, id: number, expected: SchemaFormat | undefined): DecodeResult | SchemaNeeded {
    const schemas = this.schemas;
    if (!schemas) return this.fail(raw, this.noRegistryError(id), expected ?? 'wireFormat', id);
    const schema = schemas.peek(id);
    if (schema) return this.framedWith(schema, raw, expected);
    const error = schemas.peekFailure(id);
    if (error) return this.fail(raw, error, expected ?? 'wireFormat', id);
    return new SchemaNeeded(id, undefined, 'latest', expected, undefined);
  }

  /** One error per schema id, made once: building an Error (its stack) per record costs more than decoding it. */
  private noRegistryError(id: number): DecodeError {
    let error = this.noRegistryErrors.get(id);
    if (!error) {
      if (this.noRegistryErrors.size >= 1024) this.noRegistryErrors.clear();
      error = new DecodeError(
        'noRegistry',
        `This record is in the Schema Registry wire format (schema id ${id}), but the connection has no schema registry. Add the registry URL to the connection to decode it; until then it is shown as binary.`,
      );
      this.noRegistryErrors.set(id, error);
    }
    return error;
  }

  private framedWith(schema: CompiledSchema, raw: Buffer, expected: SchemaFormat | undefined): DecodeResult {
    if (expected !== undefined && schema.format !== expected) return this.mismatch(schema, raw, expected);
    return schema.decode(raw, HEADER_SIZE, true);
  }

  private bySubject(
    raw: Buffer,
    expected: SchemaFormat,
    subject: string,
    version: number | 'latest',
    messageType: string | undefined,
  ): DecodeResult | SchemaNeeded {
    const schemas = this.schemas;
    if (!schemas) {
      return this.fail(
        raw,
        new DecodeError(
          'noRegistry',
          `The topic's format rule decodes with subject "${subject}", but the connection has no schema registry. Add the registry URL to the connection.`,
        ),
        expected,
        undefined,
      );
    }
    const schema = schemas.peekBySubject(subject, version);
    if (schema) return this.rawWith(schema, raw, expected, messageType);
    const error = schemas.peekSubjectFailure(subject, version);
    if (error) return this.fail(raw, error, expected, undefined);
    return new SchemaNeeded(undefined, subject, version, expected, messageType);
  }

  private rawWith(
    schema: CompiledSchema,
    raw: Buffer,
    expected: SchemaFormat,
    messageType: string | undefined,
  ): DecodeResult {
    if (schema.format !== expected) return this.mismatch(schema, raw, expected);
    return schema.decode(raw, 0, false, messageType);
  }

  private mismatch(schema: CompiledSchema, raw: Buffer, expected: SchemaFormat): DecodeResult {
    const where = schema.identity.subject ? ` (${schema.identity.subject} v${schema.identity.version})` : '';
    return this.fail(
      raw,
      new DecodeError(
        'formatMismatch',
        `The topic's format rule says ${expected}, but schema ${schema.identity.id}${where} is ${schema.format}. Change the rule to auto or ${schema.format}.`,
      ),
      expected,
      schema.identity.id,
    );
  }

  private fail(
    raw: Buffer,
    error: CodecError,
    attempted: DecodeFailure['attempted'],
    schemaId: number | undefined,
  ): DecodeFailure {
    return failure(raw, error, attempted, schemaId, this.previewBytes);
  }
}
