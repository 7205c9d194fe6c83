import * as protobuf from 'protobufjs';
import * as descriptor from 'protobufjs/ext/descriptor';
import { DecodeError, EncodeError, summarizeFieldErrors, type FieldError } from './codecErrors';
import {
  flattenReferences,
  schemaLabel,
  type BodyEncodeResult,
  type CompileResult,
  type CompiledSchema,
  type EncodeOptions,
  type ResolvedReference,
} from './compiledSchema';
import type { DecodeResult, SchemaDecoded, SchemaIdentity } from './decodeResult';
import { failure } from './plainFormats';
import { scanDeclarationOrder } from './protoDeclarationOrder';
import { checkMessage } from './protobufJson';
import { wellKnownKind } from './protobufWellKnown';
import { ReadableValue } from './readableValue';
import { encodeMessageIndexes, readMessageIndexes } from './wireFormat';

/**
 * Protobuf through protobufjs. A schema and its imports are parsed once into one Root; the
 * Confluent message-index paths are mapped to types once. A registry may hold a schema as .proto
 * text or as a base64 FileDescriptorProto (what Confluent's own serializers register); both work.
 */

/** One message in Confluent's index tree: top-level messages, then their nested types in order. */
interface MessageNode {
  readonly fullName: string;
  /** Undefined for a map-entry placeholder (a descriptor slot no record can name). */
  type?: protobuf.Type;
  readonly indexes: readonly number[];
  readonly nested: MessageNode[];
}

/** How decoded messages are shown: proto field names, 64-bit integers and enums as strings, bytes base64, defaults present. */
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: String,
  defaults: true,
  arrays: true,
  objects: true,
  json: true,
};

type DescriptorFile = {
  name?: string;
  package?: string;
  dependency?: string[];
  messageType?: DescriptorMessage[];
  enumType?: unknown[];
  syntax?: string;
};
type DescriptorField = { name?: string; number?: number; label?: number; type?: number; typeName?: string };
type DescriptorMessage = {
  name?: string;
  field?: DescriptorField[];
  nestedType?: DescriptorMessage[];
  options?: { mapEntry?: boolean };
};

/** FieldDescriptorProto.Type numbers of the scalar types. */
const scalarTypes: Readonly<Record<number, string>> = {
  1: 'double',
  2: 'float',
  3: 'int64',
  4: 'uint64',
  5: 'int32',
  6: 'fixed64',
  7: 'fixed32',
  8: 'bool',
  9: 'string',
  12: 'bytes',
  13: 'uint32',
  15: 'sfixed32',
  16: 'sfixed64',
  17: 'sint32',
  18: 'sint64',
};
const LABEL_REPEATED = 3;

interface MapFieldSpec {
  readonly message: string;
  readonly field: string;
  readonly id: number;
  readonly keyType: string;
  readonly valueType: string;
}

/**
 * In a descriptor, a map is a repeated field of a nested "entry" message (option map_entry).
 * protobufjs's fromDescriptor keeps it as such a list; these are turned back into map fields.
 */
function mapFieldsOf(message: DescriptorMessage, fullName: string, out: MapFieldSpec[]): void {
  const entries = new Map<string, DescriptorMessage>();
  for (const nested of message.nestedType ?? []) {
    if (nested.options?.mapEntry) entries.set(`.${fullName}.${nested.name}`, nested);
    mapFieldsOf(nested, `${fullName}.${nested.name}`, out);
  }
  for (const field of message.field ?? []) {
    const entry = field.label === LABEL_REPEATED && field.typeName ? entries.get(field.typeName) : undefined;
    if (!entry) continue;
    const key = entry.field?.find((f) => f.number === 1);
    const value = entry.field?.find((f) => f.number === 2);
    const keyType = key?.type !== undefined ? scalarTypes[key.type] : undefined;
    const valueType = value?.typeName || (value?.type !== undefined ? scalarTypes[value.type] : undefined);
    if (!keyType || !valueType || !field.name || field.number === undefined) continue;
    out.push({ message: fullName, field: field.name, id: field.number, keyType, valueType });
  }
}

type FromDescriptor<T> = { fromDescriptor(descriptor: unknown, edition?: string): T };

const base64Descriptor = /^[A-Za-z0-9+/]+={0,2}$/;

function isDescriptorText(schema: string): boolean {
  const trimmed = schema.trim();
  return trimmed.length > 0 && trimmed.length % 4 === 0 && base64Descriptor.test(trimmed);
}

function wellKnown(name: string): protobuf.INamespace | undefined {
  if (name === 'google/protobuf/descriptor.proto') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('protobufjs/google/protobuf/descriptor.json') as protobuf.INamespace;
  }
  return protobuf.common.get(name) as protobuf.INamespace | undefined;
}

