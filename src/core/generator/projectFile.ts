/** One file of a generated project: a path relative to the project folder, and its text. */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/** The version of the native client the extension itself runs on: the generated TypeScript project pins the same. */
export const KAFKA_JAVASCRIPT_VERSION = '1.10.1';
/** The Avro library the extension's codec pins (its decoding of logical types is the same here). */
export const AVSC_VERSION = '5.7.9';
/** Confluent's Python client, the reference guide's library (the version the interop peer proves). */
export const CONFLUENT_KAFKA_PYTHON_VERSION = '2.16.1';
/** The Protobuf library the extension's codec pins (the generated TypeScript consumer decodes with the same). */
export const PROTOBUFJS_VERSION = '7.6.6';
