import * as protobuf from 'protobufjs';
import { GenerateError } from './generateErrors';
import { DEFAULT_BOUNDS, type GenerateBounds } from './generateAvro';
import { RECENT_FROM_MS, RECENT_TO_MS, type SeededRandom } from './generateRandom';

/**
 * Random valid Protobuf messages in the JSON form the codec encodes: 64-bit integers as exact
 * decimal strings, enums by name, bytes as base64, one field of each oneof, and the well-known
 * types in their canonical JSON (Timestamp as RFC 3339, Duration as "1.5s", wrappers bare, Struct
 * and Value as JSON). google.protobuf.Any is left unset: the codec cannot resolve a type URL.
 */
export class ProtobufGenerator {
  private readonly type: protobuf.Type;

  constructor(
    schemaText: string,
    messageType: string | undefined,
    references: readonly string[] = [],
    private readonly bounds: GenerateBounds = DEFAULT_BOUNDS,
  ) {
    const root = new protobuf.Root();
    const imports = new Set<string>();
    let main: protobuf.IParserResult;
    try {
      for (const text of references) {
        const parsed = protobuf.parse(text, root, { keepCase: true, alternateCommentMode: true });
        for (const name of parsed.imports ?? []) imports.add(name);
      }
      main = protobuf.parse(schemaText, root, { keepCase: true, alternateCommentMode: true });
      for (const name of [...(main.imports ?? []), ...(main.weakImports ?? [])]) imports.add(name);
      for (const name of imports) {
        const json = protobuf.common.get(name) as protobuf.INamespace | undefined;
        if (json?.nested) root.addJSON(json.nested);
      }
      root.resolveAll();
    } catch (error) {
      throw new GenerateError(
        'unsupportedSchema',
        `The Protobuf schema cannot be read for generating (${(error as Error).message}). Generate works on .proto text; a schema stored as a descriptor is not supported.`,
        { cause: error },
      );
    }
    this.type = pickType(root, main, messageType);
  }

  get messageType(): string {
    return this.type.fullName.replace(/^\./, '');
  }

  generate(random: SeededRandom): Record<string, unknown> {
    return this.message(this.type, random, 0);
  }

  private message(type: protobuf.Type, random: SeededRandom, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const inOneof = new Set<string>();
    for (const oneof of type.oneofsArray) {
      for (const field of oneof.fieldsArray) inOneof.add(field.name);
      // proto3 `optional` is a synthetic oneof of one field: set it half the time.
      const choices = oneof.fieldsArray.filter(
        (f) => depth < this.bounds.maxDepth || !f.resolvedType || f.resolvedType instanceof protobuf.Enum,
      );
      if (!choices.length || (oneof.fieldsArray.length === 1 && random.bool())) continue;
      const field = random.pick(choices);
      const value = this.field(field, random, depth);
      if (value !== undefined) out[field.name] = value;
    }
    for (const field of type.fieldsArray) {
      if (inOneof.has(field.name)) continue;
      const value = this.field(field, random, depth);
      if (value !== undefined) out[field.name] = value;
    }
    return out;
  }

  private field(field: protobuf.Field, random: SeededRandom, depth: number): unknown {
    field.resolve();
    const deep = depth >= this.bounds.maxDepth;
    if (field instanceof protobuf.MapField) {
      const count = deep ? 0 : random.int(0, this.bounds.maxItems);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const key = String(this.scalar(field.keyType, random));
        const value = this.single(field, random, depth);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    if (field.repeated) {
      const count = deep ? 0 : random.int(0, this.bounds.maxItems);
      const out: unknown[] = [];
      for (let i = 0; i < count; i++) {
        const value = this.single(field, random, depth);
        if (value !== undefined) out.push(value);
      }
      return out;
    }
    // A message field past the depth bound stays unset (it is optional on the wire).
    if (deep && field.resolvedType instanceof protobuf.Type) return undefined;
    return this.single(field, random, depth);
  }

  private single(field: protobuf.Field, random: SeededRandom, depth: number): unknown {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) return random.pick(Object.keys(resolved.values));
    if (resolved instanceof protobuf.Type) {
      const known = wellKnown(resolved.fullName.replace(/^\./, ''), random);
      if (known !== NOT_WELL_KNOWN) return known;
      return this.message(resolved, random, depth + 1);
    }
    return this.scalar(field.type, random);
  }

  private scalar(type: string, random: SeededRandom): unknown {
    return scalarValue(type, random);
  }
}

