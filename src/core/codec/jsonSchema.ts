import { isUtf8 } from 'node:buffer';
import Ajv, { type AnySchema, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import {
  DecodeError,
  EncodeError,
  renderActual,
  renderPath,
  summarizeFieldErrors,
  type FieldError,
} from './codecErrors';
import {
  flattenReferences,
  schemaLabel,
  type BodyEncodeResult,
  type CompileResult,
  type CompiledSchema,
  type ResolvedReference,
} from './compiledSchema';
import type { DecodeResult, SchemaIdentity } from './decodeResult';
import { containsBigInt, parseJsonExact, stringifyExact, withNumbers } from './losslessJson';
import { failure } from './plainFormats';

/**
 * JSON Schema: the body is UTF-8 JSON. The schema (with its references added under their names)
 * is compiled once by ajv into a validator; decoding parses and validates, and a payload that does
 * not match is still shown, with its violations.
 */
const AJV_OPTIONS: Options = {
  strict: false,
  allErrors: true,
  validateFormats: false,
  logger: false,
  allowUnionTypes: true,
};

type AjvInstance = InstanceType<typeof Ajv>;

function ajvFor(schema: unknown): AjvInstance {
  const dialect = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  const text = typeof dialect === 'string' ? dialect : '';
  if (text.includes('2020-12')) return new Ajv2020(AJV_OPTIONS);
  if (text.includes('2019-09')) return new Ajv2019(AJV_OPTIONS);
  const ajv = new Ajv(AJV_OPTIONS);
  if (text.includes('draft-06')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as Record<string, unknown>);
  }
  return ajv;
}

/** ajv only knows the dialects it was given; an older `$schema` (draft-04) is validated as draft-07. */
function withoutUnknownDialect(schema: unknown): AnySchema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema as AnySchema;
  const dialect = (schema as { $schema?: unknown }).$schema;
  if (typeof dialect === 'string' && /draft-0[0-5]\b/.test(dialect)) {
    const copy = { ...(schema as Record<string, unknown>) };
    delete copy.$schema;
    return copy as AnySchema;
  }
  return schema as AnySchema;
}

export function compileJsonSchema(
  identity: SchemaIdentity,
  schemaText: string,
  references: readonly ResolvedReference[],
  previewBytes?: number,
): CompileResult {
  let main: unknown;
  try {
    main = JSON.parse(schemaText);
  } catch (error) {
    return {
      ok: false,
      error: new DecodeError(
        'unparsableSchema',
        `${schemaLabel(identity, { capital: true })} is not valid JSON (${(error as Error).message}), so it is no JSON Schema. Fix it in the registry.`,
      ),
    };
  }
  const ajv = ajvFor(main);
  let validator: ValidateFunction | undefined;
  let problem: string | undefined;
  try {
    const mainId =
      typeof main === 'object' && main !== null && typeof (main as { $id?: unknown }).$id === 'string'
        ? (main as { $id: string }).$id
        : undefined;
    for (const ref of flattenReferences(references)) {
      if (ref.schemaType !== 'JSON')
        throw new Error(
          `the reference "${ref.name}" (${ref.subject} v${ref.version}) is ${ref.schemaType}, not JSON Schema`,
        );
      const parsed = withoutUnknownDialect(JSON.parse(ref.schema));
      ajv.addSchema(parsed, ref.name);
      // A $ref is resolved against the main schema's $id; make the reference findable there too.
      const resolved = mainId ? safeResolve(ref.name, mainId) : undefined;
      const hasOwnId = typeof parsed === 'object' && parsed !== null && '$id' in parsed;
      if (resolved && resolved !== ref.name && !hasOwnId && !ajv.getSchema(resolved))
        ajv.addSchema({ ...(parsed as object) }, resolved);
    }
    validator = ajv.compile(withoutUnknownDialect(main));
  } catch (error) {
    problem = (error as Error).message;
  }
  return { ok: true, schema: new JsonSchemaSchema(identity, main, validator, problem, previewBytes) };
}

function safeResolve(name: string, base: string): string | undefined {
  try {
    return new URL(name, base).href;
  } catch {
    return undefined;
  }
}

class JsonSchemaSchema implements CompiledSchema {
  readonly format = 'jsonSchema' as const;

  constructor(
    readonly identity: SchemaIdentity,
    private readonly schema: unknown,
    private readonly validator: ValidateFunction | undefined,
    /** Why the schema could not be compiled; decoding still works, validation does not. */
    readonly problem: string | undefined,
    private readonly previewBytes: number | undefined,
  ) {}

