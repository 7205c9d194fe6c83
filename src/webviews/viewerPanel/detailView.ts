/**
 * The viewer's MessageDetail made into the MessageView every panel renders (shared/view/
 * messageView.ts), so the viewer's detail is the session panel's: the same tree, readable logical
 * types, decode errors and headers. Pure and vscode-free (host side), so it is unit-tested.
 */
import type { DisplayNote } from '../../core/codec/displayModel';
import type { MessageView, PayloadView, SchemaFormat, TimestampType } from '../../core/session/messageView';
import type { MessageDetail, PayloadDetail } from '../../core/viewer/types';

const SCHEMA_FORMATS: readonly string[] = ['avro', 'protobuf', 'jsonSchema'];

/** The id a detail's MessageView carries (the shared section keeps a tree's expansion per id). */
export const detailId = (seq: number): string => `viewer/${seq}`;

export function toDetailMessageView(detail: MessageDetail, timestampType: TimestampType = 'CreateTime'): MessageView {
  const key = toPayloadView(detail.key);
  const value = toPayloadView(detail.value);
  const schema = schemaOf(detail.value) ?? schemaOf(detail.key);
  return {
    id: detailId(detail.seq),
    memberId: '',
    topic: detail.topic,
    partition: detail.partition,
    offset: detail.offset,
    timestamp: detail.timestamp ?? null,
    timestampType: detail.timestamp === undefined ? 'NotAvailable' : timestampType,
    key,
    value,
    headers: detail.headers.map((h) => ({ key: h.key, text: h.text, hex: h.hex, size: h.hex.length / 2 })),
    size: detail.key.size + detail.value.size,
    attempts: 0,
    ...(schema ? { schema } : {}),
  };
}

/** The raw bytes of a payload, as the binary view shows them (hex dump and text). */
export function rawBytesView(payload: PayloadDetail): PayloadView {
  return { kind: 'binary', hex: payload.hex, text: payload.text, size: payload.size, truncated: payload.truncated };
}

export function toPayloadView(payload: PayloadDetail): PayloadView {
  if (payload.error !== undefined) {
    return {
      kind: 'error',
      message: payload.error,
      reason: 'decodeError',
      hex: payload.hex,
      text: payload.text,
      size: payload.size,
      truncated: payload.truncated,
      ...(payload.schema ? { schemaId: payload.schema.id } : {}),
    };
  }
  switch (payload.format) {
    case 'null':
      return { kind: 'null' };
    case 'text': {
      const text = decodedText(payload);
      return {
        kind: 'text',
        text: text ?? payload.text,
        // Cut (by the display limits, or to the bounded bytes): the full size says how much there is.
        ...((text === undefined ? payload.truncated : displayModelOf(payload.decoded).cut !== undefined)
          ? { truncatedFrom: payload.size }
          : {}),
      };
    }
    case 'binary':
      return rawBytesView(payload);
    default: {
      const model = displayModelOf(payload.decoded);
      const schema = schemaOf(payload);
      return {
        kind: 'json',
        json: model.json,
        notes: model.notes,
        ...(model.cut ? { cut: model.cut } : {}),
        // JSON as it came, when it came as JSON and whole; otherwise the panel writes the decoded value.
        ...(payload.format === 'json' && !payload.truncated ? { rawText: { text: payload.text } } : {}),
        format: payload.format,
        ...(schema ? { schema } : {}),
      };
    }
  }
}

/** `decoded` is the codec's display model ({json, notes, cut}); a bare value is taken as its json. */
function displayModelOf(decoded: unknown): {
  json: unknown;
  notes: readonly DisplayNote[];
  cut?: 'depth' | 'nodes' | 'string';
} {
  if (typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded)) {
    const d = decoded as { json?: unknown; notes?: unknown; cut?: unknown };
    if ('json' in d && Array.isArray(d.notes)) {
      const cut = d.cut === 'depth' || d.cut === 'nodes' || d.cut === 'string' ? d.cut : undefined;
      return { json: d.json, notes: d.notes as DisplayNote[], ...(cut ? { cut } : {}) };
    }
  }
  return { json: decoded ?? null, notes: [] };
}

function schemaOf(payload: PayloadDetail): MessageView['schema'] | undefined {
  if (!payload.schema || !SCHEMA_FORMATS.includes(payload.format)) return undefined;
  return {
    id: payload.schema.id,
    format: payload.format as SchemaFormat,
    ...(payload.schema.subject !== undefined ? { subject: payload.schema.subject } : {}),
    ...(payload.schema.version !== undefined ? { version: payload.schema.version } : {}),
  };
}

/** A message as JSON for the clipboard: where it is, its key and value as decoded (or raw text), its headers. */
export function messageJson(detail: MessageDetail): string {
  return JSON.stringify(
    {
      topic: detail.topic,
      partition: detail.partition,
      offset: detail.offset,
      timestamp: detail.timestamp === undefined ? null : new Date(detail.timestamp).toISOString(),
      key: payloadJson(detail.key),
      value: payloadJson(detail.value),
      headers: detail.headers.map((h) => ({ key: h.key, value: h.text })),
    },
    null,
    2,
  );
}

/** A payload's value as JSON text for the clipboard. */
export function payloadJsonText(payload: PayloadDetail): string {
  return JSON.stringify(payloadJson(payload), null, 2) ?? 'null';
}

function payloadJson(payload: PayloadDetail): unknown {
  if (payload.error !== undefined || payload.format === 'binary') return { hex: payload.hex };
  if (payload.format === 'null') return null;
  if (payload.format === 'text') return decodedText(payload) ?? payload.text;
  return displayModelOf(payload.decoded).json;
}

/** A text payload's decoded text (the display model's json, or a bare string), if there is one. */
function decodedText(payload: PayloadDetail): string | undefined {
  const json = displayModelOf(payload.decoded).json;
  return typeof json === 'string' ? json : undefined;
}
