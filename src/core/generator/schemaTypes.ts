/**
 * Types for a generated project from the value schema: TypeScript interfaces and Python TypedDicts
 * from Avro or JSON Schema, each logical type mapped to what the generated deserialiser returns.
 * The schema comes from a registry and is treated as hostile: names that are not identifiers are
 * quoted, the walk is bounded, and nothing of the schema's text (docs, defaults) reaches the output
 * except names and enum symbols, which are escaped.
 */

export class SchemaTypesError extends Error {
  override readonly name = 'SchemaTypesError';
}

/** One type, as both languages need it. */
type TypeRef =
  | { readonly kind: 'base'; readonly ts: string; readonly py: string; readonly note?: string }
  | { readonly kind: 'array'; readonly items: TypeRef }
  | { readonly kind: 'map'; readonly values: TypeRef }
  | { readonly kind: 'union'; readonly options: readonly TypeRef[] }
  | { readonly kind: 'literals'; readonly values: readonly string[] }
  | { readonly kind: 'named'; readonly name: string };

interface Field {
  readonly name: string;
  readonly type: TypeRef;
  readonly optional: boolean;
}

interface NamedType {
  readonly name: string;
  readonly fields: readonly Field[];
}

export interface SchemaTypes {
  /** The name of the value's type in both languages. */
  readonly rootName: string;
  /** A TypeScript module exporting the interfaces (and the root alias). */
  readonly typescript: string;
  /** A Python module with the TypedDicts (and the root alias). */
  readonly python: string;
}

const MAX_DEPTH = 32;
const MAX_TYPES = 500;
const MAX_FIELDS = 5_000;

/**
 * What each Avro logical type becomes in the generated deserialisers (src/registry.ts in TypeScript,
 * fastavro in Python): the same readable forms as Kafka Consumer Lab's handler messages.
 */
const AVRO_LOGICAL: Record<string, { ts: string; py: string; note: string }> = {
  decimal: { ts: 'string', py: 'Decimal', note: 'decimal: exact text with the schema scale' },
  date: { ts: 'string', py: 'date', note: 'date: YYYY-MM-DD' },
  'time-millis': { ts: 'string', py: 'time', note: 'time-millis: HH:MM:SS.mmm' },
  'time-micros': { ts: 'number | string', py: 'time', note: 'time-micros: microseconds after midnight' },
  'timestamp-millis': { ts: 'string', py: 'datetime', note: 'timestamp-millis: ISO 8601 UTC' },
  'timestamp-micros': { ts: 'string', py: 'datetime', note: 'timestamp-micros: ISO 8601 UTC, 6 fraction digits' },
  'local-timestamp-millis': { ts: 'number | string', py: 'datetime', note: 'local-timestamp-millis: milliseconds' },
  'local-timestamp-micros': { ts: 'number | string', py: 'datetime', note: 'local-timestamp-micros: microseconds' },
  uuid: { ts: 'string', py: 'UUID', note: 'uuid' },
};

const AVRO_PRIMITIVES: Record<string, { ts: string; py: string; note?: string }> = {
  null: { ts: 'null', py: 'None' },
  boolean: { ts: 'boolean', py: 'bool' },
  int: { ts: 'number', py: 'int' },
  long: { ts: 'number | string', py: 'int', note: 'long: exact decimal text past 2^53' },
  float: { ts: 'number', py: 'float' },
  double: { ts: 'number', py: 'float' },
  bytes: { ts: 'Buffer', py: 'bytes' },
  string: { ts: 'string', py: 'str' },
};

class Collector {
  readonly named: NamedType[] = [];
  private readonly used = new Set<string>();
  private fields = 0;

