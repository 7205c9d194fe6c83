/** Checks of the record fields that are not payloads: headers, partition, timestamp. */

export interface HeaderInput {
  readonly key: string;
  readonly value: string;
}

/** Milliseconds since the epoch from an integer, or an ISO 8601 date-time with a zone (Z or ±hh:mm). */
export function parseTimestamp(input: unknown): { ok: true; value: number } | { ok: false; message: string } {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input) && input >= 0) return { ok: true, value: input };
    return {
      ok: false,
      message: `${String(input)} is not a timestamp: give milliseconds since the epoch (0 or more).`,
    };
  }
  if (typeof input === 'string') {
    const text = input.trim();
    if (/^\d+$/.test(text)) return parseTimestamp(Number(text));
    const iso = strictIso(text);
    if (Number.isFinite(iso) && iso >= 0) return { ok: true, value: iso };
    return {
      ok: false,
      message: `"${text.slice(0, 60)}" is not a timestamp: give milliseconds since the epoch, or an ISO date-time with a zone such as 2026-12-01T10:00:00.000Z (millisecond precision, not before 1970).`,
    };
  }
  return { ok: false, message: 'A timestamp is a number of milliseconds since the epoch, or an ISO date-time text.' };
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** Date.parse rolls February 30th over into March: every part is checked against the calendar first. */
function strictIso(text: string): number {
  const m = ISO.exec(text);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const zoneOk = m[8] === 'Z' || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59 || !zoneOk)
    return NaN;
  return Date.parse(text);
}

export function checkPartition(
  input: unknown,
): { ok: true; value: number | undefined } | { ok: false; message: string } {
  if (input === undefined || input === null) return { ok: true, value: undefined };
  if (Number.isSafeInteger(input) && (input as number) >= 0) return { ok: true, value: input as number };
  return {
    ok: false,
    message: `${JSON.stringify(input)} is not a partition: give an integer from 0, or leave it out.`,
  };
}

/** Headers from an object `{name: value}` or a list `[{key, value}]`; values as text (or base64 with `{base64}`). */
export function parseHeaders(
  input: unknown,
): { ok: true; value: Array<{ key: string; value: Buffer | string }> } | { ok: false; message: string } {
  if (input === undefined || input === null) return { ok: true, value: [] };
  const out: Array<{ key: string; value: Buffer | string }> = [];
  const valueOf = (key: string, v: unknown): Buffer | string | string[] => {
    if (typeof v === 'string') return v;
    if (typeof v === 'object' && v !== null && typeof (v as { base64?: unknown }).base64 === 'string')
      return Buffer.from((v as { base64: string }).base64, 'base64');
    return [`header "${key}" has a value that is neither text nor {"base64": …}`];
  };
  const add = (key: unknown, v: unknown): string | undefined => {
    if (typeof key !== 'string' || key.length === 0) return 'a header needs a non-empty text name';
    const value = valueOf(key, v);
    if (Array.isArray(value)) return value[0];
    out.push({ key, value });
    return undefined;
  };
  if (Array.isArray(input)) {
    for (const item of input) {
      const problem =
        typeof item === 'object' && item !== null
          ? add((item as { key?: unknown }).key, (item as { value?: unknown }).value)
          : 'each header in a list is {"key": …, "value": …}';
      if (problem) return { ok: false, message: problem };
    }
  } else if (typeof input === 'object') {
    for (const [key, v] of Object.entries(input as Record<string, unknown>)) {
      const problem = add(key, v);
      if (problem) return { ok: false, message: problem };
    }
  } else {
    return { ok: false, message: 'headers are an object {"name": "value"} or a list [{"key", "value"}]' };
  }
  return { ok: true, value: out };
}
