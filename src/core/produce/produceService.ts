import type { PayloadRole, SchemaIdentity } from '../codec/decodeResult';
import type { PayloadEncoder } from '../codec/payloadEncoder';
import { RegistryError } from '../registry/registryErrors';
import { ProduceError, type ProduceErrorReason } from './produceErrors';
import type { FieldProblem, PayloadInput, ProduceField } from './payloadForms';
import { encodePayload, fieldErrorsOf } from './payloadInput';
import { checkPartition, type HeaderInput, parseHeaders, parseTimestamp } from './recordFields';
import type { Delivered, OutgoingRecord, RecordProducer } from './recordProducer';

/** What the producer form sends. */
export interface ProduceRequest {
  readonly topic: string;
  /** Undefined: automatic. */
  readonly partition?: number;
  readonly key: PayloadInput;
  readonly value: PayloadInput;
  readonly headers: readonly HeaderInput[];
  /** Undefined: the producer's current time. Milliseconds, or ISO 8601 with a zone. */
  readonly timestamp?: string | number;
}

export interface PayloadSummary {
  readonly size: number;
  readonly schema?: SchemaIdentity;
  readonly subject?: string;
}

export type ProduceOutcome =
  | {
      readonly ok: true;
      readonly delivered: Delivered;
      readonly key: PayloadSummary | null;
      readonly value: PayloadSummary | null;
    }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

export interface PreparedRecord {
  readonly record: OutgoingRecord;
  readonly key: PayloadSummary | null;
  readonly value: PayloadSummary | null;
}

/**
 * Validates and encodes a form's record, every field at once (so the form shows every problem
 * together), and writes it only when nothing is wrong.
 */
export class ProduceService {
  constructor(private readonly deps: { readonly encoder: PayloadEncoder; readonly producer: RecordProducer }) {}

  /** Checks and encodes without sending: the form's "Validate". */
  async prepare(
    request: ProduceRequest,
  ): Promise<{ ok: true; prepared: PreparedRecord } | { ok: false; problems: FieldProblem[] }> {
    const problems: FieldProblem[] = [];
    if (!request.topic.trim()) problems.push({ field: 'topic', reason: 'invalidInput', message: 'Choose a topic.' });
    const partition = checkPartition(request.partition);
    if (!partition.ok) problems.push({ field: 'partition', reason: 'invalidInput', message: partition.message });
    let timestamp: number | undefined;
    if (request.timestamp !== undefined && request.timestamp !== '') {
      const parsed = parseTimestamp(request.timestamp);
      if (parsed.ok) timestamp = parsed.value;
      else problems.push({ field: 'timestamp', reason: 'invalidInput', message: parsed.message });
    }
    const headers = parseHeaders(request.headers);
    if (!headers.ok) problems.push({ field: 'headers', reason: 'invalidInput', message: headers.message });
    const [key, value] = await Promise.all([
      this.encode(request.topic, 'key', request.key, problems),
      this.encode(request.topic, 'value', request.value, problems),
    ]);
    if (problems.length > 0 || key === undefined || value === undefined || !headers.ok || !partition.ok)
      return { ok: false, problems };
    return {
      ok: true,
      prepared: {
        record: {
          topic: request.topic,
          ...(partition.value !== undefined ? { partition: partition.value } : {}),
          key: key.bytes,
          value: value.bytes,
          headers: headers.value,
          ...(timestamp !== undefined ? { timestamp } : {}),
        },
        key: key.summary,
        value: value.summary,
      },
    };
  }

  async produce(request: ProduceRequest): Promise<ProduceOutcome> {
    const prepared = await this.prepare(request);
    if (!prepared.ok) return prepared;
    try {
      const delivered = await this.deps.producer.send(prepared.prepared.record);
      return { ok: true, delivered, key: prepared.prepared.key, value: prepared.prepared.value };
    } catch (error) {
      if (!(error instanceof ProduceError)) throw error;
      return {
        ok: false,
        problems: [{ field: fieldOfProduceError(error.reason), reason: error.reason, message: error.message }],
      };
    }
  }

  private async encode(
    topic: string,
    role: PayloadRole,
    input: PayloadInput,
    problems: FieldProblem[],
  ): Promise<{ bytes: Buffer | null; summary: PayloadSummary | null } | undefined> {
    const result = await encodePayload(this.deps.encoder, topic, role, input);
    if (!result.ok) {
      const fieldErrors = fieldErrorsOf(result.error);
      problems.push({
        field: role,
        reason: result.error.reason,
        message:
          result.error instanceof RegistryError && result.error.reason === 'subjectNotFound'
            ? `${result.error.message} Register a schema under it, or choose another strategy or subject.`
            : result.error.message,
        ...(fieldErrors.length ? { fieldErrors } : {}),
      });
      return undefined;
    }
    return {
      bytes: result.bytes,
      summary:
        result.bytes === null
          ? null
          : {
              size: result.bytes.length,
              ...(result.schema ? { schema: result.schema } : {}),
              ...(result.subject ? { subject: result.subject } : {}),
            },
    };
  }
}

export function fieldOfProduceError(reason: ProduceErrorReason): ProduceField {
  if (reason === 'partitionNotFound') return 'partition';
  if (reason === 'messageTooLarge') return 'value';
  return 'topic';
}
