import type { DecodeResult } from '../codec/decodeResult';
import { buildDisplay, EXPORT_LIMITS } from '../codec/displayModel';
import type { ConsumedMessage } from '../engine/types';
import type { HeaderFrame, MessageFrame, PayloadFrame, PayloadTypeNote } from './protocol';

/** A decoded key or value as the protocol carries it: the JSON-safe value and the bytes as they came. */
export function toPayloadFrame(result: DecodeResult): PayloadFrame {
  if (!result.ok) {
    return {
      raw: result.raw.toString('base64'),
      decoded: null,
      format: result.attempted,
      ...(result.schemaId !== undefined ? { schemaId: result.schemaId } : {}),
      decodeError: result.error.message,
    };
  }
  if (result.format === 'null') return { raw: null, decoded: null, format: 'null' };
  const raw = result.raw.toString('base64');
  switch (result.format) {
    case 'text':
      return { raw, decoded: result.text, format: 'text' };
    case 'binary':
      return { raw, decoded: null, format: 'binary' };
    case 'json': {
      const { decoded, types } = typedJson(result.value);
      return { raw, decoded, format: 'json', ...(types ? { types } : {}) };
    }
    default: {
      const { decoded, types } = typedJson(result.value);
      return {
        raw,
        decoded,
        format: result.format,
        schemaId: result.schema.id,
        ...(result.schema.subject ? { subject: result.schema.subject } : {}),
        ...(types ? { types } : {}),
      };
    }
  }
}

/** The JSON-safe value and, when it has any, the notes that say which strings are exact numbers or logical types. */
function typedJson(value: unknown): { decoded: unknown; types?: PayloadTypeNote[] } {
  const model = buildDisplay(value, EXPORT_LIMITS);
  let types: PayloadTypeNote[] | undefined;
  for (const note of model.notes) {
    // A logical type without a readable form (a note says why) is carried as its base value: untyped.
    const type =
      note.kind === 'number' ? 'number' : note.kind === 'logical' && !note.note ? note.logicalType : undefined;
    if (type) (types ??= []).push({ at: note.at, type });
  }
  return types ? { decoded: model.json, types } : { decoded: model.json };
}

export function toHeaderFrames(message: ConsumedMessage): HeaderFrame[] {
  const out: HeaderFrame[] = [];
  for (const header of message.headers ?? []) {
    for (const [key, value] of Object.entries(header))
      out.push({ key, value: (typeof value === 'string' ? Buffer.from(value, 'utf8') : value).toString('base64') });
  }
  return out;
}

export function toMessageFrame(
  message: ConsumedMessage,
  key: DecodeResult,
  value: DecodeResult,
  attempt: number,
  replay = false,
): MessageFrame {
  return {
    // First, so that the channel setting it keeps the object's shape.
    id: '',
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    ...(message.timestamp !== undefined ? { timestamp: message.timestamp } : {}),
    key: toPayloadFrame(key),
    value: toPayloadFrame(value),
    headers: toHeaderFrames(message),
    attempt,
    ...(replay ? { replay: true } : {}),
  };
}
