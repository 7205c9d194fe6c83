/**
 * The names of the payload formats, on their own: the webviews import them, and must not import the
 * decode results (which carry Node Buffers).
 */
export type SchemaFormat = 'avro' | 'protobuf' | 'jsonSchema';
export type PlainFormat = 'json' | 'text' | 'binary';
export type PayloadFormat = SchemaFormat | PlainFormat | 'null';
