import { toDisplayJson } from '../codec/displayValue';
import type { DecodeResult } from '../codec/decodeResult';
import { stringifyExact } from '../codec/losslessJson';
import { formatOf } from './payloadView';

/**
 * The export line formats (docs/viewer-export.md). One NDJSON line is one message: the decoded key
 * and value exact (64-bit integers as decimal strings, logical types readable), and beside them
 * the raw bytes as base64 and the schema id, so that the producer can send the same bytes again
 * or encode the decoded value anew.
 */
export const EXPORT_FORMAT_VERSION = 1;

export interface ExportedPayload {
  /** json, text, binary, avro, protobuf, jsonSchema or null. */
  readonly format: string;
  /** The decoded value, JSON-safe and exact; null for null, binary and failed payloads. */
  readonly decoded: unknown;
  /** The bytes as they were on the topic (null for a null key or value). */
  readonly base64: string | null;
  readonly schemaId?: number;
  readonly subject?: string;
  readonly version?: number;
  readonly messageType?: string;
  /** Why it could not be decoded. */
  readonly error?: string;
}

export interface ExportedMessage {
  readonly v: typeof EXPORT_FORMAT_VERSION;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** ms since the epoch, and the same in ISO 8601 (UTC), both null when the record has none. */
  readonly timestamp: number | null;
  readonly time: string | null;
  readonly key: ExportedPayload;
  readonly value: ExportedPayload;
  readonly headers: ReadonlyArray<{ readonly key: string; readonly text: string; readonly base64: string }>;
}

export function exportedPayload(result: DecodeResult, raw: Buffer | null): ExportedPayload {
  const base64 = raw ? raw.toString('base64') : null;
  if (!result.ok) {
    return {
      format: formatOf(result),
      decoded: null,
      base64,
      ...(result.schemaId !== undefined ? { schemaId: result.schemaId } : {}),
      error: result.error.message,
    };
  }
  switch (result.format) {
    case 'null':
      return { format: 'null', decoded: null, base64: null };
    case 'binary':
      return { format: 'binary', decoded: null, base64 };
    case 'text':
      return { format: 'text', decoded: result.text, base64 };
    case 'json':
      return { format: 'json', decoded: toDisplayJson(result.value), base64 };
    default:
      return {
        format: result.format,
        decoded: toDisplayJson(result.value),
        base64,
        schemaId: result.schema.id,
        ...(result.schema.subject !== undefined ? { subject: result.schema.subject } : {}),
        ...(result.schema.version !== undefined ? { version: result.schema.version } : {}),
        ...(result.messageType !== undefined ? { messageType: result.messageType } : {}),
      };
  }
}

/** One message as one line of JSON (no line break inside: JSON.stringify escapes them). */
export function jsonLine(message: ExportedMessage): string {
  return stringifyExact(message) ?? 'null';
}

/** ISO 8601 in UTC, or null for a missing or unrepresentable timestamp. */
export function isoTime(ms: number | undefined): string | null {
  if (ms === undefined || !Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

// ------------------------------------------------------------------ CSV

export const CSV_COLUMNS = [
  'topic',
  'partition',
  'offset',
  'timestamp',
  'time',
  'key_format',
  'key',
  'value_format',
  'value',
  'headers',
  'error',
] as const;

/**
 * One CSV cell (RFC 4180), safe to open in a spreadsheet: a cell that a spreadsheet would read as
 * a formula (starting with = + - @, or a tab or carriage return that some strip first) is
 * prefixed with an apostrophe, and any cell holding a quote, a comma, a line break or that prefix
 * is quoted, quotes doubled.
 */
export function csvCell(text: string): string {
  let cell = text;
  const first = cell.charCodeAt(0);
  if (first === 0x3d || first === 0x2b || first === 0x2d || first === 0x40 || first === 0x09 || first === 0x0d)
    cell = `'${cell}`;
  return /[",\r\n']/.test(cell) || cell !== text ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** A payload as one CSV cell: text as is, structured values as exact JSON, binary as base64. */
function payloadCell(payload: ExportedPayload): string {
  if (payload.format === 'null') return '';
  if (payload.decoded === null || payload.decoded === undefined) return payload.base64 ?? '';
  return typeof payload.decoded === 'string' ? payload.decoded : (stringifyExact(payload.decoded) ?? '');
}

export function csvRecord(message: ExportedMessage): string {
  const errors = [
    message.key.error && `key: ${message.key.error}`,
    message.value.error && `value: ${message.value.error}`,
  ]
    .filter(Boolean)
    .join('; ');
  return csvLine([
    message.topic,
    String(message.partition),
    String(message.offset),
    message.timestamp === null ? '' : String(message.timestamp),
    message.time ?? '',
    message.key.format,
    payloadCell(message.key),
    message.value.format,
    payloadCell(message.value),
    message.headers.length > 0 ? JSON.stringify(message.headers.map((h) => [h.key, h.text])) : '',
    errors,
  ]);
}
