/**
 * The handler protocol, version 1: what the engine and a handler process say to each other.
 * Language-neutral (a Node and a Python runtime speak it): every frame is a 4-byte big-endian
 * length followed by that many bytes of UTF-8 JSON, an object with a `type`. docs/handler-protocol.md
 * is the reference; this file is its single source in code, shared by the engine side and the Node
 * runtime, so it imports nothing but types.
 */
export const HANDLER_PROTOCOL_VERSION = 1;

/** No frame is larger: a payload past it is refused by the engine before it is sent. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Environment variables a handler process reads at start. */
export const HANDLER_ENV = {
  endpoint: 'KAFKA_LAB_HANDLER_ENDPOINT',
  token: 'KAFKA_LAB_HANDLER_TOKEN',
} as const;

export interface ErrorInfo {
  /** The error's class name (`TypeError`, `OrderRejected`, `ValueError`). */
  readonly type: string;
  readonly message: string;
  readonly stack?: string;
  /** The handler's own verdict, when it marked the error (`retriable: true|false`). */
  readonly retriable?: boolean;
}

/** A key or value: decoded JSON-safe value, the raw bytes, and what the codec made of them. */
export interface PayloadFrame {
  /** base64 of the bytes as they came, or null for a null key/value (tombstone). */
  readonly raw: string | null;
  /** The decoded value, JSON-safe: longs beyond 2^53 as decimal strings, logical types readable. */
  readonly decoded: unknown;
  readonly format: string;
  readonly schemaId?: number;
  readonly subject?: string;
  /** Set when decoding failed: `decoded` is then null and `raw` holds the bytes. */
  readonly decodeError?: string;
  /**
   * Which values in `decoded` are not what their JSON type says (absent when none are): a string
   * that is an exact number (`number`: a long past 2^53, NaN, ±Infinity) or the readable form of a
   * logical or well-known type (`decimal`, `date`, `timestamp-micros`, `google.protobuf.Timestamp`, …).
   * A runtime that has such types (Python's int, Decimal, datetime) converts them; the Node runtime
   * leaves the JSON as it is. Optional: a runtime that ignores it still reads a valid message.
   */
  readonly types?: readonly PayloadTypeNote[];
}

/** A typed value inside a decoded payload: `at` is the path of keys and indexes from the root (`[]` is the root). */
export interface PayloadTypeNote {
  readonly at: readonly (string | number)[];
  readonly type: string;
}

export interface HeaderFrame {
  readonly key: string;
  /** base64 of the header's bytes. */
  readonly value: string;
}

export interface MessageFrame {
  /** Unique per delivery attempt in this connection; results and cancels name it. */
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp?: number;
  readonly key: PayloadFrame;
  readonly value: PayloadFrame;
  readonly headers: readonly HeaderFrame[];
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** A replay: the outcome is shown, never committed. */
  readonly replay?: boolean;
}

export type HandlerDecisionKind = 'skip' | 'retry' | 'deadLetter';

/**
 * A record the handler produced (context.send, or returned): bytes as base64, null for none. The
 * engine produces it only if the call's outcome is `ok`: at-least-once before the input commits,
 * exactly-once in the input's transaction.
 */
export interface OutputFrame {
  readonly topic: string;
  readonly partition?: number;
  /** With `keySchema`: the base64 of the key's JSON text (exact: integers of any size), for the registry to encode. */
  readonly key: string | null;
  /** With `valueSchema`: the base64 of the value's JSON text, for the registry to encode. */
  readonly value: string | null;
  readonly headers?: readonly HeaderFrame[];
  /** Encode the key through the Schema Registry (the engine checks every field). */
  readonly keySchema?: OutputSchemaFrame;
  /** Encode the value through the Schema Registry. */
  readonly valueSchema?: OutputSchemaFrame;
}

/**
 * Which registered schema encodes an output's key or value, as in the producer: `format` (`avro`,
 * `protobuf`, `jsonSchema`), then `subject`, or `strategy` (`TopicName` by default, `RecordName`,
 * `TopicRecordName`) with `recordName`; `version` (a number or `latest`, the default); Protobuf's
 * `messageType`.
 */
export interface OutputSchemaFrame {
  readonly format: string;
  readonly strategy?: string;
  readonly recordName?: string;
  readonly subject?: string;
  readonly version?: number | 'latest';
  readonly messageType?: string;
}

export type ResultFrame =
  | { readonly id: string; readonly outcome: 'ok'; readonly outputs?: readonly OutputFrame[] }
  | { readonly id: string; readonly outcome: 'error'; readonly error: ErrorInfo }
  | {
      readonly id: string;
      readonly outcome: 'decision';
      readonly decision: HandlerDecisionKind;
      readonly reason?: string;
    };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Engine → handler process. */
export type EngineFrame =
  | { readonly type: 'welcome'; readonly protocol: number; readonly module: string; readonly export: string }
  | { readonly type: 'handle'; readonly messages: readonly MessageFrame[] }
  | { readonly type: 'cancel'; readonly ids: readonly string[] }
  | { readonly type: 'reload' }
  | { readonly type: 'shutdown' };

/** Handler process → engine. */
export type RuntimeFrame =
  | {
      readonly type: 'hello';
      readonly protocol: number;
      readonly token: string;
      readonly runtime: string;
      readonly pid: number;
    }
  | { readonly type: 'ready'; readonly module: string; readonly export: string }
  | { readonly type: 'loadFailed'; readonly error: ErrorInfo }
  /** `ok`: the ids of the calls that returned without outputs (the usual case, kept compact); `results`: the others. */
  | { readonly type: 'results'; readonly ok?: readonly string[]; readonly results: readonly ResultFrame[] }
  | { readonly type: 'log'; readonly level: LogLevel; readonly message: string; readonly id?: string };