interface FileLayout {
  readonly packageName: string;
  /** The file's top-level messages in declaration order, each with its nested slots. */
  readonly tree: MessageNode[];
  readonly imports: readonly string[];
}

/** Adds one .proto file (text or descriptor) to `root` and returns its message layout. */
function addFile(root: protobuf.Root, schema: string): FileLayout {
  if (isDescriptorText(schema)) {
    const file = descriptor.FileDescriptorProto.decode(
      Buffer.from(schema.trim(), 'base64'),
    ) as unknown as DescriptorFile;
    const edition = file.syntax === 'proto3' ? 'proto3' : file.syntax === 'editions' ? '2023' : 'proto2';
    const packageName = file.package ?? '';
    const target = packageName ? root.define(packageName) : root;
    for (const message of file.messageType ?? [])
      target.add((protobuf.Type as unknown as FromDescriptor<protobuf.Type>).fromDescriptor(message, edition));
    for (const enumType of file.enumType ?? [])
      target.add((protobuf.Enum as unknown as FromDescriptor<protobuf.Enum>).fromDescriptor(enumType, edition));
    const maps: MapFieldSpec[] = [];
    for (const message of file.messageType ?? [])
      mapFieldsOf(message, packageName ? `${packageName}.${message.name}` : String(message.name), maps);
    for (const spec of maps) {
      const owner = root.lookupType(spec.message);
      owner.remove(owner.fields[spec.field]);
      owner.add(new protobuf.MapField(spec.field, spec.id, spec.keyType, spec.valueType));
    }
    const build = (messages: DescriptorMessage[], prefix: string, parent: readonly number[]): MessageNode[] =>
      messages.map((message, i) => {
        const fullName = prefix ? `${prefix}.${message.name}` : String(message.name);
        const indexes = [...parent, i];
        return { fullName, indexes, nested: build(message.nestedType ?? [], fullName, indexes) };
      });
    return { packageName, tree: build(file.messageType ?? [], packageName, []), imports: file.dependency ?? [] };
  }
  const parsed = protobuf.parse(schema, root, { keepCase: true, alternateCommentMode: true });
  // The layout comes from the file alone: parsing it again into an empty root shows only its own types.
  const alone = protobuf.parse(schema, new protobuf.Root(), { keepCase: true, alternateCommentMode: true });
  const packageName = alone.package ?? '';
  const home = packageName ? alone.root.lookup(packageName) : alone.root;
  const order = scanDeclarationOrder(schema);
  const topLevel =
    home instanceof protobuf.Namespace
      ? home.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type)
      : [];
  const build = (type: protobuf.Type, relative: string, indexes: readonly number[]): MessageNode => {
    const slots = order?.get(relative);
    const nestedTypes = type.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
    const nested: MessageNode[] = slots
      ? slots.map((slot, i) => {
          const child = slot.kind === 'message' ? nestedTypes.find((t) => t.name === slot.name) : undefined;
          return child
            ? build(child, `${relative}.${child.name}`, [...indexes, i])
            : {
                fullName: `${stripDot(type.fullName)}.<map entry ${slot.kind === 'mapEntry' ? slot.field : ''}>`,
                indexes: [...indexes, i],
                nested: [],
              };
        })
      : nestedTypes.map((child, i) => build(child, `${relative}.${child.name}`, [...indexes, i]));
    return { fullName: stripDot(type.fullName), indexes, nested };
  };
  return {
    packageName,
    tree: topLevel.map((type, i) => build(type, type.name, [i])),
    imports: [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])],
  };
}

/**
 * A message as shown: a well-known type as a ReadableValue (its canonical JSON form, the plain
 * message as its base), an Any with its type resolved when the schema knows it, any other message
 * with its fields in declaration order.
 */
function shown(type: protobuf.Type, object: Record<string, unknown>): unknown {
  const kind = wellKnownKind(type.fullName);
  if (kind) return new ReadableValue(kind, object);
  if (type.fullName === '.google.protobuf.Any' && typeof object['@type'] === 'string') {
    const url = object['@type'];
    const inner = type.root.lookup(url.slice(url.lastIndexOf('/') + 1));
    if (inner instanceof protobuf.Type) {
      const fields = { ...object };
      delete fields['@type'];
      const resolved = shown(inner, fields);
      // The canonical mapping: a well-known type inside an Any sits under "value".
      return resolved instanceof ReadableValue
        ? { '@type': url, value: resolved }
        : { '@type': url, ...(resolved as Record<string, unknown>) };
    }
  }
  return inDeclarationOrder(type, object);
}