  decode(raw: Buffer, offset: number): DecodeResult {
    if (!isUtf8(raw.subarray(offset))) {
      return failure(
        raw,
        new DecodeError(
          'invalidUtf8',
          `The JSON Schema body (${schemaLabel(this.identity)}) is not valid UTF-8, so it cannot be JSON. The record is corrupt or was not written by a JSON Schema serializer.`,
        ),
        'jsonSchema',
        this.identity.id,
        this.previewBytes,
      );
    }
    let value: unknown;
    try {
      value = parseJsonExact(raw.toString('utf8', offset));
    } catch (error) {
      return failure(
        raw,
        new DecodeError(
          'invalidJson',
          `The JSON Schema body (${schemaLabel(this.identity)}) is not valid JSON (${(error as Error).message}). The record is truncated or corrupt.`,
        ),
        'jsonSchema',
        this.identity.id,
        this.previewBytes,
      );
    }
    const validate = this.validator;
    let valid = true;
    try {
      // ajv knows numbers only: integers beyond 2^53 are validated as (rounded) numbers, shown exact.
      valid = !validate || validate(containsBigInt(value) ? withNumbers(value) : value);
    } catch (error) {
      // A recursive schema validates by recursion: a deep enough payload ends the stack. It is still shown.
      if (!(error instanceof RangeError)) throw error;
      return {
        ok: true,
        format: 'jsonSchema',
        value,
        schema: this.identity,
        raw,
        violations: [
          {
            path: '$',
            expected: `a value ${schemaLabel(this.identity)} can be checked against`,
            actual: 'nested too deep to validate',
          },
        ],
      };
    }
    if (!valid) {
      return {
        ok: true,
        format: 'jsonSchema',
        value,
        schema: this.identity,
        raw,
        violations: toFieldErrors(validate!.errors ?? [], value),
      };
    }
    return { ok: true, format: 'jsonSchema', value, schema: this.identity, raw };
  }

  encode(value: unknown): BodyEncodeResult {
    if (!this.validator) {
      return {
        ok: false,
        error: new EncodeError(
          'invalidSchema',
          `${schemaLabel(this.identity, { capital: true })} cannot be compiled as JSON Schema (${this.problem}), so values cannot be checked against it. Fix the schema in the registry.`,
        ),
      };
    }
    const checked = containsBigInt(value) ? withNumbers(value) : value;
    if (!this.validator(checked)) {
      const errors = toFieldErrors(this.validator.errors ?? [], checked);
      return {
        ok: false,
        error: new EncodeError(
          'schemaMismatch',
          `The value does not match ${schemaLabel(this.identity, { kind: 'JSON' })}: ${summarizeFieldErrors(errors)}. Nothing was produced.`,
          errors,
        ),
      };
    }
    // Integers beyond 2^53 (BigInt) are written as exact literals.
    const text = stringifyExact(value);
    if (text === undefined)
      return {
        ok: false,
        error: new EncodeError('invalidInput', 'The value cannot be written as JSON. Nothing was produced.'),
      };
    return { ok: true, body: Buffer.from(text, 'utf8') };
  }

  recordName(): string | undefined {
    const title =
      typeof this.schema === 'object' && this.schema !== null ? (this.schema as { title?: unknown }).title : undefined;
    return typeof title === 'string' ? title : undefined;
  }
}

function pointerSegments(pointer: string, data: unknown): (string | number)[] {
  if (!pointer) return [];
  const out: (string | number)[] = [];
  let node: unknown = data;
  for (const part of pointer.slice(1).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    const index = Array.isArray(node) && /^\d+$/.test(key) ? Number(key) : undefined;
    out.push(index ?? key);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

function valueAt(data: unknown, segments: readonly (string | number)[]): unknown {
  let node = data;
  for (const segment of segments)
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[segment] : undefined;
  return node;
}

export function toFieldErrors(errors: readonly ErrorObject[], data: unknown): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const segments = pointerSegments(error.instancePath, data);
    const params = error.params as Record<string, unknown>;
    let field: FieldError;
    switch (error.keyword) {
      case 'required':
        field = {
          path: renderPath([...segments, String(params.missingProperty)]),
          expected: 'a required property',
          actual: 'undefined',
        };
        break;
      case 'additionalProperties': {
        const extra = String(params.additionalProperty);
        field = {
          path: renderPath([...segments, extra]),
          expected: 'no such property (additionalProperties is false)',
          actual: renderActual(valueAt(data, [...segments, extra])),
        };
        break;
      }
      case 'type':
        field = {
          path: renderPath(segments),
          expected: String(params.type),
          actual: renderActual(valueAt(data, segments)),
        };
        break;
      case 'enum':
        field = {
          path: renderPath(segments),
          expected: `one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
          actual: renderActual(valueAt(data, segments)),
        };
        break;
      case 'const':
        field = {
          path: renderPath(segments),
          expected: JSON.stringify(params.allowedValue),
          actual: renderActual(valueAt(data, segments)),
        };
        break;
      default:
        field = {
          path: renderPath(segments),
          expected: `${error.keyword}: ${error.message ?? ''}`.trim(),
          actual: renderActual(valueAt(data, segments)),
        };
    }
    const key = `${field.path}\u0000${field.expected}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(field);
    }
  }
  return out;
}
