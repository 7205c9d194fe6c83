import type { RegistrySchemaType } from './registryTypes';

export const registrySchemaTypes: readonly RegistrySchemaType[] = ['AVRO', 'PROTOBUF', 'JSON'];

/** What the schema text is written in, for an editor: Avro and JSON Schema are JSON. */
export function schemaFileExtension(schemaType: string): 'json' | 'proto' | 'txt' {
  if (schemaType === 'PROTOBUF') return 'proto';
  if (schemaType === 'AVRO' || schemaType === 'JSON') return 'json';
  return 'txt';
}

/**
 * Schema text as a person reads it: Avro and JSON Schema pretty-printed with two-space indents
 * (the registry stores them on one line); Protobuf as written. Text that does not parse is shown
 * as it is, never hidden behind an error.
 */
export function formatSchemaText(schemaType: string, text: string): string {
  if (schemaType === 'AVRO' || schemaType === 'JSON') {
    try {
      return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
    } catch {
      // Fall through: show the text as the registry has it.
    }
  }
  return text.endsWith('\n') ? text : `${text}\n`;
}

const avroTypeNames = new Set([
  'record',
  'enum',
  'fixed',
  'array',
  'map',
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
]);
const jsonSchemaKeywords = [
  '$schema',
  '$id',
  '$ref',
  '$defs',
  'definitions',
  'properties',
  'items',
  'allOf',
  'anyOf',
  'oneOf',
  'required',
  'additionalProperties',
  'const',
  'enum',
];

function looksLikeAvro(value: unknown): boolean {
  if (typeof value === 'string') return avroTypeNames.has(value);
  if (Array.isArray(value)) return value.length > 0 && value.every(looksLikeAvro);
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as Record<string, unknown>).type;
  if (type === 'record' || type === 'error') return Array.isArray((value as Record<string, unknown>).fields);
  if (type === 'enum') return Array.isArray((value as Record<string, unknown>).symbols);
  if (type === 'fixed') return typeof (value as Record<string, unknown>).size === 'number';
  if (type === 'array')
    return 'items' in value && !('properties' in value) && looksLikeAvro((value as Record<string, unknown>).items);
  if (type === 'map') return 'values' in value;
  return (
    typeof type === 'string' &&
    avroTypeNames.has(type) &&
    type !== 'array' &&
    Object.keys(value).every((k) => k === 'type' || k === 'logicalType' || k === 'precision' || k === 'scale')
  );
}

export interface SchemaTypeGuess {
  readonly schemaType: RegistrySchemaType;
  /** Why, in a few words, for the confirmation prompt. */
  readonly because: string;
}

/**
 * Guesses which kind of schema a text is, from the editor's language and the text itself. The
 * caller lets the user confirm or change it: this is a default, not a verdict.
 */
export function guessSchemaType(text: string, languageId?: string): SchemaTypeGuess {
  if (languageId === 'proto' || languageId === 'proto3' || languageId === 'protobuf')
    return { schemaType: 'PROTOBUF', because: 'the editor language is Protobuf' };
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[') && !trimmed.startsWith('"')) {
    if (/^\s*(syntax|edition)\s*=|^\s*(message|enum|service|package|import)\s+\S/m.test(text))
      return { schemaType: 'PROTOBUF', because: 'the text has Protobuf declarations' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return languageId === 'json' || languageId === 'jsonc'
      ? { schemaType: 'JSON', because: 'the editor language is JSON' }
      : { schemaType: 'AVRO', because: 'nothing else matched' };
  }
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    jsonSchemaKeywords.some((k) => k in parsed) &&
    !looksLikeAvro(parsed)
  ) {
    return { schemaType: 'JSON', because: 'the text uses JSON Schema keywords' };
  }
  if (looksLikeAvro(parsed)) return { schemaType: 'AVRO', because: 'the text is an Avro schema' };
  if (typeof parsed === 'object' && parsed !== null && typeof (parsed as Record<string, unknown>).type === 'string')
    return { schemaType: 'JSON', because: 'the text is a JSON object with a "type"' };
  return { schemaType: 'AVRO', because: 'the text is JSON' };
}
