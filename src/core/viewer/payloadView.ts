import { buildDisplay, DISPLAY_LIMITS, type DisplayLimits } from '../codec/displayModel';
import { toDisplayJson } from '../codec/displayValue';
import type { DecodeResult, PayloadFormat } from '../codec/decodeResult';
import { stringifyExact } from '../codec/losslessJson';
import type { DecodeStatus, PayloadDetail } from './types';

/** Row previews are at most this many characters (types.ts MessageRow). */
export const PREVIEW_CHARS = 200;
/** A preview reads at most this many bytes of a payload, whatever its size or shape. */
const PREVIEW_SCAN_BYTES = 64 * 1024;
/** The detail view shows this many bytes as hex, and this many as text. */
export const DETAIL_HEX_BYTES = 16 * 1024;
export const DETAIL_TEXT_BYTES = 64 * 1024;

/** Small limits for a row's preview of a schema-decoded value: it is cut at 200 characters anyway. */
const PREVIEW_LIMITS: DisplayLimits = Object.freeze({
  maxDepth: 8,
  maxNodes: 64,
  maxStringChars: PREVIEW_CHARS,
  maxTotalChars: PREVIEW_CHARS * 2,
});

/** What the list shows as a payload's format: the attempted one for a failure, its fallback when unknown. */
export function formatOf(result: DecodeResult): PayloadFormat {
  if (result.ok) return result.format;
  return result.attempted === 'wireFormat' ? result.fallback.format : result.attempted;
}

export function statusOf(key: DecodeResult, value: DecodeResult): DecodeStatus {
  if (!key.ok || !value.ok) return 'error';
  return value.format === 'null' ? 'null' : 'ok';
}

/** Whether the stored bytes are the text people search (JSON and text): then filters read bytes in place. */
export function isTextFormat(format: PayloadFormat): boolean {
  return format === 'json' || format === 'text';
}

/** The text of a schema-decoded value, for the text filter: exact JSON of its readable form. */
export function decodedText(result: DecodeResult): string | undefined {
  if (!result.ok) return undefined;
  switch (result.format) {
    case 'avro':
    case 'protobuf':
    case 'jsonSchema':
      return stringifyExact(toDisplayJson(result.value)) ?? '';
    case 'json':
      return stringifyExact(toDisplayJson(result.value)) ?? '';
    case 'text':
      return result.text;
    default:
      return undefined;
  }
}

/**
 * A one-line preview, at most 200 characters, bounded in work: JSON and text are read from the
 * bytes (JSON with insignificant white space removed, so a long value keeps every digit), a
 * schema value through a small display model, binary as hex.
 */
export function previewOf(result: DecodeResult): string {
  if (result.ok) {
    switch (result.format) {
      case 'null':
        return '';
      case 'json':
        return compactJsonPreview(result.raw);
      case 'text':
        return oneLine(result.raw.toString('utf8', 0, Math.min(result.raw.length, PREVIEW_CHARS * 4)));
      case 'binary':
        return hexPreview(result.raw);
      default:
        return cut(stringifyExact(buildDisplay(result.value, PREVIEW_LIMITS).json) ?? '');
    }
  }
  const fallback = result.fallback;
  return fallback.format === 'text'
    ? oneLine(fallback.raw.toString('utf8', 0, Math.min(fallback.raw.length, PREVIEW_CHARS * 4)))
    : hexPreview(result.raw);
}

function cut(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

/** Control characters (line breaks included) become spaces: a row is one line. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return cut(text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' '));
}

function hexPreview(raw: Buffer): string {
  const shown = raw.subarray(0, (PREVIEW_CHARS - 2) >> 1);
  return `0x${shown.toString('hex')}${shown.length < raw.length ? '…' : ''}`;
}

/** JSON text without white space outside strings, from the bytes, stopping at 200 characters. */
export function compactJsonPreview(raw: Buffer): string {
  const end = Math.min(raw.length, PREVIEW_SCAN_BYTES);
  const kept: number[] = [];
  let inString = false;
  let escaped = false;
  let i = 0;
  for (; i < end && kept.length < PREVIEW_CHARS * 4; i++) {
    const b = raw[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (b === 0x5c) escaped = true;
      else if (b === 0x22) inString = false;
      kept.push(b);
    } else if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
      continue;
    } else {
      if (b === 0x22) inString = true;
      kept.push(b);
    }
  }
  const text = Buffer.from(kept).toString('utf8');
  const shown = oneLine(text);
  return i < raw.length && shown.length < PREVIEW_CHARS ? `${shown}…` : shown;
}

/** The decoded value as the activation of an expression sees it: JSON-safe, exact, readable. */
export function activationValue(result: DecodeResult): unknown {
  if (!result.ok) return null;
  switch (result.format) {
    case 'null':
    case 'binary':
      return null;
    case 'text':
      return result.text;
    default:
      return toDisplayJson(result.value);
  }
}

/** A payload for the detail view: the display model, schema identity, error, and bounded raw bytes. */
export function payloadDetail(result: DecodeResult, raw: Buffer | null): PayloadDetail {
  const bytes = raw ?? Buffer.alloc(0);
  const hexBytes = bytes.subarray(0, DETAIL_HEX_BYTES);
  const textBytes = bytes.subarray(0, DETAIL_TEXT_BYTES);
  const base = {
    format: formatOf(result),
    hex: hexBytes.toString('hex'),
    text: textBytes.toString('utf8'),
    size: bytes.length,
    truncated: hexBytes.length < bytes.length || textBytes.length < bytes.length,
  };
  if (!result.ok) {
    return {
      ...base,
      error: result.error.message,
      ...(result.schemaId !== undefined ? { schema: { id: result.schemaId } } : {}),
    };
  }
  switch (result.format) {
    case 'null':
    case 'binary':
      return base;
    case 'text':
      return { ...base, decoded: buildDisplay(result.text, DISPLAY_LIMITS) };
    case 'json':
      return { ...base, decoded: buildDisplay(result.value, DISPLAY_LIMITS) };
    default:
      return {
        ...base,
        decoded: buildDisplay(result.value, DISPLAY_LIMITS),
        schema: {
          id: result.schema.id,
          ...(result.schema.subject !== undefined ? { subject: result.schema.subject } : {}),
          ...(result.schema.version !== undefined ? { version: result.schema.version } : {}),
        },
      };
  }
}
