import { silentLogger, type Logger } from '../logging';
import type { RegistryWriter } from '../registry/registryClient';
import type { RegistrySchemaType, SchemaDefinition, SchemaReference } from '../registry/registryTypes';
import { EncodeError, type CodecError } from './codecErrors';
import { RegistryError } from '../registry/registryErrors';
import type { CompiledSchema } from './compiledSchema';
import type { PayloadRole, SchemaFormat, SchemaIdentity } from './decodeResult';
import type { SchemaCache } from './schemaCache';
import { subjectName, type SubjectNameStrategy } from './subjectNaming';
import { parseJsonExact, stringifyExact } from './losslessJson';
import { parseBase64, parseHex } from './textEncodings';
import { encodeFrame } from './wireFormat';

/** The input of an encode: JSON text as typed, or a value already parsed. */
export type EncodeInput = { readonly json: string } | { readonly value: unknown };

export interface SchemaEncodeRequest {
  readonly format: SchemaFormat;
  readonly topic: string;
  readonly role: PayloadRole;
  readonly input: EncodeInput;
  /** Default TopicName. Ignored when `subject` is given. */
  readonly strategy?: SubjectNameStrategy;
  readonly subject?: string;
  /** For RecordName/TopicRecordName without `register`: the record/message full name or title. */
  readonly recordName?: string;
  /** Which version of the subject to encode with; default latest. Ignored with `register`. */
  readonly version?: number | 'latest';
  /** Register this schema first (after a compatibility check) and encode with it. */
  readonly register?: { readonly schema: string; readonly references?: readonly SchemaReference[] };
  /** Protobuf: which message type (default: the first in the schema). */
  readonly messageType?: string;
}

export type PlainEncodeRequest =
  | { readonly format: 'json'; readonly input: EncodeInput }
  | { readonly format: 'text'; readonly text: string }
  | { readonly format: 'bytes'; readonly text: string; readonly encoding: 'hex' | 'base64' }
  | { readonly format: 'null' };

export type EncodeRequest = SchemaEncodeRequest | PlainEncodeRequest;

export type EncodeResult =
  | {
      readonly ok: true;
      /** The bytes to produce; null for a null key or tombstone. */
      readonly bytes: Buffer | null;
      readonly schema?: SchemaIdentity;
      readonly subject?: string;
      /** True when this encode registered the schema (or found it already registered). */
      readonly registered?: boolean;
    }
  | { readonly ok: false; readonly error: EncodeError | CodecError };

const schemaTypes: Readonly<Record<SchemaFormat, RegistrySchemaType>> = {
  avro: 'AVRO',
  protobuf: 'PROTOBUF',
  jsonSchema: 'JSON',
};

function parseInput(input: EncodeInput): { ok: true; value: unknown } | { ok: false; error: EncodeError } {
  if ('value' in input) return { ok: true, value: input.value };
  try {
    // Integers beyond 2^53 stay exact (BigInt): a long or int64 typed in full is encoded in full.
    return { ok: true, value: parseJsonExact(input.json) };
  } catch (error) {
    return {
      ok: false,
      error: new EncodeError(
        'invalidInput',
        `The input is not valid JSON (${(error as Error).message}). Fix it; nothing was produced.`,
      ),
    };
  }
}

/**
 * Turns what a user typed into record bytes: JSON through a registered Avro, Protobuf or JSON
 * Schema (wire format), or plain JSON, text, hex or base64. Never throws; a value that does not
 * fit gets field-level errors and no bytes.
 */
export class PayloadEncoder {
  private readonly logger: Logger;

  constructor(
    private readonly deps: {
      readonly registry?: RegistryWriter;
      readonly schemas?: SchemaCache;
      readonly logger?: Logger;
    } = {},
  ) {
    this.logger = (deps.logger ?? silentLogger).child('encoder');
  }

