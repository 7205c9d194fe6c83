/**
 * What a Node handler receives and may return. The same shapes are published for developers in
 * media/handler/kafka-lab-handler.d.ts (kept in step by test/unit/handlerRuntime/handlerApi.test.ts).
 */
import type { MessageFrame, PayloadFrame } from '../../core/handler/protocol';

export interface HandlerMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch (CreateTime or LogAppendTime, as the topic says). */
  readonly timestamp: number | undefined;
  /** The decoded key: JSON for JSON and schema formats (longs past 2^53 as exact decimal strings), text, or null. */
  readonly key: unknown;
  /** The decoded value, like the key. */
  readonly value: unknown;
  /** Header values as text (UTF-8); the bytes are in raw.headers. The last value wins for a repeated name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly raw: {
    readonly key: Buffer | null;
    readonly value: Buffer | null;
    readonly headers: ReadonlyArray<{ readonly key: string; readonly value: Buffer }>;
  };
  /** How the key and value were decoded: format, schema id and subject, or why decoding failed. */
  readonly format: {
    readonly key: PayloadInfo;
    readonly value: PayloadInfo;
  };
}

export interface PayloadInfo {
  readonly format: string;
  readonly schemaId?: number;
  readonly subject?: string;
  readonly decodeError?: string;
}

export interface HandlerContext {
  /** 1 on the first attempt, 2 on the first retry, … */
  readonly attempt: number;
  /** A replay from the panel: whatever the handler does, nothing is committed. */
  readonly replay: boolean;
  /** Aborted when the partition is revoked or the session stops: give up the work. */
  readonly signal: AbortSignal;
  /** Writes to the Kafka Consumer Lab output, tagged with this message. */
  log(...args: unknown[]): void;
}

/** Return nothing when done, or one of these to decide the message's fate yourself. */
export type HandlerResult = void | undefined | { readonly decision: 'skip' | 'retry' | 'deadLetter'; readonly reason?: string };

export function toHandlerMessage(frame: MessageFrame): HandlerMessage {
  const rawHeaders = frame.headers.map((h) => ({ key: h.key, value: Buffer.from(h.value, 'base64') }));
  const headers: Record<string, string> = {};
  for (const h of rawHeaders) headers[h.key] = h.value.toString('utf8');
  return {
    topic: frame.topic,
    partition: frame.partition,
    offset: frame.offset,
    timestamp: frame.timestamp,
    key: frame.key.decoded,
    value: frame.value.decoded,
    headers,
    raw: { key: bytes(frame.key), value: bytes(frame.value), headers: rawHeaders },
    format: { key: info(frame.key), value: info(frame.value) },
  };
}

function bytes(payload: PayloadFrame): Buffer | null {
  return payload.raw === null ? null : Buffer.from(payload.raw, 'base64');
}

function info(payload: PayloadFrame): PayloadInfo {
  return {
    format: payload.format,
    ...(payload.schemaId !== undefined ? { schemaId: payload.schemaId } : {}),
    ...(payload.subject !== undefined ? { subject: payload.subject } : {}),
    ...(payload.decodeError !== undefined ? { decodeError: payload.decodeError } : {}),
  };
}
