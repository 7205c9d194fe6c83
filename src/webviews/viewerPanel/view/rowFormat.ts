/** How the viewer writes times and row cells: readable local time, UTC ISO on hover. */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local date and time with milliseconds, e.g. 2026-12-01 11:22:21.512 (the number itself when not a date). */
export function formatLocal(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** ISO 8601 in UTC, for tooltips and exports (the number itself when not a date). */
export function formatUtc(ms: number | undefined): string {
  if (ms === undefined) return 'no timestamp';
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/**
 * A time typed into a filter field: ISO 8601 (with or without a zone: without one it is local
 * time, as the list shows it), or milliseconds since the epoch. Undefined when empty; NaN when not a time.
 */
export function parseTime(text: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (/^-?\d+$/.test(t)) return Number(t);
  // "2026-12-01 11:22:21.512" as the list writes it: the space stands for the ISO "T".
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2} \d/.test(t) ? t.replace(' ', 'T') : t);
  return Number.isNaN(ms) ? Number.NaN : ms;
}

export const FORMAT_LABELS: Record<string, string> = {
  avro: 'Avro',
  protobuf: 'Protobuf',
  jsonSchema: 'JSON Schema',
  json: 'JSON',
  text: 'text',
  binary: 'binary',
  null: 'null',
};
