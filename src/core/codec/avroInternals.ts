import type * as avro from 'avsc';

// The avsc internals the codec relies on: avsc 5.7 exposes its type tree and reader through these
// properties (the version is pinned in package.json).

export interface AvroTap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
}

export interface AvroField {
  readonly name: string;
  readonly type: avro.Type;
  defaultValue(): unknown;
}

export interface AvroTypeInternals {
  readonly typeName: string;
  readonly name?: string;
  readonly branchName?: string;
  readonly fields?: readonly AvroField[];
  readonly itemsType?: avro.Type;
  readonly valuesType?: avro.Type;
  readonly types?: readonly avro.Type[];
  readonly symbols?: readonly string[];
  readonly size?: number;
  readonly underlyingType?: avro.Type;
  _read(tap: AvroTap): unknown;
}

export function internals(type: avro.Type): AvroTypeInternals {
  return type as unknown as AvroTypeInternals;
}