export function encodeFrame(frame: EngineFrame | RuntimeFrame): Buffer {
  if (frame.type === 'handle') return encodeHandle(frame.messages);
  const json = JSON.stringify(frame);
  const length = Buffer.byteLength(json, 'utf8');
  checkLength(frame.type, length);
  // The JSON is written once, straight after the length (no intermediate buffer to copy).
  const out = Buffer.allocUnsafe(4 + length);
  out.writeUInt32BE(length, 0);
  out.write(json, 4, 'utf8');
  return out;
}

function checkLength(type: string, length: number): void {
  if (length > MAX_FRAME_BYTES)
    throw new RangeError(`a ${type} frame of ${length} bytes is over the protocol's ${MAX_FRAME_BYTES}-byte limit`);
}

/**
 * A `handle` frame, written by hand: the same JSON text JSON.stringify would give (a test holds them
 * equal), each message's JSON written straight into the frame's buffer. It is the engine's hottest
 * path in running mode: one big string built and then measured and copied costs more than the
 * rest of a call. Field names are constants, and base64 (raw bytes, header values, as the frame
 * type says) needs no escaping.
 */
function encodeHandle(messages: readonly MessageFrame[]): Buffer {
  let out = Buffer.allocUnsafe(Math.min(MAX_FRAME_BYTES, 64 + messages.length * 512));
  let at = 4;
  const put = (text: string): void => {
    // UTF-8 takes at most three bytes per UTF-16 unit.
    if (at + text.length * 3 > out.length) {
      const needed = at + Buffer.byteLength(text, 'utf8');
      if (needed - 4 > MAX_FRAME_BYTES) checkLength('handle', needed - 4);
      if (needed > out.length) {
        const grown = Buffer.allocUnsafe(Math.max(needed, out.length * 2));
        out.copy(grown, 0, 0, at);
        out = grown;
      }
    }
    at += out.write(text, at, 'utf8');
  };
  put('{"type":"handle","messages":[');
  for (let i = 0; i < messages.length; i++) put(i > 0 ? `,${messageJson(messages[i])}` : messageJson(messages[i]));
  put(']}');
  out.writeUInt32BE(at - 4, 0);
  return out.subarray(0, at);
}

function messageJson(m: MessageFrame): string {
  let out = `{"id":${JSON.stringify(m.id)},"topic":${quoted(m.topic)},"partition":${num(m.partition)},"offset":${num(m.offset)}`;
  if (m.timestamp !== undefined) out += `,"timestamp":${num(m.timestamp)}`;
  out += `,"key":${payloadJson(m.key)},"value":${payloadJson(m.value)},"headers":[`;
  for (let h = 0; h < m.headers.length; h++)
    out += `${h > 0 ? ',' : ''}{"key":${JSON.stringify(m.headers[h].key)},"value":"${m.headers[h].value}"}`;
  out += `],"attempt":${num(m.attempt)}`;
  if (m.replay !== undefined) out += `,"replay":${m.replay === true}`;
  return `${out}}`;
}

function payloadJson(p: PayloadFrame): string {
  const decoded = p.decoded === null ? 'null' : JSON.stringify(p.decoded);
  let out = `{"raw":${p.raw === null ? 'null' : `"${p.raw}"`}${decoded === undefined ? '' : `,"decoded":${decoded}`},"format":${quoted(p.format)}`;
  if (p.schemaId !== undefined) out += `,"schemaId":${num(p.schemaId)}`;
  if (p.subject !== undefined) out += `,"subject":${JSON.stringify(p.subject)}`;
  if (p.decodeError !== undefined) out += `,"decodeError":${JSON.stringify(p.decodeError)}`;
  if (p.types !== undefined) out += `,"types":${JSON.stringify(p.types)}`;
  return `${out}}`;
}

/** A number as JSON.stringify writes it (null for NaN and the infinities). */
const num = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/** Topic names and formats repeat on every message: each is quoted once. */
const quotedCache = new Map<string, string>();
function quoted(s: string): string {
  let q = quotedCache.get(s);
  if (q === undefined) {
    if (quotedCache.size >= 4096) quotedCache.clear();
    q = JSON.stringify(s);
    quotedCache.set(s, q);
  }
  return q;
}

/** Why a byte stream is not the protocol. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/**
 * Splits a byte stream into frames. Bounded: a declared length over the limit, bytes that are not
 * JSON, or JSON that is not an object with a string `type` end the stream with a FrameError.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed = false;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Feeds bytes; returns the complete frames they finish. Throws FrameError on a malformed frame. */
  push(chunk: Buffer): Array<{ type: string } & Record<string, unknown>> {
    if (this.failed) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Array<{ type: string } & Record<string, unknown>> = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length > this.maxFrameBytes) {
        this.failed = true;
        throw new FrameError(
          `a frame declares ${length} bytes, over the ${this.maxFrameBytes}-byte limit: the peer does not speak the handler protocol`,
        );
      }
      if (this.buffered < 4 + length) break;
      const body = this.take(4 + length).subarray(4);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (error) {
        this.failed = true;
        throw new FrameError(
          `a frame is not JSON (${(error as Error).message}): ${JSON.stringify(body.subarray(0, 80).toString('utf8'))}`,
        );
      }
      if (
        !parsed ||
        typeof parsed !== 'object' ||
        Array.isArray(parsed) ||
        typeof (parsed as { type?: unknown }).type !== 'string'
      ) {
        this.failed = true;
        throw new FrameError('a frame is not an object with a string "type"');
      }
      frames.push(parsed as { type: string } & Record<string, unknown>);
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  private take(n: number): Buffer {
    // Frames come many to a chunk: cut them off the first chunk without copying the rest.
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0];
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}
