import { EncodeError } from './codecErrors';
import type { PayloadRole } from './decodeResult';

/** Confluent's subject name strategies. */
export type SubjectNameStrategy = 'TopicName' | 'RecordName' | 'TopicRecordName';

/**
 * The subject a topic's keys or values are registered under: `<topic>-key|value` (TopicName),
 * `<record>` (RecordName) or `<topic>-<record>` (TopicRecordName), where the record name is the
 * Avro record's full name, the Protobuf message's full name or the JSON Schema's title.
 */
export function subjectName(
  strategy: SubjectNameStrategy,
  topic: string,
  role: PayloadRole,
  recordName: string | undefined,
): { ok: true; subject: string } | { ok: false; error: EncodeError } {
  if (strategy === 'TopicName') return { ok: true, subject: `${topic}-${role}` };
  if (!recordName) {
    return {
      ok: false,
      error: new EncodeError(
        'subjectUndetermined',
        `The ${strategy} strategy needs a record name (the Avro record's or Protobuf message's full name, or the JSON Schema's title). Give the record name, or a schema to register that has one.`,
      ),
    };
  }
  return { ok: true, subject: strategy === 'RecordName' ? recordName : `${topic}-${recordName}` };
}