  async encode(request: EncodeRequest): Promise<EncodeResult> {
    try {
      return await this.encodeUnguarded(request);
    } catch (error) {
      // The safety net: a bug must not escape as an exception into the producer UI.
      return {
        ok: false,
        error: new EncodeError(
          'invalidInput',
          `Encoding failed unexpectedly (${error instanceof Error ? error.message : String(error)}). Nothing was produced; please report this.`,
          [],
          { cause: error },
        ),
      };
    }
  }

  private async encodeUnguarded(request: EncodeRequest): Promise<EncodeResult> {
    switch (request.format) {
      case 'null':
        return { ok: true, bytes: null };
      case 'text':
        return { ok: true, bytes: Buffer.from(request.text, 'utf8') };
      case 'bytes': {
        const bytes = request.encoding === 'hex' ? parseHex(request.text) : parseBase64(request.text);
        if (!bytes) {
          return {
            ok: false,
            error: new EncodeError(
              'invalidInput',
              request.encoding === 'hex'
                ? 'The input is not hex: use pairs of 0-9/a-f digits (spaces allowed, optional 0x prefix). Nothing was produced.'
                : 'The input is not base64 (standard or URL-safe alphabet, optional = padding). Nothing was produced.',
            ),
          };
        }
        return { ok: true, bytes };
      }
      case 'json': {
        if ('json' in request.input) {
          const parsed = parseInput(request.input);
          if (!parsed.ok) return parsed;
          // The text as typed: its formatting is the user's choice.
          return { ok: true, bytes: Buffer.from(request.input.json, 'utf8') };
        }
        const text = stringifyExact(request.input.value);
        if (text === undefined)
          return {
            ok: false,
            error: new EncodeError('invalidInput', 'The value cannot be written as JSON. Nothing was produced.'),
          };
        return { ok: true, bytes: Buffer.from(text, 'utf8') };
      }
      default:
        return this.encodeWithSchema(request);
    }
  }

  private async encodeWithSchema(request: SchemaEncodeRequest): Promise<EncodeResult> {
    const { registry, schemas } = this.deps;
    if (!registry || !schemas) {
      return {
        ok: false,
        error: new EncodeError(
          'noRegistry',
          `Encoding ${request.format} needs a schema registry, and the connection has none. Add the registry URL to the connection.`,
        ),
      };
    }
    const parsed = parseInput(request.input);
    if (!parsed.ok) return parsed;
    const found = request.register
      ? await this.registerFirst(request, request.register, parsed.value, registry, schemas)
      : await this.findExisting(request, schemas);
    if (!found.ok) return found;
    const { schema, subject, registered } = found;
    if (schema.format !== request.format) {
      return {
        ok: false,
        error: new EncodeError(
          'wrongSchemaFormat',
          `Subject "${subject}" holds a ${schema.format} schema (id ${schema.identity.id}), not ${request.format}. Pick the matching format or another subject.`,
        ),
      };
    }
    const body = schema.encode(
      parsed.value,
      request.messageType !== undefined ? { messageType: request.messageType } : {},
    );
    if (!body.ok) return body;
    return {
      ok: true,
      bytes: encodeFrame(schema.identity.id, body.body),
      schema: schema.identity,
      subject,
      registered,
    };
  }

  private async findExisting(
    request: SchemaEncodeRequest,
    schemas: SchemaCache,
  ): Promise<
    | { ok: true; schema: CompiledSchema; subject: string; registered: false }
    | { ok: false; error: EncodeError | CodecError }
  > {
    const subject =
      request.subject !== undefined
        ? { ok: true as const, subject: request.subject }
        : subjectName(request.strategy ?? 'TopicName', request.topic, request.role, request.recordName);
    if (!subject.ok) return subject;
    const lookup = await schemas.getBySubject(subject.subject, request.version ?? 'latest');
    if (!lookup.ok) return lookup;
    return { ok: true, schema: lookup.schema, subject: subject.subject, registered: false };
  }

