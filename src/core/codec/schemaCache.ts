import { silentLogger, type Logger } from '../logging';
import type { RegistryReader } from '../registry/registryClient';
import type { RegistryResult, SchemaReference, SubjectVersion } from '../registry/registryTypes';
import { compileAvro } from './avroSchema';
import { DecodeError, type CodecError } from './codecErrors';
import { RegistryError } from '../registry/registryErrors';
import type { CompileResult, CompiledSchema, ResolvedReference } from './compiledSchema';
import type { SchemaFormat, SchemaIdentity } from './decodeResult';
import { compileJsonSchema } from './jsonSchema';
import { compileProtobuf } from './protobufSchema';

export type SchemaLookup =
  { readonly ok: true; readonly schema: CompiledSchema } | { readonly ok: false; readonly error: CodecError };

export interface SchemaCacheOptions {
  /** How long a failed lookup is remembered before the registry is asked again. Default 5000 ms. */
  readonly failureTtlMs?: number;
  /** How long "latest version of a subject" is trusted. Default 30000 ms. */
  readonly latestTtlMs?: number;
  /** Binary preview size for the failures the compiled schemas produce. */
  readonly previewBytes?: number;
  readonly clock?: () => number;
  readonly logger?: Logger;
}

const MAX_REFERENCE_DEPTH = 32;

const formats: Readonly<Record<string, SchemaFormat>> = { AVRO: 'avro', PROTOBUF: 'protobuf', JSON: 'jsonSchema' };

type Resolved = { ok: true; value: ResolvedReference[] } | { ok: false; error: CodecError };

/**
 * Compiled schemas by id. Each id is fetched and compiled once: concurrent misses share one
 * request, failures are remembered for a short time (so an outage costs one bounded request per
 * TTL, not one per record), and a registry-wide failure (unreachable, timeout, 401/403) answers
 * every uncached id at once until the TTL passes. Lookups of cached schemas are synchronous.
 */
export class SchemaCache {
  private readonly ready = new Map<number, CompiledSchema>();
  private readonly loading = new Map<number, Promise<SchemaLookup>>();
  private readonly failed = new Map<number, { readonly error: CodecError; readonly until: number }>();
  private registryDown: { readonly error: RegistryError; readonly until: number } | undefined;
  private readonly subjectIds = new Map<string, { readonly id: number; readonly until: number }>();
  private readonly subjectLoading = new Map<string, Promise<SchemaLookup>>();
  private readonly subjectFailed = new Map<string, { readonly error: CodecError; readonly until: number }>();
  private readonly references = new Map<
    string,
    Promise<{ ok: true; value: ResolvedReference } | { ok: false; error: CodecError }>
  >();
  private readonly failureTtlMs: number;
  private readonly latestTtlMs: number;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly previewBytes: number | undefined;

  constructor(
    private readonly registry: RegistryReader,
    options: SchemaCacheOptions = {},
  ) {
    this.failureTtlMs = options.failureTtlMs ?? 5000;
    this.latestTtlMs = options.latestTtlMs ?? 30_000;
    this.clock = options.clock ?? Date.now;
    this.logger = (options.logger ?? silentLogger).child('schemas');
    this.previewBytes = options.previewBytes;
  }

  /** The compiled schema when it is cached; never starts a request. */
  peek(id: number): CompiledSchema | undefined {
    return this.ready.get(id);
  }

  /** A remembered failure for this id (or the registry as a whole) that is still fresh. */
  peekFailure(id: number): CodecError | undefined {
    const now = this.clock();
    const failed = this.failed.get(id);
    if (failed) {
      if (now < failed.until) return failed.error;
      this.failed.delete(id);
    }
    return this.downError(now);
  }

  /** The compiled schema for an id, fetching (once) and compiling (once) when needed. */
  get(id: number): Promise<SchemaLookup> {
    const schema = this.ready.get(id);
    if (schema) return Promise.resolve({ ok: true, schema });
    const pending = this.loading.get(id);
    if (pending) return pending;
    const failure = this.peekFailure(id);
    if (failure) return Promise.resolve({ ok: false, error: failure });
    const load = this.load(id)
      .catch((error: unknown) => this.unexpected(error))
      .then((result) => {
        this.loading.delete(id);
        if (result.ok) {
          this.ready.set(id, result.schema);
        } else {
          this.remember(result.error, (until) => this.failed.set(id, { error: result.error, until }));
        }
        return result;
      });
    this.loading.set(id, load);
    return load;
  }

