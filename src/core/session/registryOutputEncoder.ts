import { type CodecError, DecodeError, EncodeError, WireFormatError } from '../codec/codecErrors';
import type { PayloadEncoder } from '../codec/payloadEncoder';
import { type OutputSchema, type OutputSchemaEncoder, OutputEncodeError } from '../engine/outputSchemas';
import { RetriableError } from '../errors';

/**
 * Registry failures (RegistryError reasons) that may pass by themselves: the input is retried with
 * backoff, not dead-lettered.
 */
const TRANSIENT: ReadonlySet<string> = new Set(['unreachable', 'timeout', 'serverError', 'badResponse']);

/** An output's key or value could not be encoded because the registry could not be reached: retried. */
export class OutputRegistryUnavailable extends RetriableError {}

const FORMAT_NAMES: Readonly<Record<OutputSchema['format'], string>> = {
  avro: 'Avro',
  protobuf: 'Protobuf',
  jsonSchema: 'JSON Schema',
};

/**
 * Encodes handler outputs through the session's Schema Registry with the producer's encoder: the
 * same subject strategies, versions and readable logical types (a decimal as a decimal string, a
 * timestamp as ISO 8601, a long past 2^53 as a BigInt or its exact digits). Runs in the extension
 * host, before the record joins the transaction or is sent.
 */
export class RegistryOutputEncoder implements OutputSchemaEncoder {
  constructor(private readonly encoder: PayloadEncoder) {}

  async encode(request: Parameters<OutputSchemaEncoder['encode']>[0]): Promise<Buffer> {
    const { schema, where } = request;
    const result = await this.encoder.encode({
      format: schema.format,
      topic: request.topic,
      role: request.role,
      input: { value: request.value },
      ...(schema.strategy ? { strategy: schema.strategy } : {}),
      ...(schema.subject !== undefined ? { subject: schema.subject } : {}),
      ...(schema.recordName !== undefined ? { recordName: schema.recordName } : {}),
      ...(schema.version !== undefined ? { version: schema.version } : {}),
      ...(schema.messageType !== undefined ? { messageType: schema.messageType } : {}),
    });
    if (result.ok) {
      if (!result.bytes) throw new OutputEncodeError(`${where}: the registry encoder produced no bytes`);
      return result.bytes;
    }
    throw failure(where, schema, result.error);
  }
}

function failure(where: string, schema: OutputSchema, error: EncodeError | CodecError): Error {
  const format = FORMAT_NAMES[schema.format];
  // What is not the codec's own error is the registry's (the session layer does not import it).
  const codecOwn = error instanceof EncodeError || error instanceof DecodeError || error instanceof WireFormatError;
  if (!codecOwn && TRANSIENT.has(error.reason))
    return new OutputRegistryUnavailable(
      `${where} could not be encoded as ${format}: ${error.message} The input is retried; check that the Schema Registry is up.`,
      { cause: error },
    );
  // The encoder's message names the schema (subject, id) and the fields that do not fit.
  const fix =
    error instanceof EncodeError && error.reason === 'schemaMismatch'
      ? " Fix the handler's output; the input message failed (the retry / dead-letter policy applies)."
      : '';
  return new OutputEncodeError(`${where} could not be encoded as ${format}: ${error.message}${fix}`, { cause: error });
}
