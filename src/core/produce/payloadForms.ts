/**
 * How a key or value is given in the producer form and import files: pure types and constants,
 * shared with the webview (no Node, no vscode).
 */
// The webview imports this file, so it imports nothing: the three unions below repeat the codec's
// (SchemaFormat, SubjectNameStrategy, FieldError), and payloadInput.ts checks at compile time that
// they stay the same.

export type SchemaFormat = 'avro' | 'protobuf' | 'jsonSchema';
export type SubjectNameStrategy = 'TopicName' | 'RecordName' | 'TopicRecordName';
export interface FieldError {
  readonly path: string;
  readonly expected: string;
  readonly actual: string;
}

/** How a key or value is given: as typed text in one of these forms, or null. */
export type PayloadForm = 'json' | 'text' | 'hex' | 'base64' | 'schema' | 'null';
export const PAYLOAD_FORMS: readonly PayloadForm[] = ['json', 'text', 'hex', 'base64', 'schema', 'null'];
export const SCHEMA_FORMATS: readonly SchemaFormat[] = ['avro', 'protobuf', 'jsonSchema'];
export const SUBJECT_STRATEGIES: readonly SubjectNameStrategy[] = ['TopicName', 'RecordName', 'TopicRecordName'];

/** Which registered schema encodes a payload. */
export interface SchemaChoice {
  readonly format: SchemaFormat;
  readonly strategy: SubjectNameStrategy;
  /** For RecordName / TopicRecordName: the record's or message's full name, or the JSON Schema's title. */
  readonly recordName?: string;
  /** A subject given outright (overrides the strategy). */
  readonly subject?: string;
  readonly version: number | 'latest';
  /** Protobuf: the message type (the first in the schema when absent). */
  readonly messageType?: string;
}

export interface PayloadInput {
  readonly form: PayloadForm;
  /** The text as typed (ignored for null). */
  readonly text: string;
  /** For the schema form. */
  readonly schema?: SchemaChoice;
}

export type ProduceField = 'topic' | 'partition' | 'key' | 'value' | 'headers' | 'timestamp';

/** One thing wrong with the request, at the field it belongs to. */
export interface FieldProblem {
  readonly field: ProduceField;
  readonly message: string;
  /** Typed: a ProduceError's, an EncodeError's or a RegistryError's reason. */
  readonly reason: string;
  /** Where the value does not match its schema. */
  readonly fieldErrors?: readonly FieldError[];
}
