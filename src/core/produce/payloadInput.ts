import type { CodecError, FieldError } from '../codec/codecErrors';
import { EncodeError } from '../codec/codecErrors';
import type { PayloadRole, SchemaFormat, SchemaIdentity } from '../codec/decodeResult';
import type { EncodeInput, EncodeRequest, PayloadEncoder } from '../codec/payloadEncoder';
import type { SubjectNameStrategy } from '../codec/subjectNaming';
import type * as Forms from './payloadForms';
import type { PayloadInput } from './payloadForms';

// payloadForms.ts repeats these types for the webview; they must stay the same as the codec's.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const FORM_TYPES_MATCH_THE_CODEC: [
  Same<Forms.SchemaFormat, SchemaFormat>,
  Same<Forms.SubjectNameStrategy, SubjectNameStrategy>,
  Same<Forms.FieldError, FieldError>,
] = [true, true, true];

export type PayloadEncoding =
  | {
      readonly ok: true;
      readonly bytes: Buffer | null;
      readonly schema?: SchemaIdentity;
      readonly subject?: string;
    }
  | { readonly ok: false; readonly error: EncodeError | CodecError };

/** The encoder's request for a payload; `value` instead of the text when the caller already parsed it. */
export function encodeRequestOf(
  topic: string,
  role: PayloadRole,
  input: PayloadInput,
  parsed?: { readonly value: unknown },
): EncodeRequest | EncodeError {
  switch (input.form) {
    case 'null':
      return { format: 'null' };
    case 'text':
      return { format: 'text', text: input.text };
    case 'hex':
    case 'base64':
      return { format: 'bytes', text: input.text, encoding: input.form };
    case 'json':
      return { format: 'json', input: parsed ?? { json: input.text } };
    case 'schema': {
      const choice = input.schema;
      if (!choice)
        return new EncodeError(
          'invalidInput',
          `Choose the schema format and subject for the ${role}, or another form.`,
        );
      const encodeInput: EncodeInput = parsed ?? { json: input.text };
      return {
        format: choice.format,
        topic,
        role,
        input: encodeInput,
        strategy: choice.strategy,
        ...(choice.subject ? { subject: choice.subject } : {}),
        ...(choice.recordName ? { recordName: choice.recordName } : {}),
        version: choice.version,
        ...(choice.messageType ? { messageType: choice.messageType } : {}),
      };
    }
  }
}

export async function encodePayload(
  encoder: PayloadEncoder,
  topic: string,
  role: PayloadRole,
  input: PayloadInput,
  parsed?: { readonly value: unknown },
): Promise<PayloadEncoding> {
  const request = encodeRequestOf(topic, role, input, parsed);
  if (request instanceof EncodeError) return { ok: false, error: request };
  const result = await encoder.encode(request);
  if (!result.ok) return result;
  return {
    ok: true,
    bytes: result.bytes,
    ...(result.schema ? { schema: result.schema } : {}),
    ...(result.subject ? { subject: result.subject } : {}),
  };
}

/** The field errors of an encode failure (schema mismatches), or none. */
export function fieldErrorsOf(error: EncodeError | CodecError): readonly FieldError[] {
  return error instanceof EncodeError ? error.fieldErrors : [];
}
