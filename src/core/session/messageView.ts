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

/** Where in a payload's `json` a note applies: keys and indexes from the root (`[]` is the root). */
export type ValueSegments = readonly (string | number)[];

/** The same shapes as the codec's DisplayNote (displayModel.ts); the webview cannot import that file. */
export type ValueNoteView =
  /** A logical or well-known type: `json` holds the readable form (or the base when there is none); `base` is JSON-safe. */
  | {
      readonly at: ValueSegments;
      readonly kind: 'logical';
      readonly logicalType: string;
      readonly base: unknown;
      readonly note?: string;
    }
  /** A string in `json` that is an exact number (a 64-bit integer beyond 2^53, NaN, ±Infinity). */
  | { readonly at: ValueSegments; readonly kind: 'number' }
  /** Something here was left out (depth, node or size limits); `detail` says what. */
  | {
      readonly at: ValueSegments;
      readonly kind: 'cut';
      readonly reason: 'depth' | 'nodes' | 'string';
      readonly detail: string;
    };

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
      /**
       * JSON-safe and bounded (bytes as base64, 64-bit integers as strings, logical types in their
       * readable form; at most 64 levels, 20,000 values, 2 MiB of text).
       */
      readonly json: unknown;
      /** Readable values with their base values, exact numbers shown as strings, and what was cut. */
      readonly notes?: readonly ValueNoteView[];
      /** Set when anything was cut: the first reason. */
      readonly cut?: 'depth' | 'nodes' | 'string';
      /** JSON and JSON Schema: the JSON text as it came (the "Raw JSON" view), cut at MAX_TEXT_CHARS. */
      readonly rawText?: { readonly text: string; readonly truncatedFrom?: number };
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
