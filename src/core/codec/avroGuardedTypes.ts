import * as avro from 'avsc';
import { internals, type AvroTap } from './avroInternals';

/** Items of a zero-byte type (null, empty record) have no size to bound their count by. */
const MAX_ZERO_SIZE_ITEMS = 1_000_000;

/** The fewest bytes one value of `type` takes on the wire. */
function minEncodedSize(type: avro.Type, inProgress = new Set<avro.Type>()): number {
  const t = internals(type);
  switch (t.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return t.size ?? 0;
    case 'record':
    case 'error': {
      if (inProgress.has(type)) return 0;
      inProgress.add(type);
      const sum = (t.fields ?? []).reduce((total, field) => total + minEncodedSize(field.type, inProgress), 0);
      inProgress.delete(type);
      return sum;
    }
    default:
      if (t.underlyingType) return minEncodedSize(t.underlyingType, inProgress);
      return 1; // varints, lengths, union indexes, array/map block terminators
  }
}

function checkBlockCount(tap: AvroTap, count: number, minBytes: number): void {
  const remaining = tap.buf.length - tap.pos;
  if (minBytes > 0 ? count * minBytes > remaining : count > MAX_ZERO_SIZE_ITEMS) {
    throw new Error(`a block count of ${count} items cannot fit in the ${Math.max(remaining, 0)} bytes left`);
  }
}

function readBlockCount(tap: AvroTap): number {
  let n = tap.readLong();
  if (n < 0) {
    n = -n;
    tap.skipLong(); // the block's byte size
  }
  return n;
}

/*
 * avsc reads an array or map block count and loops that many times, so one corrupt varint (say 60
 * million) turns into a long stall. These subclasses, created through avsc's typeHook, reject a
 * count the remaining bytes cannot hold before looping; otherwise they read exactly as avsc does.
 */
class GuardedArrayType extends avro.types.ArrayType {
  // avsc freezes its types; private fields are still allowed on frozen objects.
  #minBytes = -1;

  _read(tap: AvroTap): unknown[] {
    const items = this.itemsType;
    let minBytes = this.#minBytes;
    if (minBytes < 0) minBytes = this.#minBytes = minEncodedSize(items);
    const read = internals(items);
    let values: unknown[] | undefined;
    let i = 0;
    let n: number;
    while ((n = readBlockCount(tap))) {
      checkBlockCount(tap, n, minBytes);
      values = values ?? new Array<unknown>(n);
      while (n--) values[i++] = read._read(tap);
    }
    return values ?? [];
  }
}

class GuardedMapType extends avro.types.MapType {
  #minBytes = -1;

  _read(tap: AvroTap): Record<string, unknown> {
    const valuesType = this.valuesType as avro.Type;
    let minBytes = this.#minBytes;
    if (minBytes < 0) minBytes = this.#minBytes = 1 + minEncodedSize(valuesType);
    const read = internals(valuesType);
    const out: Record<string, unknown> = {};
    let n: number;
    while ((n = readBlockCount(tap))) {
      checkBlockCount(tap, n, minBytes);
      while (n--) {
        const key = tap.readString();
        out[key] = read._read(tap);
      }
    }
    return out;
  }
}

/** avsc typeHook: arrays and maps get the guarded readers. */
export function guardedCollections(schema: avro.Schema, opts: avro.ForSchemaOptions): avro.Type | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const kind = (schema as { type?: unknown }).type;
  if (kind === 'array') return new GuardedArrayType(schema, opts);
  if (kind === 'map') return new GuardedMapType(schema, opts);
  return undefined;
}