  claim(raw: string): string {
    if (this.named.length >= MAX_TYPES)
      throw new SchemaTypesError(`the schema defines more than ${MAX_TYPES} types; write the types by hand`);
    const base = pascal(raw);
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}${i}`;
    this.used.add(name);
    return name;
  }

  countField(): void {
    if (++this.fields > MAX_FIELDS) throw new SchemaTypesError(`the schema has more than ${MAX_FIELDS} fields`);
  }
}

function parseSchemaText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SchemaTypesError(`the schema is not JSON: ${(error as Error).message}`);
  }
}

export function avroTypes(schemaText: string): SchemaTypes {
  const collector = new Collector();
  const byFullName = new Map<string, string>();
  const walk = (schema: unknown, namespace: string | undefined, depth: number): TypeRef => {
    if (depth > MAX_DEPTH) throw new SchemaTypesError(`the schema nests deeper than ${MAX_DEPTH} levels`);
    if (typeof schema === 'string') {
      const primitive = AVRO_PRIMITIVES[schema];
      if (primitive) return { kind: 'base', ...primitive };
      const full = schema.includes('.') || !namespace ? schema : `${namespace}.${schema}`;
      const known = byFullName.get(full) ?? byFullName.get(schema);
      if (!known) throw new SchemaTypesError(`the schema names the type "${schema.slice(0, 100)}" before defining it`);
      return { kind: 'named', name: known };
    }
    if (Array.isArray(schema)) return union(schema.map((s) => walk(s, namespace, depth + 1)));
    if (typeof schema !== 'object' || schema === null)
      throw new SchemaTypesError('the schema has a type that is not Avro');
    const s = schema as Record<string, unknown>;
    const logical = typeof s.logicalType === 'string' ? AVRO_LOGICAL[s.logicalType] : undefined;
    if (logical && isValidLogical(s)) return { kind: 'base', ts: logical.ts, py: logical.py, note: logical.note };
    switch (s.type) {
      case 'record':
      case 'error': {
        const ns = typeof s.namespace === 'string' ? s.namespace : namespace;
        const rawName = typeof s.name === 'string' && s.name ? s.name : 'Record';
        const full = rawName.includes('.') || !ns ? rawName : `${ns}.${rawName}`;
        const name = collector.claim(rawName.split('.').pop() as string);
        byFullName.set(full, name);
        const fieldsIn = Array.isArray(s.fields) ? s.fields : [];
        const fields: Field[] = [];
        const entry = { name, fields };
        collector.named.push(entry);
        const childNs = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : ns;
        for (const f of fieldsIn) {
          collector.countField();
          const field = f as Record<string, unknown>;
          if (typeof field?.name !== 'string')
            throw new SchemaTypesError(`a field of ${rawName.slice(0, 100)} has no name`);
          fields.push({ name: field.name, type: walk(field.type, childNs, depth + 1), optional: false });
        }
        // The record is listed before its fields' types; emit order is fixed up by the writers.
        return { kind: 'named', name };
      }
      case 'enum': {
        const symbols = Array.isArray(s.symbols) ? s.symbols.filter((x): x is string => typeof x === 'string') : [];
        const ref: TypeRef = symbols.length
          ? { kind: 'literals', values: symbols }
          : { kind: 'base', ts: 'string', py: 'str' };
        if (typeof s.name === 'string') {
          const ns = typeof s.namespace === 'string' ? s.namespace : namespace;
          byFullName.set(s.name.includes('.') || !ns ? s.name : `${ns}.${s.name}`, aliasName(collector, s.name, ref));
        }
        return ref;
      }
      case 'fixed': {
        const ref: TypeRef = { kind: 'base', ts: 'Buffer', py: 'bytes' };
        if (typeof s.name === 'string') {
          const ns = typeof s.namespace === 'string' ? s.namespace : namespace;
          byFullName.set(s.name.includes('.') || !ns ? s.name : `${ns}.${s.name}`, aliasName(collector, s.name, ref));
        }
        return ref;
      }
      case 'array':
        return { kind: 'array', items: walk(s.items, namespace, depth + 1) };
      case 'map':
        return { kind: 'map', values: walk(s.values, namespace, depth + 1) };
      default:
        return walk(s.type, namespace, depth + 1);
    }
  };
  const aliases = new Map<string, TypeRef>();
  function aliasName(c: Collector, raw: string, ref: TypeRef): string {
    const name = c.claim(raw.split('.').pop() as string);
    aliases.set(name, ref);
    return name;
  }
  const root = walk(parseSchemaText(schemaText), undefined, 0);
  return render(collector.named, aliases, root);
}

function isValidLogical(s: Record<string, unknown>): boolean {
  switch (s.logicalType) {
    case 'decimal':
      return (
        (s.type === 'bytes' || s.type === 'fixed') &&
        Number.isInteger(s.precision) &&
        (s.precision as number) > 0 &&
        (s.scale === undefined || (Number.isInteger(s.scale) && (s.scale as number) >= 0))
      );
    case 'date':
    case 'time-millis':
      return s.type === 'int';
    case 'uuid':
      return s.type === 'string';
    default:
      return s.type === 'long';
  }
}

export function jsonSchemaTypes(schemaText: string, rootTitle = 'Value'): SchemaTypes {
  const collector = new Collector();
  const rootSchema = parseSchemaText(schemaText);
  const definitions = new Map<string, string>();
  const definitionSchemas = new Map<string, unknown>();
  for (const key of ['$defs', 'definitions']) {
    const defs = (rootSchema as Record<string, unknown> | null)?.[key];
    if (defs && typeof defs === 'object' && !Array.isArray(defs))
      for (const [name, schema] of Object.entries(defs as Record<string, unknown>))
        definitionSchemas.set(`#/${key}/${name}`, schema);
  }
  const aliases = new Map<string, TypeRef>();
  const walk = (schema: unknown, nameHint: string, depth: number): TypeRef => {
    if (depth > MAX_DEPTH) throw new SchemaTypesError(`the schema nests deeper than ${MAX_DEPTH} levels`);
    if (schema === true || schema === undefined) return { kind: 'base', ts: 'unknown', py: 'Any' };
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
      return { kind: 'base', ts: 'unknown', py: 'Any' };
    const s = schema as Record<string, unknown>;
    if (typeof s.$ref === 'string') {
      const known = definitions.get(s.$ref);
      if (known) return { kind: 'named', name: known };
      const target = definitionSchemas.get(s.$ref);
      if (target === undefined) return { kind: 'base', ts: 'unknown', py: 'Any', note: 'an unresolved $ref' };
      const defName = s.$ref.split('/').pop() as string;
      if (isObjectSchema(target)) {
        const name = collector.claim(defName);
        definitions.set(s.$ref, name);
        objectType(target as Record<string, unknown>, name, depth);
        return { kind: 'named', name };
      }
      return walk(target, defName, depth + 1);
    }
    if (Array.isArray(s.enum)) {
      const values = s.enum.filter((v): v is string => typeof v === 'string');
      if (values.length === s.enum.length && values.length > 0) return { kind: 'literals', values };
    }
    for (const key of ['oneOf', 'anyOf'] as const)
      if (Array.isArray(s[key]))
        return union((s[key] as unknown[]).map((option, i) => walk(option, `${nameHint}${i + 1}`, depth + 1)));
    const type = s.type;
    if (Array.isArray(type)) return union(type.map((t) => walk({ ...s, type: t }, nameHint, depth + 1)));
    switch (type) {
      case 'string':
        return {
          kind: 'base',
          ts: 'string',
          py: 'str',
          ...(typeof s.format === 'string' ? { note: `format ${safeNote(s.format)}` } : {}),
        };
      case 'integer':
        return { kind: 'base', ts: 'number', py: 'int' };
      case 'number':
        return { kind: 'base', ts: 'number', py: 'float' };
      case 'boolean':
        return { kind: 'base', ts: 'boolean', py: 'bool' };
      case 'null':
        return { kind: 'base', ts: 'null', py: 'None' };
      case 'array':
        return { kind: 'array', items: walk(s.items, `${nameHint}Item`, depth + 1) };
      case 'object': {
        if (!s.properties && s.additionalProperties && typeof s.additionalProperties === 'object')
          return { kind: 'map', values: walk(s.additionalProperties, `${nameHint}Value`, depth + 1) };
        const name = collector.claim(typeof s.title === 'string' ? s.title : nameHint);
        objectType(s, name, depth);
        return { kind: 'named', name };
      }
      default:
        return { kind: 'base', ts: 'unknown', py: 'Any' };
    }
  };
  const objectType = (s: Record<string, unknown>, name: string, depth: number): void => {
    const required = new Set(
      Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : [],
    );
    const fields: Field[] = [];
    collector.named.push({ name, fields });
    const properties =
      s.properties && typeof s.properties === 'object' ? (s.properties as Record<string, unknown>) : {};
    for (const [key, value] of Object.entries(properties)) {
      collector.countField();
      fields.push({ name: key, type: walk(value, `${name}${pascal(key)}`, depth + 1), optional: !required.has(key) });
    }
  };
  const hint =
    typeof (rootSchema as Record<string, unknown> | null)?.title === 'string'
      ? ((rootSchema as Record<string, unknown>).title as string)
      : rootTitle;
  const root = walk(rootSchema, hint, 0);
  return render(collector.named, aliases, root);
}

