/**
 * A consumed message as the session panel shows it: plain JSON data only (it crosses the webview
 * boundary), with every payload already decoded or explained. Built on the host with
 * `toMessageView` (toMessageView.ts); read by the webview and by the run-until matcher. Types only,
 * no Node or DOM: the webview bundle imports this file. Every string in it may be hostile (it comes
 * from the topic) and must be rendered as text.
 */
export interface MessageView {
  /** The engine's message id (unique within the session); decisions name it. */
  readonly id: string;
  readonly memberId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch, or null when the record carries none. */
  readonly timestamp: number | null;
  readonly timestampType: TimestampType;
  readonly key: PayloadView;
  readonly value: PayloadView;
  readonly headers: readonly HeaderView[];
  /** Bytes of key + value as received. */
  readonly size: number;
  /** Handler attempts already made on this message. */
  readonly attempts: number;
  /** The schema the value (or, failing that, the key) was decoded with. */
  readonly schema?: SchemaView;
}

export type TimestampType = 'CreateTime' | 'LogAppendTime' | 'NotAvailable';

export interface SchemaView {
  readonly id: number;
  readonly format: SchemaFormat;
  readonly subject?: string;
  readonly version?: number;
}

export interface HeaderView {
  readonly key: string;
  /** The value as UTF-8 text (invalid sequences replaced). */
  readonly text: string;
  /** The value's bytes in hex (the first 256 of them). */
  readonly hex: string;
  readonly size: number;
}

/** Where a decoded value does not match its schema (JSON Schema); the value is still shown. */
export interface ViolationView {
  readonly path: string;
  readonly expected: string;
  readonly actual: string;
}

/** The same names as the codec's SchemaFormat. */
export type SchemaFormat = 'avro' | 'protobuf' | 'jsonSchema';
export type StructuredFormat = SchemaFormat | 'json';

export type PayloadView =
  | { readonly kind: 'null' }
  | {
      readonly kind: 'text';
      readonly text: string;
      /** Set when `text` was cut: the full length in characters. */
      readonly truncatedFrom?: number;
    }
  | {
      readonly kind: 'json';
      /** JSON-safe (bytes as base64, 64-bit integers as strings). */
      readonly json: unknown;
      readonly format: StructuredFormat;
      readonly schema?: SchemaView;
      /** Protobuf: the full name of the message type. */
      readonly messageType?: string;
      readonly violations?: readonly ViolationView[];
    }
  | {
      readonly kind: 'binary';
      /** Hex of the first bytes; `size` is the full size. */
      readonly hex: string;
      /** The same bytes as UTF-8 text, invalid sequences replaced. */
      readonly text: string;
      readonly size: number;
      readonly truncated: boolean;
    }
  | {
      readonly kind: 'error';
      /** What went wrong and what to do, from the codec. */
      readonly message: string;
      /** The codec's typed reason, e.g. `unknownSchemaId`. */
      readonly reason: string;
      readonly hex: string;
      readonly text: string;
      readonly size: number;
      readonly truncated: boolean;
      /** The schema id in the record header, when there was one. */
      readonly schemaId?: number;
    };

export type PayloadKind = PayloadView['kind'];