const NOT_WELL_KNOWN = Symbol('not well-known');

function scalarValue(type: string, random: SeededRandom): unknown {
  switch (type) {
    case 'double':
      return random.int(-1_000_000_000, 1_000_000_000) / 1024;
    case 'float':
      return Math.fround(random.int(-1_000_000, 1_000_000) / 8);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return random.int(-(2 ** 31), 2 ** 31 - 1);
    case 'uint32':
    case 'fixed32':
      return random.int(0, 2 ** 32 - 1);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return (
        random.next() < 0.2
          ? random.pick([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n])
          : random.bigint(-(2n ** 63n), 2n ** 63n - 1n)
      ).toString();
    case 'uint64':
    case 'fixed64':
      return (
        random.next() < 0.2 ? random.pick([2n ** 64n - 1n, 2n ** 53n + 1n]) : random.bigint(0n, 2n ** 64n - 1n)
      ).toString();
    case 'bool':
      return random.bool();
    case 'bytes':
      return random.bytes(random.int(0, 16)).toString('base64');
    default:
      return random.words();
  }
}

function wellKnown(name: string, random: SeededRandom): unknown {
  switch (name) {
    case 'google.protobuf.Timestamp': {
      const ms = random.int(RECENT_FROM_MS, RECENT_TO_MS - 1);
      const nanos = String(random.int(0, 999_999)).padStart(6, '0');
      return `${new Date(ms).toISOString().slice(0, 23)}${nanos}Z`;
    }
    case 'google.protobuf.Duration': {
      const seconds = random.int(0, 86_400 * 30);
      const nanos = random.int(0, 999_999_999);
      return `${random.bool() ? '' : '-'}${seconds}.${String(nanos).padStart(9, '0')}s`;
    }
    case 'google.protobuf.DoubleValue':
    case 'google.protobuf.FloatValue':
    case 'google.protobuf.Int64Value':
    case 'google.protobuf.UInt64Value':
    case 'google.protobuf.Int32Value':
    case 'google.protobuf.UInt32Value':
    case 'google.protobuf.BoolValue':
    case 'google.protobuf.StringValue':
    case 'google.protobuf.BytesValue': {
      const scalar = name.slice('google.protobuf.'.length, -'Value'.length).toLowerCase();
      return scalarValue(scalar, random);
    }
    case 'google.protobuf.Struct':
      return jsonObject(random, 2);
    case 'google.protobuf.Value':
      return jsonValue(random, 2);
    case 'google.protobuf.ListValue':
      return Array.from({ length: random.int(0, 3) }, () => jsonValue(random, 1));
    case 'google.protobuf.Empty':
      return {};
    case 'google.protobuf.Any':
      return undefined;
    default:
      return NOT_WELL_KNOWN;
  }
}

/** JSON for a Struct: numbers stay within what a double holds exactly, as Value's number_value is a double. */
function jsonValue(random: SeededRandom, depth: number): unknown {
  const kind = random.int(0, depth > 0 ? 5 : 3);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random.int(-1_000_000, 1_000_000) / 4;
    case 2:
      return random.words();
    case 3:
      return random.bool();
    case 4:
      return Array.from({ length: random.int(0, 3) }, () => jsonValue(random, depth - 1));
    default:
      return jsonObject(random, depth - 1);
  }
}

function jsonObject(random: SeededRandom, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const count = random.int(0, 3);
  for (let i = 0; i < count; i++)
    out[`${random.pick(['note', 'tag', 'source', 'score'])}${i}`] = jsonValue(random, depth);
  return out;
}

function pickType(root: protobuf.Root, main: protobuf.IParserResult, messageType: string | undefined): protobuf.Type {
  if (messageType) {
    const candidates = [messageType, main.package ? `${main.package}.${messageType}` : messageType];
    for (const name of candidates) {
      try {
        return root.lookupType(name);
      } catch {
        // try the next
      }
    }
    throw new GenerateError(
      'unsupportedSchema',
      `The Protobuf schema has no message "${messageType}". Pick one of its messages.`,
    );
  }
  const home = main.package ? root.lookup(main.package) : root;
  const first =
    home instanceof protobuf.Namespace
      ? home.nestedArray.find((n): n is protobuf.Type => n instanceof protobuf.Type)
      : undefined;
  if (!first) throw new GenerateError('unsupportedSchema', 'The Protobuf schema defines no message to generate.');
  return first;
}
