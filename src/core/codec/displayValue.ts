/**
 * Makes any decoded value JSON-safe for display, export or a handler process: bytes become base64
 * strings, 64-bit integers (BigInt, Long) decimal strings, non-finite numbers strings, Maps plain
 * objects, and class instances (avsc records, protobufjs messages) plain objects. It is a separate
 * step so the hot decode path does not pay for it.
 */
export function toDisplayJson(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return String(value);
  }
  const object = value as object;
  if (Buffer.isBuffer(object) || object instanceof Uint8Array) return Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('base64');
  if (isLong(object)) return String(object);
  if (seen.has(object)) return '[circular]';
  seen.add(object);
  try {
    if (Array.isArray(object)) return object.map((item) => toDisplayJson(item, seen));
    if (object instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of object) out[String(key)] = toDisplayJson(item, seen);
      return out;
    }
    if (object instanceof Date) return object.toISOString();
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      const item = (object as Record<string, unknown>)[key];
      if (item !== undefined && typeof item !== 'function') out[key] = toDisplayJson(item, seen);
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

function isLong(value: object): boolean {
  const v = value as { low?: unknown; high?: unknown; unsigned?: unknown };
  return typeof v.low === 'number' && typeof v.high === 'number' && typeof v.unsigned === 'boolean';
}
