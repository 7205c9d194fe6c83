/**
 * src/protobuf.ts: Protobuf values in the Confluent wire format (message indexes after the schema
 * id) decoded with protobufjs from the writer's .proto text, shown as the proto3 JSON mapping does:
 * 64-bit integers as exact decimal text, enums by name, bytes as base64, Timestamps as ISO 8601 in
 * UTC with every digit, Durations as seconds ("1.5s"), wrappers as their value.
 */
export function protobufTs(): string {
  return `import * as protobuf from 'protobufjs';

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: String,
  defaults: true,
  arrays: true,
  objects: true,
  json: true,
};
const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => 'google.protobuf.' + n));
/** Message indexes are a handful of varints: more than this is not a real record. */
const MAX_INDEXES = 64;

/** A schema's messages in Confluent's index order: top-level messages, then the nested ones of each. */
export class ProtobufSchema {
  private constructor(private readonly top: protobuf.Type[]) {}

  /** Parses the writer's .proto text (imports of the well-known types included); throws when it is not valid. */
  static parse(text: string): ProtobufSchema {
    const root = new protobuf.Root();
    const parsed = protobuf.parse(text, root, { keepCase: true });
    for (const file of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      const common = protobuf.common.get(file);
      if (!common) throw new Error('it imports ' + file + ', which this consumer cannot resolve (only the well-known types)');
      root.addJSON(common.nested ?? {});
    }
    root.resolveAll();
    const scope = parsed.package ? root.lookup(parsed.package) : root;
    return new ProtobufSchema(messagesOf(scope));
  }

  /** Reads the message indexes after the schema id, decodes the message they name, and makes it readable. */
  decode(body: Buffer): unknown {
    const reader = protobuf.Reader.create(body);
    const count = zigzag(reader.uint32());
    if (count < 0 || count > MAX_INDEXES) throw new Error('the message index count ' + count + ' is not valid');
    const indexes = count === 0 ? [0] : Array.from({ length: count }, () => zigzag(reader.uint32()));
    let types = this.top;
    let type: protobuf.Type | undefined;
    for (const index of indexes) {
      type = types[index];
      if (!type) throw new Error('the message indexes [' + indexes.join(', ') + '] name no message of the schema');
      types = messagesOf(type);
    }
    const message = (type as protobuf.Type).decode(body.subarray(reader.pos));
    return readable(type as protobuf.Type, (type as protobuf.Type).toObject(message, TO_OBJECT));
  }
}

function messagesOf(scope: protobuf.ReflectionObject | null): protobuf.Type[] {
  if (!(scope instanceof protobuf.Namespace)) return [];
  return scope.nestedArray.filter((o): o is protobuf.Type => o instanceof protobuf.Type);
}

const zigzag = (n: number): number => (n >>> 1) ^ -(n & 1);

/** The well-known types as the proto3 JSON mapping shows them; everything else field by field. */
function readable(type: protobuf.Type, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const name = type.fullName.replace(/^\\./, '');
  const object = value as Record<string, unknown>;
  if (name === 'google.protobuf.Timestamp') return timestampText(String(object.seconds ?? '0'), Number(object.nanos ?? 0));
  if (name === 'google.protobuf.Duration') return durationText(String(object.seconds ?? '0'), Number(object.nanos ?? 0));
  if (WRAPPERS.has(name)) return object.value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(type.fields)) {
    const v = object[key];
    const inner = field.resolvedType;
    if (!(inner instanceof protobuf.Type) || v === undefined || v === null) out[key] = v;
    else if (field.map) out[key] = Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, readable(inner, x)]));
    else if (field.repeated) out[key] = (v as unknown[]).map((x) => readable(inner, x));
    else out[key] = readable(inner, v);
  }
  for (const [key, v] of Object.entries(object)) if (!(key in out)) out[key] = v;
  return out;
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  return '.' + (nanos % 1_000_000 === 0 ? digits.slice(0, 3) : nanos % 1000 === 0 ? digits.slice(0, 6) : digits);
}

/** RFC 3339 in UTC, as the proto3 JSON mapping writes it; outside Date's range, the seconds as they are. */
export function timestampText(seconds: string, nanos: number): string {
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime()) || !Number.isSafeInteger(Number(seconds)) || nanos < 0 || nanos > 999_999_999)
    return seconds + 's+' + nanos + 'ns';
  return date.toISOString().replace(/\\.\\d{3}Z$/, fraction(nanos) + 'Z');
}

export function durationText(seconds: string, nanos: number): string {
  const negative = seconds.startsWith('-') || nanos < 0;
  return (negative && !seconds.startsWith('-') ? '-' : '') + seconds + fraction(Math.abs(nanos)) + 's';
}
`;
}