  private async registerFirst(
    request: SchemaEncodeRequest,
    toRegister: NonNullable<SchemaEncodeRequest['register']>,
    value: unknown,
    registry: RegistryWriter,
    schemas: SchemaCache,
  ): Promise<
    | { ok: true; schema: CompiledSchema; subject: string; registered: true }
    | { ok: false; error: EncodeError | CodecError }
  > {
    const references = toRegister.references ?? [];
    const definition: SchemaDefinition = {
      schemaType: schemaTypes[request.format],
      schema: toRegister.schema,
      references,
    };
    // Parse it here first: a broken schema gets a clear message before the registry is involved.
    const draft = await schemas.compileDraft(definition.schemaType, definition.schema, references);
    if (!draft.ok) {
      if (draft.error instanceof RegistryError) return draft;
      return {
        ok: false,
        error: new EncodeError('invalidSchema', `The schema to register cannot be used: ${draft.error.message}`, [], {
          cause: draft.error,
        }),
      };
    }
    const options = request.messageType !== undefined ? { messageType: request.messageType } : {};
    // A value that does not fit must not leave a new schema version behind: check it first.
    const trial = draft.schema.format === request.format ? draft.schema.encode(value, options) : undefined;
    if (trial && !trial.ok) return trial;
    const subject =
      request.subject !== undefined
        ? { ok: true as const, subject: request.subject }
        : subjectName(
            request.strategy ?? 'TopicName',
            request.topic,
            request.role,
            request.recordName ?? draft.schema.recordName(options),
          );
    if (!subject.ok) return subject;

    const check = await registry.checkCompatibility(subject.subject, definition);
    if (check.ok && !check.value.compatible) {
      const why = check.value.messages.length ? ` The registry said: ${check.value.messages.join('; ')}.` : '';
      return {
        ok: false,
        error: new EncodeError(
          'incompatibleSchema',
          `The schema is not compatible with the latest version of subject "${subject.subject}" under its compatibility level, so it was not registered and nothing was produced.${why} Change the schema, or the subject's compatibility level.`,
        ),
      };
    }
    let checkUnsupported = false;
    if (!check.ok) {
      const reason = check.error.reason;
      const noVersionsYet = reason === 'subjectNotFound' || reason === 'versionNotFound';
      // The schema parsed here, so a 422 means the registry could not run the check: Apicurio 3.0
      // answers so whenever the new or the latest version has references. Registering still
      // applies the subject's compatibility rule (409 when incompatible), so go on.
      checkUnsupported = reason === 'invalidSchema';
      if (!noVersionsYet && !checkUnsupported) return { ok: false, error: check.error };
      if (checkUnsupported)
        this.logger.debug(
          `compatibility check unavailable for "${subject.subject}" (${check.error.details.registryMessage ?? reason}); relying on the registry's rule at registration`,
        );
    }
    const registered = await registry.register(subject.subject, definition);
    if (!registered.ok) {
      if (registered.error.reason === 'incompatible') {
        return {
          ok: false,
          error: new EncodeError('incompatibleSchema', `${registered.error.message} Nothing was produced.`, [], {
            cause: registered.error,
          }),
        };
      }
      if (registered.error.reason === 'invalidSchema' && checkUnsupported) {
        return {
          ok: false,
          error: new EncodeError(
            'incompatibleSchema',
            `The registry could not run the compatibility rule of subject "${subject.subject}" (${registered.error.details.registryMessage ?? 'HTTP 422'}), so the schema was not registered and nothing was produced. The schema itself parses; Apicurio Registry fails this way when a version with references is compared with one without. Register it with the same references as the latest version, or set the subject's compatibility level to NONE first.`,
            [],
            { cause: registered.error },
          ),
        };
      }
      return registered;
    }
    const lookup = await schemas.get(registered.value.id);
    if (!lookup.ok) return lookup;
    this.logger.info(`registered schema ${registered.value.id} under "${subject.subject}"`);
    return { ok: true, schema: lookup.schema, subject: subject.subject, registered: true };
  }
}
