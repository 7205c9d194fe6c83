import type { SchemaFormat } from '../codec/decodeResult';
import type { PayloadRole } from '../codec/decodeResult';
import { subjectName } from '../codec/subjectNaming';
import type { SchemaRegistryClient } from '../registry/registryClient';
import type { SchemaReference } from '../registry/registryTypes';
import { AvroGenerator, DEFAULT_BOUNDS, type GenerateBounds } from './generateAvro';
import { GenerateError } from './generateErrors';
import { JsonSchemaGenerator } from './generateJsonSchema';
import { ProtobufGenerator } from './generateProtobuf';
import { randomSeed, SeededRandom } from './generateRandom';
import type { PayloadInput } from './payloadForms';

/** A schema to generate from: its text, the texts of its references (dependencies first). */
export interface GenerateSource {
  readonly format: SchemaFormat;
  readonly schema: string;
  readonly references?: readonly string[];
  readonly messageType?: string;
}

export interface RecordGenerator {
  /** The seed this generator started from: the same seed gives the same records. */
  readonly seed: number;
  /** The next random valid record, as a JSON-shaped value the codec encodes. */
  next(): unknown;
}

/** Builds a generator for a schema; throws GenerateError when the schema cannot be generated from. */
export function createGenerator(
  source: GenerateSource,
  options: { readonly seed?: number; readonly bounds?: GenerateBounds } = {},
): RecordGenerator {
  const seed = options.seed ?? randomSeed();
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new GenerateError('invalidRequest', 'The seed must be a whole number from 0 to 2^53 - 1.');
  const bounds = options.bounds ?? DEFAULT_BOUNDS;
  const random = new SeededRandom(seed);
  const references = source.references ?? [];
  let draw: () => unknown;
  switch (source.format) {
    case 'avro': {
      const avro = new AvroGenerator(source.schema, references, bounds);
      draw = () => avro.generate(random);
      break;
    }
    case 'protobuf': {
      const proto = new ProtobufGenerator(source.schema, source.messageType, references, bounds);
      draw = () => proto.generate(random);
      break;
    }
    case 'jsonSchema': {
      const json = new JsonSchemaGenerator(source.schema, references, bounds);
      draw = () => json.generate(random);
      break;
    }
  }
  // One trial draw from its own source, so a schema that cannot be generated from fails here, once.
  trial(source, references, bounds);
  return { seed, next: draw };
}

function trial(source: GenerateSource, references: readonly string[], bounds: GenerateBounds): void {
  const random = new SeededRandom(1);
  if (source.format === 'avro') new AvroGenerator(source.schema, references, bounds).generate(random);
}

/** Why a payload form cannot be generated, or undefined when it can. */
export function generateUnavailableReason(input: PayloadInput): string | undefined {
  if (input.form !== 'schema')
    return 'Generate needs a schema: choose "Schema Registry" as the form and pick the schema. Plain JSON, text and bytes have no schema to generate from.';
  if (!input.schema) return 'Choose the schema format and subject first.';
  return undefined;
}

/**
 * Fetches the schema a form's payload names (subject by strategy or given, latest or a version,
 * with its references) from the registry and builds its generator.
 */
export async function loadGenerator(
  registry: Pick<SchemaRegistryClient, 'getSchemaByVersion'>,
  topic: string,
  role: PayloadRole,
  input: PayloadInput,
  options: { readonly seed?: number; readonly bounds?: GenerateBounds } = {},
): Promise<RecordGenerator & { readonly subject: string; readonly version: number }> {
  const unavailable = generateUnavailableReason(input);
  if (unavailable) throw new GenerateError('noSchema', unavailable);
  const choice = input.schema!;
  const subject =
    choice.subject !== undefined
      ? { ok: true as const, subject: choice.subject }
      : subjectName(choice.strategy, topic, role, choice.recordName);
  if (!subject.ok) throw new GenerateError('noSchema', subject.error.message);
  const found = await registry.getSchemaByVersion(subject.subject, choice.version);
  if (!found.ok)
    throw new GenerateError(
      'noSchema',
      `Generate found no schema under subject "${subject.subject}" (version ${String(choice.version)}): ${found.error.message}`,
      { cause: found.error },
    );
  const expected = { avro: 'AVRO', protobuf: 'PROTOBUF', jsonSchema: 'JSON' }[choice.format];
  const actual = found.value.schemaType ?? 'AVRO';
  if (actual !== expected)
    throw new GenerateError(
      'noSchema',
      `Subject "${subject.subject}" holds a ${actual} schema, not ${expected}. Pick the matching format.`,
    );
  const references = await referenceTexts(registry, found.value.references ?? [], new Set());
  const generator = createGenerator(
    {
      format: choice.format,
      schema: found.value.schema,
      references,
      ...(choice.messageType ? { messageType: choice.messageType } : {}),
    },
    options,
  );
  return { seed: generator.seed, next: generator.next, subject: subject.subject, version: found.value.version };
}

async function referenceTexts(
  registry: Pick<SchemaRegistryClient, 'getSchemaByVersion'>,
  references: readonly SchemaReference[],
  seen: Set<string>,
): Promise<string[]> {
  const out: string[] = [];
  for (const ref of references) {
    const key = `${ref.subject}\u0000${ref.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const found = await registry.getSchemaByVersion(ref.subject, ref.version);
    if (!found.ok) throw new GenerateError('noSchema', found.error.message, { cause: found.error });
    out.push(...(await referenceTexts(registry, found.value.references ?? [], seen)), found.value.schema);
  }
  return out;
}