function isObjectSchema(schema: unknown): boolean {
  const s = schema as Record<string, unknown> | null;
  return !!s && typeof s === 'object' && (s.type === 'object' || (s.type === undefined && !!s.properties));
}

function union(options: TypeRef[]): TypeRef {
  return options.length === 1 ? (options[0] as TypeRef) : { kind: 'union', options };
}

// ---- rendering ----

const TS_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const PY_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

function pascal(raw: string): string {
  const words = raw
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const name = words
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')
    .slice(0, 80);
  if (!name) return 'Type';
  return /^[0-9]/.test(name) ? `T${name}` : name;
}

function safeNote(text: string): string {
  return text.replace(/[^A-Za-z0-9 ._:-]/g, '').slice(0, 60);
}

function tsType(ref: TypeRef): string {
  switch (ref.kind) {
    case 'base':
      return ref.ts;
    case 'array': {
      const inner = tsType(ref.items);
      return /[ |]/.test(inner) ? `Array<${inner}>` : `${inner}[]`;
    }
    case 'map':
      return `Record<string, ${tsType(ref.values)}>`;
    case 'union':
      return [...new Set(ref.options.map(tsType))].join(' | ');
    case 'literals':
      return ref.values.map((v) => JSON.stringify(v)).join(' | ');
    case 'named':
      return ref.name;
  }
}

