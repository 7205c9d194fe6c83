import * as avro from 'avsc';
import { fromJson, typeLabel } from './avroJson';
import { guardedCollections } from './avroGuardedTypes';
import { logicalTypeFor } from './avroLogical';
import { EXACT_LONG } from './avroLong';
import { DecodeError, EncodeError, renderActual, summarizeFieldErrors, type FieldError } from './codecErrors';
import {
  flattenReferences,
  schemaLabel,
  type BodyEncodeResult,
  type CompileResult,
  type CompiledSchema,
  type ResolvedReference,
} from './compiledSchema';
import type { DecodeResult, SchemaIdentity } from './decodeResult';
import { failure } from './plainFormats';

/**
 * avsc typeHook: logical types read as ReadableValues, longs exact over the whole int64 range,
 * arrays and maps with guarded block counts.
 */
function typeHook(schema: avro.Schema, opts: avro.ForSchemaOptions): avro.Type | undefined {
  if (Array.isArray(schema))
    return writesAsNumberMoreThanOnce(schema) ? new avro.types.WrappedUnionType(schema, opts) : undefined;
  if (typeof schema !== 'object' || schema === null) return undefined;
  const logical = logicalTypeFor(schema as unknown as Record<string, unknown>, opts);
  if (logical) return logical;
  if ((schema as { type?: unknown }).type === 'long') return EXACT_LONG;
  return guardedCollections(schema, opts);
}

const NUMBERS = new Set(['int', 'long', 'float', 'double']);

/** Whether a union branch is written from a JS number or BigInt: a number type, or a logical type over int or long. */
function writtenAsNumber(branch: unknown): boolean {
  if (typeof branch === 'string') return NUMBERS.has(branch);
  if (typeof branch === 'object' && branch !== null && !Array.isArray(branch)) {
    const type = (branch as { type?: unknown }).type;
    return typeof type === 'string' && NUMBERS.has(type);
  }
  return false;
}

/**
 * avsc leaves a union unwrapped unless two of its branches fall in one of its value buckets, and
 * it puts our exact long (an "abstract" type) and every logical type in no bucket: it picks their
 * branch on each write by asking each of them whether it takes the value. A union of two branches
 * written as numbers (`["int", "long"]`, `["null", "long", date]`, `["int", timestamp-millis]`)
 * then has two that take 5 ("ambiguous conversion"), or one that compares a BigInt with a number
 * ("Cannot mix BigInt and other types"). Such a union is wrapped, as avsc wraps `["int", "double"]`
 * itself: the branch is chosen by name (`{"long": 5}`, `{"int": "2024-01-02"}`; a bare value takes
 * the first branch that fits), and reads show which branch was written.
 */
function writesAsNumberMoreThanOnce(branches: readonly unknown[]): boolean {
  return branches.filter(writtenAsNumber).length > 1;
}

/**
 * Avro through avsc: the schema (with its references registered as named types) is parsed once
 * into a Type whose generated reader decodes each record in one pass, without a resolver.
 */
export function compileAvro(
  identity: SchemaIdentity,
  schemaText: string,
  references: readonly ResolvedReference[],
  previewBytes?: number,
): CompileResult {
  // Every long, by name or as {"type": "long"}, is the exact one.
  const registry: Record<string, avro.Type> = { long: EXACT_LONG };
  const parse = (text: string, what: string): avro.Type | DecodeError => {
    try {
      return avro.Type.forSchema(JSON.parse(text) as avro.Schema, { registry, typeHook });
    } catch (error) {
      return new DecodeError(
        'unparsableSchema',
        `${what} is not a valid Avro schema (${(error as Error).message}). Fix it in the registry; until then these records are shown as binary.`,
        { cause: error },
      );
    }
  };
  for (const ref of flattenReferences(references)) {
    if (ref.schemaType !== 'AVRO') {
      return {
        ok: false,
        error: new DecodeError(
          'unparsableSchema',
          `${schemaLabel(identity, { capital: true })} references ${ref.subject} v${ref.version}, which is ${ref.schemaType}, not Avro. Fix the reference in the registry.`,
        ),
      };
    }
    const parsed = parse(
      ref.schema,
      `The reference "${ref.name}" (${ref.subject} v${ref.version}) of ${schemaLabel(identity)}`,
    );
    if (parsed instanceof DecodeError) return { ok: false, error: parsed };
  }
  const type = parse(schemaText, `${schemaLabel(identity, { capital: true })}`);
  if (type instanceof DecodeError) return { ok: false, error: type };
  return { ok: true, schema: new AvroSchema(identity, type, previewBytes) };
}

