import type { GeneratorInput } from '../generatorInput';

/** src/registry.ts: Confluent wire format (magic byte, 4-byte schema id) through the Schema Registry. */
export function registryTs(input: GeneratorInput): string {
  const proto = input.valueFormat === 'protobuf';
  return `import * as avro from 'avsc';
import { MessageDecodeError, type PayloadInfo, RetriableError } from './contract';
${proto ? "import { ProtobufSchema } from './protobuf';\n" : ''}
const MAGIC_BYTE = 0;
const REQUEST_TIMEOUT_MS = 10_000;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An Avro long as a number when it fits in one exactly, else as exact decimal text (never rounded). */
type Long = number | string;

function exactLong(value: bigint): Long {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
}

const LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => exactLong(buf.readBigInt64LE()),
  toBuffer: (n: Long) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (v: Long) => v,
  toJSON: (v: Long) => v,
  isValid: (v: unknown) => Number.isSafeInteger(v) || (typeof v === 'string' && /^-?[0-9]+$/.test(v)),
  compare: (a: Long, b: Long) => (BigInt(a) === BigInt(b) ? 0 : BigInt(a) < BigInt(b) ? -1 : 1),
});

/** Decodes only: a consumer never encodes these. */
abstract class ReadOnlyLogicalType extends avro.types.LogicalType {
  protected override _toValue(): never {
    throw new Error('this consumer only decodes ' + String(this.name ?? 'logical types'));
  }
}

/** Two's complement, big-endian, to exact decimal text with the schema's scale. */
export function decimalText(bytes: Buffer, scale: number): string {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  if (bytes.length > 0 && (bytes[0] as number) & 0x80) n -= 1n << BigInt(bytes.length * 8);
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString();
  if (scale <= 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(scale + 1, '0');
  return (negative ? '-' : '') + padded.slice(0, -scale) + '.' + padded.slice(-scale);
}

class DecimalType extends ReadOnlyLogicalType {
  private readonly scale: number;
  constructor(schema: avro.Schema, options?: avro.ForSchemaOptions) {
    super(schema, options);
    this.scale = Number((schema as { scale?: number }).scale ?? 0);
  }
  protected override _fromValue(bytes: Buffer): string {
    return decimalText(bytes, this.scale);
  }
}

class DateType extends ReadOnlyLogicalType {
  protected override _fromValue(days: number): string {
    return new Date(days * 86_400_000).toISOString().split('T')[0] as string;
  }
}

class TimeMillisType extends ReadOnlyLogicalType {
  protected override _fromValue(ms: number): string {
    return ms >= 0 && ms < 86_400_000 ? new Date(ms).toISOString().slice(11, 23) : String(ms);
  }
}

class TimestampMillisType extends ReadOnlyLogicalType {
  protected override _fromValue(ms: Long): string {
    const date = new Date(Number(ms));
    return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
  }
}

class TimestampMicrosType extends ReadOnlyLogicalType {
  protected override _fromValue(us: Long): string {
    const micros = BigInt(us);
    const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
    const date = new Date(Number(ms));
    if (Number.isNaN(date.getTime())) return String(us);
    return date.toISOString().replace('Z', String(micros - ms * 1000n).padStart(3, '0') + 'Z');
  }
}

const LOGICAL_TYPES = {
  decimal: DecimalType,
  date: DateType,
  'time-millis': TimeMillisType,
  'timestamp-millis': TimestampMillisType,
  'timestamp-micros': TimestampMicrosType,
};

type Decoder =
  | { readonly format: 'avro'; readonly type: avro.Type }
  | { readonly format: 'jsonSchema' }${proto ? "\n  | { readonly format: 'protobuf'; readonly schema: ProtobufSchema }" : ''};

/** Fetches each writer schema once by id (bounded requests) and decodes with it. */
export class RegistryDecoder {
  private readonly decoders = new Map<number, Promise<Decoder>>();

  constructor(private readonly options: { readonly url: string; readonly userInfo?: string }) {}

  async decode(raw: Buffer): Promise<{ value: unknown; info: PayloadInfo }> {
    if (raw.length < 5 || raw[0] !== MAGIC_BYTE)
      throw new MessageDecodeError('the value does not start with the Schema Registry magic byte and a schema id');
    const schemaId = raw.readInt32BE(1);
    const decoder = await this.decoder(schemaId);
    const body = raw.subarray(5);
    try {
      const value =
        decoder.format === 'avro'
          ? decoder.type.fromBuffer(body)
          : ${proto ? "decoder.format === 'protobuf' ? decoder.schema.decode(body) : " : ''}(JSON.parse(body.toString('utf8')) as unknown);
      return { value, info: { format: decoder.format, schemaId } };
    } catch (error) {
      throw new MessageDecodeError('the value does not decode with schema ' + schemaId + ': ' + (error as Error).message);
    }
  }

  private decoder(id: number): Promise<Decoder> {
    let decoder = this.decoders.get(id);
    if (!decoder) {
      decoder = this.fetchDecoder(id);
      this.decoders.set(id, decoder);
      // A failed fetch is not cached: the retry asks again.
      decoder.catch(() => this.decoders.delete(id));
    }
    return decoder;
  }

  private async fetchDecoder(id: number): Promise<Decoder> {
    const headers: Record<string, string> = { Accept: 'application/vnd.schemaregistry.v1+json' };
    if (this.options.userInfo) headers.Authorization = 'Basic ' + Buffer.from(this.options.userInfo).toString('base64');
    let response: Response;
    try {
      response = await fetch(this.options.url.replace(/\\/+$/, '') + '/schemas/ids/' + id, {
        headers,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new RetriableError('the Schema Registry did not answer for schema ' + id + ': ' + (error as Error).message, { cause: error });
    }
    if (response.status === 404) throw new MessageDecodeError('schema ' + id + ' is not in the Schema Registry');
    if (!response.ok) throw new RetriableError('the Schema Registry answered ' + response.status + ' for schema ' + id);
    const body = (await response.json()) as { schema?: unknown; schemaType?: unknown };
    if (typeof body.schema !== 'string') throw new MessageDecodeError('the Schema Registry sent no schema for id ' + id);
    const schemaType = typeof body.schemaType === 'string' ? body.schemaType : 'AVRO';
    if (schemaType === 'JSON') return { format: 'jsonSchema' };${
      proto
        ? `
    if (schemaType === 'PROTOBUF') {
      try {
        return { format: 'protobuf', schema: ProtobufSchema.parse(body.schema) };
      } catch (error) {
        throw new MessageDecodeError('schema ' + id + ' is not Protobuf this consumer can read: ' + (error as Error).message);
      }
    }`
        : ''
    }
    if (schemaType !== 'AVRO') throw new MessageDecodeError('schema ' + id + ' is ' + schemaType + ', which this consumer does not decode');
    try {
      const type = avro.Type.forSchema(JSON.parse(body.schema) as avro.Schema, {
        logicalTypes: LOGICAL_TYPES,
        registry: { long: LONG },
        wrapUnions: false,
      });
      return { format: 'avro', type };
    } catch (error) {
      throw new MessageDecodeError('schema ' + id + ' is not valid Avro: ' + (error as Error).message);
    }
  }
}
`;
}