function pyType(ref: TypeRef): string {
  switch (ref.kind) {
    case 'base':
      return ref.py;
    case 'array':
      return `List[${pyType(ref.items)}]`;
    case 'map':
      return `Dict[str, ${pyType(ref.values)}]`;
    case 'union': {
      const options = [...new Set(ref.options.map(pyType))];
      const nonNull = options.filter((o) => o !== 'None');
      if (nonNull.length === 1 && options.length === 2) return `Optional[${nonNull[0]}]`;
      return `Union[${options.join(', ')}]`;
    }
    case 'literals':
      return `Literal[${ref.values.map(pyString).join(', ')}]`;
    case 'named':
      return ref.name;
  }
}

function notes(ref: TypeRef): string[] {
  switch (ref.kind) {
    case 'base':
      return ref.note ? [ref.note] : [];
    case 'array':
      return notes(ref.items);
    case 'map':
      return notes(ref.values);
    case 'union':
      return ref.options.flatMap(notes);
    default:
      return [];
  }
}

/** A Python string literal: JSON's escapes are valid Python escapes, and JSON never emits a raw quote or newline. */
function pyString(text: string): string {
  return JSON.stringify(text);
}

function render(named: readonly NamedType[], aliases: ReadonlyMap<string, TypeRef>, root: TypeRef): SchemaTypes {
  const rootName = root.kind === 'named' ? root.name : 'Value';
  const ts: string[] = ['// Generated by Kafka Consumer Lab from the value schema. Regenerate rather than edit.', ''];
  for (const [name, ref] of aliases) ts.push(`export type ${name} = ${tsType(ref)};`, '');
  for (const type of named) {
    ts.push(`export interface ${type.name} {`);
    for (const field of type.fields) {
      const key = TS_IDENTIFIER.test(field.name) ? field.name : JSON.stringify(field.name);
      const comment = notes(field.type);
      ts.push(
        `  ${key}${field.optional ? '?' : ''}: ${tsType(field.type)};${comment.length ? ` // ${comment.join('; ')}` : ''}`,
      );
    }
    ts.push('}', '');
  }
  // The consumer and the handler know the value's type by one name.
  ts.push('/** The type of a message value. */', `export type Value = ${tsType(root)};`, '');

  const py: string[] = [
    '"""Generated by Kafka Consumer Lab from the value schema. Regenerate rather than edit."""',
    '',
    'from __future__ import annotations',
    '',
    'from datetime import date, datetime, time',
    'from decimal import Decimal',
    'from typing import Any, Dict, List, Literal, NotRequired, Optional, TypedDict, Union',
    'from uuid import UUID',
    '',
    '__all__ = [' + [...aliases.keys(), ...named.map((n) => n.name), 'Value'].map(pyString).join(', ') + ']',
    '',
  ];
  for (const [name, ref] of aliases) py.push(`${name} = ${pyType(ref)}`, '');
  // Functional TypedDicts evaluate their types at once: define what a type uses before the type.
  for (const type of pythonOrder(named)) {
    const plain = type.fields.every((f) => PY_IDENTIFIER.test(f.name) && !PY_KEYWORDS.has(f.name));
    const annotation = (f: Field): string => (f.optional ? `NotRequired[${pyType(f.type)}]` : pyType(f.type));
    if (plain) {
      py.push('', `class ${type.name}(TypedDict):`);
      if (type.fields.length === 0) py.push('    pass');
      for (const field of type.fields) {
        const comment = notes(field.type);
        py.push(`    ${field.name}: ${annotation(field)}${comment.length ? `  # ${comment.join('; ')}` : ''}`);
      }
      py.push('');
    } else {
      // Field names that are not identifiers need the functional form; its types are quoted so order does not matter.
      py.push('', `${type.name} = TypedDict(`, `    ${pyString(type.name)},`, '    {');
      for (const field of type.fields) py.push(`        ${pyString(field.name)}: ${pyString(annotation(field))},`);
      py.push('    },', ')', '');
    }
  }
  py.push(`Value = ${pyType(root)}`, '');
  return { rootName, typescript: ts.join('\n'), python: py.join('\n').replace(/\n{3,}/g, '\n\n\n') };
}

/** Dependencies first (a recursive type falls back to the order found). */
function pythonOrder(named: readonly NamedType[]): NamedType[] {
  const byName = new Map(named.map((n) => [n.name, n]));
  const out: NamedType[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const refs = (ref: TypeRef): string[] => {
    switch (ref.kind) {
      case 'named':
        return [ref.name];
      case 'array':
        return refs(ref.items);
      case 'map':
        return refs(ref.values);
      case 'union':
        return ref.options.flatMap(refs);
      default:
        return [];
    }
  };
  const visit = (type: NamedType): void => {
    if (state.get(type.name)) return;
    state.set(type.name, 'visiting');
    for (const f of type.fields)
      for (const name of refs(f.type)) {
        const dep = byName.get(name);
        if (dep) visit(dep);
      }
    state.set(type.name, 'done');
    out.push(type);
  };
  for (const type of named) visit(type);
  return out;
}
