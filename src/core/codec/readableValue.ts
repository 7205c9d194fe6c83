/**
 * A decoded value that has a readable form besides its base value: an Avro logical type (a decimal
 * from its two's-complement bytes, a date from its day count), or a Protobuf well-known type (a
 * Timestamp from seconds and nanos). The decoded tree holds these as they are; the display model
 * shows the readable form and keeps the base value one click away. The readable form is computed
 * when it is asked for, so decoding pays only for this small object.
 */
export class ReadableValue {
  constructor(
    /** What kind of value this is; one object per schema type, shared by all its values (two fields per value). */
    readonly kind: ReadableKind,
    /** The value as the wire carries it (a Buffer, number, BigInt, string or plain object). */
    readonly base: unknown,
  ) {}

  /** The logical or well-known type, e.g. `decimal`, `timestamp-micros`, `google.protobuf.Timestamp`. */
  get logicalType(): string {
    return this.kind.name;
  }

  /** The readable form, or why there is none (then the base value is what is shown). */
  get readable(): Readable {
    return this.kind.format(this.base);
  }

  /** JSON.stringify and exports see the readable form (the base when there is none). */
  toJSON(): unknown {
    const readable = this.readable;
    return readable.ok ? readable.value : this.base;
  }
}

export interface ReadableKind {
  readonly name: string;
  readonly format: (base: unknown) => Readable;
}

export type Readable = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly note: string };

export const readable = (value: unknown): Readable => ({ ok: true, value });
export const noReadable = (note: string): Readable => ({ ok: false, note });