  /** The compiled schema of a subject version ('latest' is re-checked after `latestTtlMs`). */
  peekBySubject(subject: string, version: number | 'latest'): CompiledSchema | undefined {
    const known = this.subjectIds.get(subjectKey(subject, version));
    return known && this.clock() < known.until ? this.ready.get(known.id) : undefined;
  }

  peekSubjectFailure(subject: string, version: number | 'latest'): CodecError | undefined {
    const now = this.clock();
    const key = subjectKey(subject, version);
    const failed = this.subjectFailed.get(key);
    if (failed) {
      if (now < failed.until) return failed.error;
      this.subjectFailed.delete(key);
    }
    return this.downError(now);
  }

  getBySubject(subject: string, version: number | 'latest'): Promise<SchemaLookup> {
    const key = subjectKey(subject, version);
    const known = this.subjectIds.get(key);
    if (known && this.clock() < known.until) return this.get(known.id);
    const pending = this.subjectLoading.get(key);
    if (pending) return pending;
    const failure = this.peekSubjectFailure(subject, version);
    if (failure) return Promise.resolve({ ok: false, error: failure });
    const load = this.loadSubject(subject, version)
      .catch((error: unknown) => this.unexpected(error))
      .then((result) => {
        this.subjectLoading.delete(key);
        if (!result.ok)
          this.remember(result.error, (until) => this.subjectFailed.set(key, { error: result.error, until }));
        return result;
      });
    this.subjectLoading.set(key, load);
    return load;
  }

  /**
   * Compiles a schema that is not registered (yet), resolving its references through the
   * registry, to check it and to learn its record name before registering. Nothing is cached.
   */
  compileDraft(schemaType: string, text: string, references: readonly SchemaReference[]): Promise<SchemaLookup> {
    return this.compile(0, schemaType, text, references, undefined);
  }

  /** Forgets everything (e.g. after the connection's registry changed). */
  clear(): void {
    this.ready.clear();
    this.failed.clear();
    this.subjectIds.clear();
    this.subjectFailed.clear();
    this.references.clear();
    this.registryDown = undefined;
  }

  private unexpected(error: unknown): SchemaLookup {
    return {
      ok: false,
      error: new DecodeError(
        'decoderFailure',
        `Loading the schema failed unexpectedly (${error instanceof Error ? error.message : String(error)}). Please report this; the bytes are shown as they are.`,
        { cause: error },
      ),
    };
  }

  private downError(now: number): CodecError | undefined {
    if (!this.registryDown) return undefined;
    if (now < this.registryDown.until) return this.registryDown.error;
    this.registryDown = undefined;
    return undefined;
  }

  private remember(error: CodecError, store: (until: number) => void): void {
    const until = this.clock() + this.failureTtlMs;
    store(until);
    if (error instanceof RegistryError && error.isRegistryWide) {
      this.registryDown = { error, until };
      this.logger.warn(
        `schema registry unavailable (${error.reason}); uncached schemas fail fast for ${this.failureTtlMs} ms`,
      );
    }
  }

  private recovered(): void {
    if (this.registryDown) this.logger.info('schema registry reachable again');
    this.registryDown = undefined;
  }

  private async load(id: number): Promise<SchemaLookup> {
    const [found, usage] = await Promise.all([
      this.registry.getSchemaById(id),
      this.registry.getSubjectVersionsForId(id),
    ]);
    if (!found.ok) {
      if (found.error.reason === 'schemaNotFound') {
        this.recovered();
        return {
          ok: false,
          error: new DecodeError(
            'unknownSchemaId',
            `Schema id ${id} from the record header is not in the schema registry. The record was written against another registry (check the connection's registry URL), the schema was deleted, or the bytes only look like the wire format.`,
            { cause: found.error },
          ),
        };
      }
      return { ok: false, error: found.error };
    }
    this.recovered();
    const where: SubjectVersion | undefined = usage.ok ? usage.value[0] : undefined;
    return this.compile(id, found.value.schemaType, found.value.schema, found.value.references, where);
  }

