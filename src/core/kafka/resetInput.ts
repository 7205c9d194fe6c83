import type { ResetRow, ResetTarget } from './offsetReset';
import type { Parsed } from './topicInput';

export type TargetKind = 'earliest' | 'latest' | 'timestamp' | 'offset' | 'shiftBy';

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

/** An ISO 8601 date, date-time (with or without a zone; without one it is local time), or epoch milliseconds. */
export function parseTimestamp(text: string): Parsed<number> {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const ms = Number(trimmed);
    return Number.isSafeInteger(ms) ? ok(ms) : fail('That epoch-millisecond value is too large.');
  }
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(trimmed)) {
    return fail(
      'Enter an ISO 8601 time such as 2025-01-31T14:00:00Z (or 2025-01-31), or epoch milliseconds such as 1738332000000.',
    );
  }
  const ms = Date.parse(trimmed.replace(' ', 'T'));
  if (!Number.isFinite(ms)) return fail(`"${trimmed}" is not a valid date or time.`);
  if (ms < 0) return fail('The time must be after 1970-01-01T00:00:00Z.');
  return ok(ms);
}

/** What the user typed for a target that needs a value; earliest and latest need none. */
export function parseResetTarget(kind: TargetKind, text = ''): Parsed<ResetTarget> {
  const trimmed = text.trim();
  switch (kind) {
    case 'earliest':
    case 'latest':
      return ok(kind);
    case 'timestamp': {
      const ms = parseTimestamp(trimmed);
      return ms.ok ? ok({ timestamp: ms.value }) : ms;
    }
    case 'offset': {
      if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed)))
        return fail('Enter the offset as a whole number, 0 or more.');
      return ok({ offset: Number(trimmed) });
    }
    case 'shiftBy': {
      if (!/^[+-]?\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed)))
        return fail(
          'Enter a whole number of messages: negative moves back (re-read), positive moves forward (skip), e.g. -100.',
        );
      const shiftBy = Number(trimmed);
      if (shiftBy === 0) return fail('A shift of 0 changes nothing; enter e.g. -100 to re-read the last 100 messages.');
      return ok({ shiftBy });
    }
  }
}

const show = (n: number | null): string => (n === null ? 'none' : String(n));
const signed = (n: number | null): string => (n === null ? 'none' : n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');

/** One preview entry per partition, for a list: `orders [0]` over `current 4 → new 0 · delta −4`. */
export function previewRow(row: ResetRow): { readonly label: string; readonly detail: string } {
  return {
    label: `${row.topic} [${row.partition}]`,
    detail: `current ${show(row.current)} → new ${row.next} · delta ${signed(row.delta)}`,
  };
}

/** The whole preview as a fixed-width table (for the log and monospace surfaces). */
export function previewTable(rows: readonly ResetRow[]): string {
  const header = ['topic', 'partition', 'current', 'new', 'delta'];
  const cells = rows.map((r) => [r.topic, String(r.partition), show(r.current), String(r.next), signed(r.delta)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** A one-line account of a plan: how many partitions move, and by how much in total. */
export function previewSummary(rows: readonly ResetRow[]): string {
  const moved = rows.filter((r) => r.delta === null || r.delta !== 0);
  const total = rows.reduce((sum, r) => sum + (r.delta ?? 0), 0);
  const fresh = rows.filter((r) => r.current === null).length;
  const parts = [`${rows.length} partition${rows.length === 1 ? '' : 's'}`, `${moved.length} to move`];
  if (total !== 0) parts.push(`${total < 0 ? `${-total} message(s) to re-read` : `${total} message(s) skipped`}`);
  if (fresh) parts.push(`${fresh} without a committed offset`);
  return parts.join(' · ');
}
