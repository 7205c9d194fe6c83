import type { DecodeResult, SchemaIdentity } from '../codec/decodeResult';
import { buildDisplay, type DisplayModel } from '../codec/displayModel';
import type { Headers } from '../dlq/envelope';
import type { ConsumedMessage } from '../engine/types';
import type { HeaderView, MessageView, PayloadView, SchemaView, TimestampType } from './messageView';

// Builds the session panel's MessageView from what the engine and the codec produce (host side only).

/** Text longer than this is cut before it crosses to the webview (the size is still shown). */
export const MAX_TEXT_CHARS = 256 * 1024;
/** Header values are shown in hex up to this many bytes. */
export const HEADER_HEX_BYTES = 256;

const lenientUtf8 = new TextDecoder('utf-8', { fatal: false });

export function toPayloadView(result: DecodeResult): PayloadView {
  if (!result.ok) {
    const fallbackBytes = result.fallback.format === 'binary' ? result.fallback.preview.shownBytes : result.raw.length;
    const shown = result.raw.subarray(0, fallbackBytes);
    const text = cut(result.fallback.format === 'text' ? result.fallback.text : lenientUtf8.decode(shown));
    return {
      kind: 'error',
      message: result.error.message,
      reason: result.error.reason,
      hex: result.fallback.format === 'binary' ? result.fallback.preview.hex : shown.subarray(0, 1024).toString('hex'),
      text: text.text,
      size: result.raw.length,
      truncated:
        result.fallback.format === 'binary'
          ? result.fallback.preview.truncated
          : result.raw.length > 1024 || text.truncatedFrom !== undefined,
      ...(result.schemaId !== undefined ? { schemaId: result.schemaId } : {}),
    };
  }
  switch (result.format) {
    case 'null':
      return { kind: 'null' };
    case 'text':
      return { kind: 'text', ...cut(result.text) };
    case 'binary': {
      const shown = result.raw.subarray(0, result.preview.shownBytes);
      return {
        kind: 'binary',
        hex: result.preview.hex,
        text: lenientUtf8.decode(shown),
        size: result.preview.size,
        truncated: result.preview.truncated,
      };
    }
    case 'json':
      return {
        kind: 'json',
        ...structured(buildDisplay(result.value)),
        rawText: cut(result.raw.toString('utf8')),
        format: 'json',
      };
    default:
      return {
        kind: 'json',
        ...structured(buildDisplay(result.value)),
        // A JSON Schema body follows the 5-byte header when it has one (JSON text never starts with a zero byte).
        ...(result.format === 'jsonSchema'
          ? { rawText: cut(result.raw.toString('utf8', result.raw[0] === 0 ? 5 : 0)) }
          : {}),
        format: result.format,
        schema: schemaView(result.schema),
        ...(result.messageType !== undefined ? { messageType: result.messageType } : {}),
        ...(result.violations?.length
          ? { violations: result.violations.map(({ path, expected, actual }) => ({ path, expected, actual })) }
          : {}),
      };
  }
}

export function toHeaderViews(headers: Headers | undefined): HeaderView[] {
  const views: HeaderView[] = [];
  for (const record of headers ?? []) {
    for (const key of Object.keys(record)) {
      const value = record[key];
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
      views.push({
        key,
        text: cut(lenientUtf8.decode(bytes)).text,
        hex: bytes.subarray(0, HEADER_HEX_BYTES).toString('hex'),
        size: bytes.length,
      });
    }
  }
  return views;
}

export interface DecodedPair {
  readonly key: DecodeResult;
  readonly value: DecodeResult;
}

/** Builds the panel's view of a consumed message from the engine's message and its decoded key and value. */
export function toMessageView(
  message: ConsumedMessage,
  decoded: DecodedPair,
  options: { timestampType?: TimestampType } = {},
): MessageView {
  const key = toPayloadView(decoded.key);
  const value = toPayloadView(decoded.value);
  const schema = (value.kind === 'json' && value.schema) || (key.kind === 'json' && key.schema) || undefined;
  const timestamp = message.timestamp === undefined || message.timestamp < 0 ? null : message.timestamp;
  return {
    id: message.id,
    memberId: message.memberId,
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp,
    timestampType: timestamp === null ? 'NotAvailable' : (options.timestampType ?? 'CreateTime'),
    key,
    value,
    headers: toHeaderViews(message.headers),
    size: message.size,
    attempts: message.attempts,
    ...(schema ? { schema } : {}),
  };
}

function structured(model: DisplayModel): { json: unknown; notes?: DisplayModel['notes']; cut?: DisplayModel['cut'] } {
  return {
    json: model.json,
    ...(model.notes.length ? { notes: model.notes } : {}),
    ...(model.cut ? { cut: model.cut } : {}),
  };
}

function schemaView(schema: SchemaIdentity): SchemaView {
  return {
    id: schema.id,
    format: schema.format,
    ...(schema.subject !== undefined ? { subject: schema.subject } : {}),
    ...(schema.version !== undefined ? { version: schema.version } : {}),
  };
}

function cut(text: string): { text: string; truncatedFrom?: number } {
  return text.length > MAX_TEXT_CHARS ? { text: text.slice(0, MAX_TEXT_CHARS), truncatedFrom: text.length } : { text };
}