  private async loadSubject(subject: string, version: number | 'latest'): Promise<SchemaLookup> {
    const found = await this.registry.getSchemaByVersion(subject, version);
    if (!found.ok) return { ok: false, error: found.error };
    this.recovered();
    const { id } = found.value;
    this.subjectIds.set(subjectKey(subject, version), {
      id,
      until: version === 'latest' ? this.clock() + this.latestTtlMs : Number.POSITIVE_INFINITY,
    });
    const cached = this.ready.get(id);
    if (cached) return { ok: true, schema: cached };
    const pending = this.loading.get(id);
    if (pending) return pending;
    const compiled = await this.compile(id, found.value.schemaType, found.value.schema, found.value.references, {
      subject: found.value.subject,
      version: found.value.version,
    });
    if (compiled.ok) this.ready.set(id, compiled.schema);
    return compiled;
  }

  private async compile(
    id: number,
    schemaType: string,
    text: string,
    references: readonly SchemaReference[],
    where: SubjectVersion | undefined,
  ): Promise<SchemaLookup> {
    const format = formats[schemaType];
    if (!format) {
      return {
        ok: false,
        error: new DecodeError(
          'unsupportedSchemaType',
          `Schema ${id} is of type ${schemaType}, which this extension cannot decode (it knows AVRO, PROTOBUF and JSON). The raw bytes are shown instead.`,
        ),
      };
    }
    const resolved = await this.resolveAll(references, [], id);
    if (!resolved.ok) return resolved;
    const identity: SchemaIdentity = {
      id,
      format,
      ...(where ? { subject: where.subject, version: where.version } : {}),
    };
    const started = this.clock();
    const result: CompileResult =
      format === 'avro'
        ? compileAvro(identity, text, resolved.value, this.previewBytes)
        : format === 'protobuf'
          ? compileProtobuf(identity, text, resolved.value, this.previewBytes)
          : compileJsonSchema(identity, text, resolved.value, this.previewBytes);
    if (result.ok)
      this.logger.debug(
        `compiled ${format} schema ${id}${where ? ` (${where.subject} v${where.version})` : ''} in ${this.clock() - started} ms`,
      );
    return result;
  }

  private async resolveAll(
    references: readonly SchemaReference[],
    chain: readonly string[],
    id: number,
  ): Promise<Resolved> {
    const results = await Promise.all(references.map((ref) => this.resolveOne(ref, chain, id)));
    const value: ResolvedReference[] = [];
    for (const result of results) {
      if (!result.ok) return result;
      value.push(result.value);
    }
    return { ok: true, value };
  }

  private resolveOne(
    ref: SchemaReference,
    chain: readonly string[],
    id: number,
  ): Promise<{ ok: true; value: ResolvedReference } | { ok: false; error: CodecError }> {
    const key = `${ref.subject}\u0000${ref.version}\u0000${ref.name}`;
    if (chain.includes(key) || chain.length >= MAX_REFERENCE_DEPTH) {
      return Promise.resolve({
        ok: false,
        error: new DecodeError(
          'unparsableSchema',
          `The references of schema ${id} loop or nest deeper than ${MAX_REFERENCE_DEPTH} (at ${ref.subject} v${ref.version}). Fix the references in the registry.`,
        ),
      });
    }
    const cached = this.references.get(key);
    if (cached) return cached;
    const pending = (async (): Promise<{ ok: true; value: ResolvedReference } | { ok: false; error: CodecError }> => {
      const found: RegistryResult<{ schemaType: string; schema: string; references: readonly SchemaReference[] }> =
        await this.registry.getSchemaByVersion(ref.subject, ref.version);
      if (!found.ok) {
        const missing = found.error.reason === 'subjectNotFound' || found.error.reason === 'versionNotFound';
        return {
          ok: false,
          error: missing
            ? new DecodeError(
                'unparsableSchema',
                `Schema ${id} references "${ref.name}" as ${ref.subject} v${ref.version}, which the registry does not have. Restore that subject version or fix the reference.`,
                { cause: found.error },
              )
            : found.error,
        };
      }
      const nested = await this.resolveAll(found.value.references, [...chain, key], id);
      if (!nested.ok) return nested;
      return {
        ok: true,
        value: {
          name: ref.name,
          subject: ref.subject,
          version: ref.version,
          schemaType: found.value.schemaType,
          schema: found.value.schema,
          references: nested.value,
        },
      };
    })();
    this.references.set(key, pending);
    // Only successes are kept: a reference that failed is asked for again next time.
    void pending.then((result) => {
      if (!result.ok) this.references.delete(key);
    });
    return pending;
  }
}

function subjectKey(subject: string, version: number | 'latest'): string {
  return `${subject}\u0000${version}`;
}
