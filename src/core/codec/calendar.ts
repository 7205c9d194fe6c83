// Proleptic Gregorian calendar arithmetic on plain integers, so that no date or timestamp passes
// through JS Date (whose range, ±8.64e15 ms, is narrower than an Avro long's).

/** Days since 1970-01-01 to [year, month 1-12, day 1-31] (H. Hinnant's civil_from_days). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return [year, month, day];
}

/** [year, month, day] to days since 1970-01-01. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** ISO 8601 year: four digits for 0000-9999, otherwise a sign and at least six (as JS Date does). */
function isoYear(year: number): string {
  if (year >= 0 && year <= 9999) return pad(year, 4);
  return `${year < 0 ? '-' : '+'}${pad(Math.abs(year), 6)}`;
}

export function isoDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${isoYear(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** A time of day from units since midnight, with `digits` fraction digits (3 for ms, 6 for µs, 9 for ns). */
export function isoTime(unitsOfDay: number, digits: number): string {
  const perSecond = 10 ** digits;
  const seconds = Math.floor(unitsOfDay / perSecond);
  const fraction = unitsOfDay - seconds * perSecond;
  const whole = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  return digits > 0 ? `${whole}.${pad(fraction, digits)}` : whole;
}

/** A timestamp from units since the epoch (number or BigInt), exactly: `YYYY-MM-DDTHH:MM:SS.fff…` (+ `Z` when `utc`). */
export function isoTimestamp(units: number | bigint, digits: number, utc: boolean): string {
  const perDay = 86_400 * 10 ** digits;
  let days: number;
  let ofDay: number;
  if (typeof units === 'number') {
    days = Math.floor(units / perDay);
    ofDay = units - days * perDay;
  } else {
    const big = BigInt(perDay);
    let d = units / big;
    let r = units % big;
    if (r < 0n) {
      d -= 1n;
      r += big;
    }
    days = Number(d);
    ofDay = Number(r);
  }
  return `${isoDate(days)}T${isoTime(ofDay, digits)}${utc ? 'Z' : ''}`;
}

const DATE = /^([+-]\d{4,6}|\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** Days since the epoch for an ISO date `YYYY-MM-DD` (or ±YYYYYY-MM-DD), or undefined. */
export function parseIsoDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

/** Units since midnight for `HH:MM:SS[.fraction]`, or undefined (also when the fraction is finer than `digits`). */
export function parseIsoTime(text: string, digits: number): bigint | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const fraction = m[4] ?? '';
  if (h > 23 || min > 59 || s > 59 || fraction.length > digits) return undefined;
  return BigInt((h * 3600 + min * 60 + s) * 10 ** digits) + BigInt(fraction.padEnd(digits, '0') || '0');
}

/**
 * Units since the epoch for an ISO 8601 date-time. With `utc`, a zone is required (`Z` or ±HH:MM);
 * without (local timestamps), a zone is refused. A fraction finer than `digits` is refused rather
 * than rounded.
 */
export function parseIsoTimestamp(text: string, digits: number, utc: boolean): bigint | undefined {
  const m = /^(.+?)[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:\d{2})?$/i.exec(text);
  if (!m) return undefined;
  const zone = m[3];
  if (utc !== (zone !== undefined)) return undefined;
  const days = parseIsoDate(m[1]);
  const ofDay = parseIsoTime(m[2], digits);
  if (days === undefined || ofDay === undefined) return undefined;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const [hh, mm] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (hh > 23 || mm > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hh * 60 + mm);
  }
  const perMinute = BigInt(60 * 10 ** digits);
  return BigInt(days) * 1440n * perMinute + ofDay - BigInt(offsetMinutes) * perMinute;
}