/** toObject puts repeated and map fields first; show fields in the order the schema declares them. */
function inDeclarationOrder(type: protobuf.Type, object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (!(field.name in object)) continue;
    const value = object[field.name];
    const nested = field.resolvedType;
    if (nested instanceof protobuf.Type && value !== null && typeof value === 'object') {
      if (field.map) {
        const entries: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value as Record<string, unknown>))
          entries[key] =
            item !== null && typeof item === 'object' ? shown(nested, item as Record<string, unknown>) : item;
        out[field.name] = entries;
      } else if (Array.isArray(value)) {
        out[field.name] = value.map((item) =>
          item !== null && typeof item === 'object' ? shown(nested, item as Record<string, unknown>) : item,
        );
      } else {
        out[field.name] = shown(nested, value as Record<string, unknown>);
      }
    } else {
      out[field.name] = value;
    }
  }
  // Anything else toObject produced (e.g. oneof virtual fields) keeps its place after the fields.
  for (const key of Object.keys(object)) if (!(key in out)) out[key] = object[key];
  return out;
}

function stripDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

export function compileProtobuf(
  identity: SchemaIdentity,
  schemaText: string,
  references: readonly ResolvedReference[],
  previewBytes?: number,
): CompileResult {
  const root = new protobuf.Root();
  const provided = new Set<string>();
  const imports: string[] = [];
  let current = `${schemaLabel(identity)}`;
  try {
    for (const ref of flattenReferences(references)) {
      if (ref.schemaType !== 'PROTOBUF') {
        return {
          ok: false,
          error: new DecodeError(
            'unparsableSchema',
            `${schemaLabel(identity, { capital: true })} imports ${ref.subject} v${ref.version}, which is ${ref.schemaType}, not Protobuf. Fix the reference in the registry.`,
          ),
        };
      }
      current = `the import "${ref.name}" (${ref.subject} v${ref.version}) of ${schemaLabel(identity)}`;
      provided.add(ref.name);
      imports.push(...addFile(root, ref.schema).imports);
    }
    current = `${schemaLabel(identity)}`;
    const main = addFile(root, schemaText);
    imports.push(...main.imports);
    // Well-known imports (google/protobuf/*.proto) are not registered as references by Confluent's serializers.
    for (const name of new Set(imports)) {
      if (provided.has(name)) continue;
      const json = wellKnown(name);
      if (json?.nested) {
        provided.add(name);
        root.addJSON(json.nested);
      }
    }
    root.resolveAll();
    const byName = new Map<string, MessageNode>();
    const attach = (nodes: MessageNode[]): void => {
      for (const node of nodes) {
        if (!node.fullName.includes('<map entry')) {
          const found = root.lookup(node.fullName);
          if (found instanceof protobuf.Type) node.type = found;
          byName.set(node.fullName, node);
        }
        attach(node.nested);
      }
    };
    attach(main.tree);
    if (!main.tree.length || !main.tree[0].type) {
      return {
        ok: false,
        error: new DecodeError(
          'unparsableSchema',
          `${schemaLabel(identity, { capital: true })} declares no message type, so no record can use it. Check the schema in the registry.`,
        ),
      };
    }
    return { ok: true, schema: new ProtobufSchema(identity, main.tree, byName, previewBytes) };
  } catch (error) {
    return {
      ok: false,
      error: new DecodeError(
        'unparsableSchema',
        `${current[0].toUpperCase()}${current.slice(1)} cannot be used as Protobuf (${(error as Error).message}). Check the schema and its references in the registry; until then these records are shown as binary.`,
        { cause: error },
      ),
    };
  }
}

class ProtobufSchema implements CompiledSchema {
  readonly format = 'protobuf' as const;
  private readonly first: MessageNode;

  constructor(
    readonly identity: SchemaIdentity,
    private readonly tree: readonly MessageNode[],
    private readonly byName: ReadonlyMap<string, MessageNode>,
    private readonly previewBytes: number | undefined,
  ) {
    this.first = tree[0];
  }