class AvroSchema implements CompiledSchema {
  readonly format = 'avro' as const;

  constructor(
    readonly identity: SchemaIdentity,
    readonly type: avro.Type,
    private readonly previewBytes: number | undefined,
  ) {}

  decode(raw: Buffer, offset: number): DecodeResult {
    let decoded: { value: unknown; offset: number };
    try {
      decoded = this.type.decode(raw, offset);
    } catch (error) {
      return this.fail(raw, avroReadError(error, this.identity.id));
    }
    if (decoded.offset < 0) {
      return this.fail(
        raw,
        new DecodeError(
          'truncatedPayload',
          `The Avro body ends early: ${schemaLabel(this.identity)} needs more than the ${raw.length - offset} bytes present. The record is truncated, or was written with another schema than its header names.`,
        ),
      );
    }
    if (decoded.offset < raw.length) {
      const left = raw.length - decoded.offset;
      return this.fail(
        raw,
        new DecodeError(
          'trailingBytes',
          `${schemaLabel(this.identity, { capital: true })} used ${decoded.offset - offset} of the ${raw.length - offset} body bytes and left ${left} unread. The record was probably written with another schema than its header names, or is corrupt.`,
        ),
      );
    }
    return { ok: true, format: 'avro', value: decoded.value, schema: this.identity, raw };
  }

  private fail(raw: Buffer, error: DecodeError): DecodeResult {
    return failure(raw, error, 'avro', this.identity.id, this.previewBytes);
  }

  encode(value: unknown): BodyEncodeResult {
    const errors: FieldError[] = [];
    const converted = fromJson(this.type, value, [], errors);
    if (errors.length) {
      return {
        ok: false,
        error: new EncodeError(
          'schemaMismatch',
          `The value does not match ${schemaLabel(this.identity, { kind: 'Avro' })}: ${summarizeFieldErrors(errors)}. Nothing was produced.`,
          errors,
        ),
      };
    }
    try {
      return { ok: true, body: this.type.toBuffer(converted) };
    } catch (error) {
      return {
        ok: false,
        error: new EncodeError(
          'schemaMismatch',
          `The value does not match ${schemaLabel(this.identity, { kind: 'Avro' })} (${(error as Error).message}). Nothing was produced.`,
          [{ path: '$', expected: typeLabel(this.type), actual: renderActual(value) }],
        ),
      };
    }
  }

  recordName(): string | undefined {
    return this.type.name ?? undefined;
  }
}

function avroReadError(error: unknown, id: number): DecodeError {
  const detail = error instanceof Error ? error.message : String(error);
  // avsc reads nested records by recursion: a recursive schema with a body nested deep enough ends
  // the stack (a RangeError without the code Node puts on its buffer range errors).
  if (error instanceof RangeError && (error as NodeJS.ErrnoException).code === undefined) {
    return new DecodeError(
      'tooDeep',
      `The Avro body nests deeper than can be followed with schema ${id} (a recursive schema with a very deep value, or a corrupt body). The bytes are shown as they are; the message can still be decided.`,
      { cause: error },
    );
  }
  return new DecodeError(
    'corruptPayload',
    `The Avro body does not follow schema ${id} (${detail}). The record is corrupt, or its header names the wrong schema id.`,
    { cause: error },
  );
}
