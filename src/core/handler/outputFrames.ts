import { parseJsonExact } from '../codec/losslessJson';
import { MAX_OUTPUTS_PER_MESSAGE, type OutputRecord, OutputRecordError } from '../engine/outputs';
import type { OutputSchema } from '../engine/outputSchemas';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytes(what: string, raw: unknown): Buffer | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'string' || raw.length % 4 !== 0 || !BASE64.test(raw))
    throw new OutputRecordError(`${what} is not base64 (the handler runtime sent a malformed output)`);
  return Buffer.from(raw, 'base64');
}

/** A key or value the registry encodes: its JSON text (integers past 2^53 stay exact, as BigInts). */
function jsonValue(what: string, raw: unknown): unknown {
  const text = bytes(what, raw);
  if (text === null) return null;
  try {
    return parseJsonExact(text.toString('utf8'));
  } catch (error) {
    throw new OutputRecordError(
      `${what} is not JSON (the handler runtime sent a malformed schema output: ${(error as Error).message})`,
    );
  }
}

/**
 * The outputs of a handler process's `ok` result as engine output records. Untrusted input: every
 * field is checked here (shape, base64) and again by the engine (topic, partition, sizes).
 */
export function outputsFromFrames(raw: unknown): OutputRecord[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new OutputRecordError('the handler runtime sent outputs that are not a list');
  if (raw.length > MAX_OUTPUTS_PER_MESSAGE)
    throw new OutputRecordError(
      `a handler call may produce at most ${MAX_OUTPUTS_PER_MESSAGE} outputs (got ${raw.length})`,
    );
  return raw.map((frame: unknown, i) => {
    const where = `output ${i + 1}`;
    if (!frame || typeof frame !== 'object' || Array.isArray(frame))
      throw new OutputRecordError(`${where} from the handler runtime is not an object`);
    const f = frame as Record<string, unknown>;
    const headers = f.headers;
    if (headers !== undefined && !Array.isArray(headers))
      throw new OutputRecordError(`${where}: headers from the handler runtime are not a list`);
    // A schema choice is passed on as it came: the engine checks it (encodeOutput).
    const keySchema = f.keySchema === undefined || f.keySchema === null ? undefined : (f.keySchema as OutputSchema);
    const valueSchema =
      f.valueSchema === undefined || f.valueSchema === null ? undefined : (f.valueSchema as OutputSchema);
    return {
      topic: f.topic as string,
      ...(f.partition !== undefined && f.partition !== null ? { partition: f.partition as number } : {}),
      key: keySchema ? jsonValue(`${where}: the key`, f.key) : bytes(`${where}: the key`, f.key),
      value: valueSchema ? jsonValue(`${where}: the value`, f.value) : bytes(`${where}: the value`, f.value),
      ...(keySchema ? { keySchema } : {}),
      ...(valueSchema ? { valueSchema } : {}),
      ...(headers
        ? {
            headers: (headers as unknown[]).map((h) => {
              const header = (h && typeof h === 'object' ? h : {}) as Record<string, unknown>;
              return {
                key: header.key as string,
                value: bytes(`${where}: a header`, header.value) ?? Buffer.alloc(0),
              };
            }),
          }
        : {}),
    };
  });
}
