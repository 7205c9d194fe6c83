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
  /**
   * Produces an output record if this call succeeds: at-least-once, acknowledged before the input
   * commits; exactly-once, in the input's transaction. A Buffer or text is sent as it is, another
   * value as JSON.
   */
  send(record: OutputRecord): void;
}

/** A record a handler produces (`context.send`, or returned in an array). */
export interface OutputRecord {
  readonly topic: string;
  readonly partition?: number;
  /** Text or bytes as they are; with `keySchema`, any value the schema takes. */
  readonly key?: unknown;
  /** Text or bytes as they are, another value as JSON; with `valueSchema`, encoded through the registry. */
  readonly value?: unknown;
  readonly headers?: Readonly<Record<string, Buffer | Uint8Array | string>>;
  /** Encode the key through the Schema Registry with this schema. */
  readonly keySchema?: OutputSchema;
  /**
   * Encode the value through the Schema Registry with this schema, in the extension host, before the
   * record is sent or joins the transaction. Longs as numbers, BigInts or decimal strings; decimals
   * as decimal strings; dates, times and timestamps as ISO 8601 (or their numbers). A value that
   * does not fit fails this message (retry / dead-letter policy), naming the field.
   */
  readonly valueSchema?: OutputSchema;
}

/** Which registered schema encodes an output's key or value (the producer's choices). */
export interface OutputSchema {
  readonly format: 'avro' | 'protobuf' | 'jsonSchema';
  /** How the subject is named: TopicName (`<topic>-value`, the default), RecordName or TopicRecordName. */
  readonly strategy?: 'TopicName' | 'RecordName' | 'TopicRecordName';
  /** For RecordName / TopicRecordName: the record's or message's full name, or the JSON Schema's title. */
  readonly recordName?: string;
  /** A subject given outright (overrides the strategy). */
  readonly subject?: string;
  /** A version of the subject, or 'latest' (the default). */
  readonly version?: number | 'latest';
  /** Protobuf: the message type (the first in the schema when absent). */
  readonly messageType?: string;
}

/** Return nothing when done, output records, or one of these to decide the message's fate yourself. */
export type HandlerResult =
  | void
  | undefined
  | readonly OutputRecord[]
  | { readonly decision: 'skip' | 'retry' | 'deadLetter'; readonly reason?: string };

export function toHandlerMessage(frame: MessageFrame): HandlerMessage {
  return new FramedMessage(frame);
}

/**
 * A message over its frame: the decoded values at once; the bytes, the header texts and the format
 * details only when the handler reads them (most handlers read only the value).
 */
class FramedMessage implements HandlerMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | undefined;
  readonly key: unknown;
  readonly value: unknown;
  #headers: Record<string, string> | undefined;
  #raw: HandlerMessage['raw'] | undefined;

  constructor(private readonly frame: MessageFrame) {
    this.topic = frame.topic;
    this.partition = frame.partition;
    this.offset = frame.offset;
    this.timestamp = frame.timestamp;
    this.key = frame.key.decoded;
    this.value = frame.value.decoded;
  }

  get headers(): Readonly<Record<string, string>> {
    if (!this.#headers) {
      const headers: Record<string, string> = {};
      for (const h of this.raw.headers) headers[h.key] = h.value.toString('utf8');
      this.#headers = headers;
    }
    return this.#headers;
  }

  get raw(): HandlerMessage['raw'] {
    this.#raw ??= {
      key: bytes(this.frame.key),
      value: bytes(this.frame.value),
      headers: this.frame.headers.map((h) => ({ key: h.key, value: Buffer.from(h.value, 'base64') })),
    };
    return this.#raw;
  }

  get format(): HandlerMessage['format'] {
    return { key: info(this.frame.key), value: info(this.frame.value) };
  }

  /** What console.log and the debugger's hover show: the fields, not the frame. */
  toJSON(): object {
    return {
      topic: this.topic,
      partition: this.partition,
      offset: this.offset,
      timestamp: this.timestamp,
      key: this.key,
      value: this.value,
      headers: this.headers,
      format: this.format,
    };
  }
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