  decode(raw: Buffer, offset: number, framed: boolean, messageType?: string): DecodeResult {
    let node: MessageNode | undefined = this.first;
    let start = offset;
    if (framed) {
      // The common case, the first message, is the single byte 0.
      if (raw[offset] === 0 && offset < raw.length) {
        start = offset + 1;
      } else {
        const read = readMessageIndexes(raw.subarray(offset));
        if (!read.ok) return failure(raw, read.error, 'protobuf', this.identity.id, this.previewBytes);
        node = this.locate(read.value.indexes);
        if (!node?.type) {
          return this.fail(
            raw,
            new DecodeError(
              'messageIndexOutOfRange',
              `The record's message-index path [${read.value.indexes.join(', ')}] names no message of ${schemaLabel(this.identity)} (${this.describeTree()}). The record was written with another version of the schema, or is corrupt.`,
            ),
          );
        }
        start = offset + read.value.messageOffset;
      }
    } else if (messageType !== undefined) {
      node = this.find(messageType);
      if (!node)
        return this.fail(
          raw,
          new DecodeError(
            'formatMismatch',
            `${schemaLabel(this.identity, { capital: true })} has no message type "${messageType}" (it has ${[...this.byName.keys()].join(', ')}). Fix the topic's format rule.`,
          ),
        );
    }
    const type = node.type as protobuf.Type;
    let message: protobuf.Message;
    try {
      const reader = protobuf.Reader.create(raw);
      reader.pos = start;
      message = type.decode(reader);
    } catch (error) {
      const detail = (error as Error).message;
      const truncated = error instanceof RangeError || /index out of range/.test(detail);
      return this.fail(
        raw,
        new DecodeError(
          truncated ? 'truncatedPayload' : 'corruptPayload',
          truncated
            ? `The Protobuf body ends early for ${node.fullName} (${detail}). The record is truncated, or was written with another schema than its header names.`
            : `The Protobuf body is not a valid ${node.fullName} (${detail}). The record is corrupt, or its header names the wrong schema id.`,
          { cause: error },
        ),
      );
    }
    let plain: unknown;
    let converted = false;
    const decoded: SchemaDecoded = {
      ok: true,
      format: 'protobuf',
      schema: this.identity,
      messageType: node.fullName,
      raw,
      // Converting to a plain object is a second pass over the message, so it waits until asked.
      get value(): unknown {
        if (!converted) {
          try {
            plain = shown(type, type.toObject(message, TO_OBJECT));
          } catch {
            plain = message.toJSON();
          }
          converted = true;
        }
        return plain;
      },
    };
    return decoded;
  }

  encode(value: unknown, options: EncodeOptions = {}): BodyEncodeResult {
    const node = options.messageType === undefined ? this.first : this.find(options.messageType);
    if (!node?.type) {
      return {
        ok: false,
        error: new EncodeError(
          'schemaMismatch',
          `${schemaLabel(this.identity, { capital: true })} has no message type "${options.messageType}". Choose one of ${[...this.byName.keys()].join(', ')}.`,
          [
            {
              path: '$',
              expected: `one of ${[...this.byName.keys()].join(', ')}`,
              actual: JSON.stringify(options.messageType),
            },
          ],
        ),
      };
    }
    const errors: FieldError[] = [];
    const normalized = checkMessage(node.type, value, [], errors);
    if (errors.length || !normalized) {
      return {
        ok: false,
        error: new EncodeError(
          'schemaMismatch',
          `The value does not match ${node.fullName} (${schemaLabel(this.identity)}): ${summarizeFieldErrors(errors)}. Nothing was produced.`,
          errors,
        ),
      };
    }
    try {
      const message = node.type.fromObject(normalized);
      const body = node.type.encode(message).finish();
      return { ok: true, body: Buffer.concat([encodeMessageIndexes(node.indexes), body]) };
    } catch (error) {
      return {
        ok: false,
        error: new EncodeError(
          'schemaMismatch',
          `The value cannot be encoded as ${node.fullName} (${(error as Error).message}). Nothing was produced.`,
        ),
      };
    }
  }

  recordName(options: EncodeOptions = {}): string | undefined {
    return options.messageType === undefined ? this.first.fullName : this.find(options.messageType)?.fullName;
  }

  /** A full name, or a simple name when it is unique. */
  private find(name: string): MessageNode | undefined {
    const exact = this.byName.get(stripDot(name));
    if (exact) return exact;
    const matches = [...this.byName.values()].filter((node) => node.fullName.endsWith(`.${name}`));
    return matches.length === 1 ? matches[0] : undefined;
  }

  private locate(indexes: readonly number[]): MessageNode | undefined {
    let nodes: readonly MessageNode[] = this.tree;
    let node: MessageNode | undefined;
    for (const index of indexes) {
      node = nodes[index];
      if (!node) return undefined;
      nodes = node.nested;
    }
    return node;
  }

  private describeTree(): string {
    const top = this.tree.length;
    return `${top} top-level message${top === 1 ? '' : 's'}: ${this.tree.map((n) => n.fullName).join(', ')}`;
  }

  private fail(raw: Buffer, error: DecodeError): DecodeResult {
    return failure(raw, error, 'protobuf', this.identity.id, this.previewBytes);
  }
}
