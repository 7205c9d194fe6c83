import * as protobuf from 'protobufjs';
import * as descriptor from 'protobufjs/ext/descriptor';
import { type SchemaTypes, SchemaTypesError } from './schemaTypes';

/**
 * A Protobuf value subject's types for both generated projects: TypeScript interfaces of the shape
 * the generated decoder returns (the proto3 JSON mapping: 64-bit integers as decimal text, enums by
 * name, bytes as base64, Timestamps as ISO text), and a Python module that builds the message
 * classes from the schema's FileDescriptorProto (what protoc would generate, without protoc), for
 * confluent-kafka's ProtobufDeserializer. The root type is the schema's first message (index 0).
 */
export function protobufTypes(schemaText: string): SchemaTypes {
  const { root, imports, messages } = parse(schemaText);
  const first = messages[0];
  if (!first) throw new SchemaTypesError('the schema defines no message');
  const names = new Map<string, string>();
  const all: protobuf.Type[] = [];
  const visit = (type: protobuf.Type, prefix: string): void => {
    const name = identifier(prefix ? `${prefix}_${type.name}` : type.name);
    names.set(type.fullName, name);
    all.push(type);
    for (const nested of type.nestedArray) if (nested instanceof protobuf.Type) visit(nested, name);
  };
  for (const m of messages) visit(m, '');
  const enumNames = (e: protobuf.Enum): string =>
    Object.keys(e.values)
      .map((v) => JSON.stringify(v))
      .join(' | ');
  const tsType = (field: protobuf.Field): string => {
    const t = field.resolvedType;
    let base: string;
    if (t instanceof protobuf.Enum) base = enumNames(t);
    else if (t instanceof protobuf.Type) base = wellKnownTs(t.fullName) ?? (names.get(t.fullName) as string);
    else base = SCALAR_TS[field.type] ?? 'unknown';
    if (field.map) return `Record<string, ${base}>`;
    return field.repeated ? `Array<${base}>` : base;
  };
  const interfaces = all.map((type) => {
    const lines = type.fieldsArray.map((f) => {
      const message = f.resolvedType instanceof protobuf.Type && !f.repeated && !f.map;
      return `  readonly ${JSON.stringify(f.name)}: ${tsType(f)}${message ? ' | null' : ''};`;
    });
    return `/** ${type.fullName.replace(/^\./, '')} */\nexport interface ${names.get(type.fullName)} {\n${lines.join('\n')}\n}\n`;
  });
  const rootName = names.get(first.fullName) as string;
  const typescript = `// Generated from the Protobuf schema by Kafka Consumer Lab: the shape src/protobuf.ts decodes to
// (64-bit integers as exact decimal text, enums by name, bytes as base64, Timestamps as ISO 8601 text).

${interfaces.join('\n')}
/** The value: the schema's first message. */
export type Value = ${rootName};
/** Any top-level message of the schema: a record's message index may name another than the first. */
export type AnyMessage = ${messages.map((m) => names.get(m.fullName)).join(' | ')};
`;

  // Python: the schema as protoc would describe it; the well-known files come from protobuf itself.
  const set = (root as unknown as { toDescriptor(syntax: string): protobuf.Message }).toDescriptor('proto3');
  const fileSet = descriptor.FileDescriptorSet.toObject(set) as {
    file?: Array<{ name?: string; package?: string; dependency?: string[] }>;
  };
  // protobufjs puts the well-known types in a file of its own: Python has the real ones, so the
  // schema's file depends on those (by their canonical names) instead.
  const ownFiles = (fileSet.file ?? [])
    .filter((f) => f.package !== 'google.protobuf')
    .map((f) => ({ ...f, name: `kafka_lab/${f.name ?? 'value.proto'}`, dependency: [...imports] }));
  const encoded = ownFiles.map((f) =>
    Buffer.from(descriptor.FileDescriptorProto.encode(descriptor.FileDescriptorProto.fromObject(f)).finish()).toString(
      'base64',
    ),
  );
  const classes = all.map(
    (type) =>
      `${names.get(type.fullName)} = message_factory.GetMessageClass(_pool.FindMessageTypeByName(${JSON.stringify(type.fullName.replace(/^\./, ''))}))`,
  );
  const python = `"""Generated from the Protobuf schema by Kafka Consumer Lab: the message classes, built from the
schema's FileDescriptorProto as protoc would generate them. message.value is an instance of ${rootName}
(int for 64-bit integers; Timestamp.ToDatetime() for dates)."""

import base64

from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, duration_pb2, empty_pb2, field_mask_pb2, message_factory, struct_pb2, timestamp_pb2, wrappers_pb2  # noqa: F401 (the well-known files)

_FILES = [
${encoded.map((b) => `    ${JSON.stringify(b)},`).join('\n')}
]
_pool = descriptor_pool.Default()
for _encoded in _FILES:
    _file = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(_encoded))
    try:
        _pool.FindFileByName(_file.name)
    except KeyError:
        _pool.Add(_file)

${classes.join('\n')}

#: The value: the schema's first message.
Value = ${rootName}
#: The top-level messages in the schema's order: a record's message index picks one.
MESSAGES = [${messages.map((m) => names.get(m.fullName)).join(', ')}]
`;
  return { rootName, typescript, python };
}

function parse(text: string): { root: protobuf.Root; imports: string[]; messages: protobuf.Type[] } {
  const root = new protobuf.Root();
  let parsed: protobuf.IParserResult;
  try {
    parsed = protobuf.parse(text, root, { keepCase: true });
    for (const file of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      const common = protobuf.common.get(file);
      if (!common) throw new SchemaTypesError(`the schema imports ${file}; only the well-known types can be resolved`);
      root.addJSON(common.nested ?? {});
    }
    root.resolveAll();
  } catch (error) {
    if (error instanceof SchemaTypesError) throw error;
    throw new SchemaTypesError(`the schema is not valid Protobuf: ${(error as Error).message}`);
  }
  const scope = parsed.package ? root.lookup(parsed.package) : root;
  const messages =
    scope instanceof protobuf.Namespace
      ? scope.nestedArray.filter((o): o is protobuf.Type => o instanceof protobuf.Type)
      : [];
  return { root, imports: [...(parsed.imports ?? [])], messages };
}

const identifier = (name: string): string => {
  const clean = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(clean) ? clean : `_${clean}`;
};

const SCALAR_TS: Record<string, string> = {
  double: 'number',
  float: 'number',
  int32: 'number',
  uint32: 'number',
  sint32: 'number',
  fixed32: 'number',
  sfixed32: 'number',
  int64: 'string',
  uint64: 'string',
  sint64: 'string',
  fixed64: 'string',
  sfixed64: 'string',
  bool: 'boolean',
  string: 'string',
  bytes: 'string',
};

function wellKnownTs(fullName: string): string | undefined {
  switch (fullName.replace(/^\./, '')) {
    case 'google.protobuf.Timestamp':
    case 'google.protobuf.Duration':
      return 'string';
    case 'google.protobuf.Int64Value':
    case 'google.protobuf.UInt64Value':
    case 'google.protobuf.StringValue':
    case 'google.protobuf.BytesValue':
      return 'string';
    case 'google.protobuf.DoubleValue':
    case 'google.protobuf.FloatValue':
    case 'google.protobuf.Int32Value':
    case 'google.protobuf.UInt32Value':
      return 'number';
    case 'google.protobuf.BoolValue':
      return 'boolean';
    default:
      return fullName.startsWith('.google.protobuf.') ? 'unknown' : undefined;
  }
}
