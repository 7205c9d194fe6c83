import { REDACTED, redactText, silentLogger, type Logger } from '../logging';
import {
  RegistryError,
  statusFailure,
  transportFailure,
  type ErrorContext,
  type RegistryErrorReason,
} from './registryErrors';
import { createNodeRegistryHttp, type RegistryHttp, type RegistryHttpRequest } from './registryHttp';
import {
  compatibilityLevels,
  type CompatibilityLevel,
  type CompatibilityResult,
  type RegisteredSchema,
  type RegistryConnection,
  type RegistryResult,
  type RegistrySecretLookup,
  type SchemaDefinition,
  type SchemaReference,
  type SubjectVersion,
  type SubjectVersionSchema,
} from './registryTypes';

export const DEFAULT_REGISTRY_TIMEOUT_MS = 5000;

/** What the codec needs from a registry (the client implements it; tests may pass their own). */
export interface RegistryReader {
  getSchemaById(id: number): Promise<RegistryResult<RegisteredSchema>>;
  getSubjectVersionsForId(id: number): Promise<RegistryResult<readonly SubjectVersion[]>>;
  getSchemaByVersion(subject: string, version: number | 'latest'): Promise<RegistryResult<SubjectVersionSchema>>;
}

/** What the encoder additionally needs to register schemas. */
export interface RegistryWriter extends RegistryReader {
  register(subject: string, schema: SchemaDefinition): Promise<RegistryResult<{ id: number }>>;
  checkCompatibility(
    subject: string,
    schema: SchemaDefinition,
    version?: number | 'latest',
  ): Promise<RegistryResult<CompatibilityResult>>;
}

/** Checks a connection before use; returns the problem, or undefined when it is usable. */
export function validateRegistryConnection(connection: RegistryConnection): RegistryError | undefined {
  const invalid = (message: string): RegistryError => new RegistryError('invalidConfiguration', message);
  let url: URL;
  try {
    url = new URL(connection.url);
  } catch {
    return invalid(
      `The schema registry URL "${redactText(connection.url)}" is not a URL. Use the form http://host:8081 or https://host/apis/ccompat/v7.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return invalid(`The schema registry URL must start with http:// or https://, not ${url.protocol}//.`);
  }
  if (url.username || url.password) {
    return invalid(
      "The schema registry URL contains credentials. Remove them from the URL and store them as the connection's registry credentials instead.",
    );
  }
  if (url.search || url.hash) {
    return invalid('The schema registry URL must not have a query or fragment; give the base URL of the API only.');
  }
  const timeout = connection.requestTimeoutMs;
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0 || timeout > 120_000)) {
    return invalid(`The registry request timeout must be between 1 and 120000 ms, not ${timeout}.`);
  }
  return undefined;
}

interface RequestSpec<T> {
  readonly method: RegistryHttpRequest['method'];
  readonly path: string;
  readonly query?: string;
  readonly body?: unknown;
  /** What the request does, for messages: "read schema 12", "register a schema under subject x". */
  readonly action: string;
  /** The reason for a 404 that carries no recognisable error_code. */
  readonly notFound?: RegistryErrorReason;
  readonly parse: (json: unknown) => T | undefined;
}

const seg = encodeURIComponent;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseReferences(value: unknown): SchemaReference[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return undefined;
  const out: SchemaReference[] = [];
  for (const item of value) {
    if (
      !isObject(item) ||
      typeof item.name !== 'string' ||
      typeof item.subject !== 'string' ||
      !Number.isInteger(item.version)
    )
      return undefined;
    out.push({ name: item.name, subject: item.subject, version: item.version as number });
  }
  return out;
}

function parseSchemaBody(json: unknown, id: number | undefined): RegisteredSchema | undefined {
  if (!isObject(json) || typeof json.schema !== 'string') return undefined;
  const schemaId = id ?? json.id;
  if (!Number.isInteger(schemaId)) return undefined;
  const references = parseReferences(json.references);
  if (!references) return undefined;
  const schemaType = typeof json.schemaType === 'string' && json.schemaType ? json.schemaType : 'AVRO';
  return { id: schemaId as number, schemaType, schema: json.schema, references };
}

/**
 * A client for the Confluent Schema Registry REST API, tolerant of compatible implementations
 * (Apicurio's ccompat API, Karapace). Every method resolves to a result value, never rejects, and
 * every request is bounded by the connection's timeout. Nothing it logs carries credentials.
 */
export class SchemaRegistryClient implements RegistryWriter {
  private readonly http: RegistryHttp;
  private readonly ownsHttp: boolean;
  private readonly base: string;
  private readonly where: string;
  private readonly configError: RegistryError | undefined;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly secrets: RegistrySecretLookup | undefined;

  constructor(
    private readonly connection: RegistryConnection,
    deps: { secrets?: RegistrySecretLookup; http?: RegistryHttp; logger?: Logger } = {},
  ) {
    this.secrets = deps.secrets;
    this.configError = validateRegistryConnection(connection);
    this.timeoutMs = connection.requestTimeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
    this.logger = (deps.logger ?? silentLogger).child('registry');
    this.ownsHttp = !deps.http;
    this.http =
      deps.http ??
      createNodeRegistryHttp({
        ...(connection.caPem !== undefined ? { ca: connection.caPem } : {}),
        ...(connection.rejectUnauthorized !== undefined ? { rejectUnauthorized: connection.rejectUnauthorized } : {}),
      });
    const url = this.configError ? undefined : new URL(connection.url);
    this.base = url ? `${url.origin}${url.pathname.replace(/\/+$/, '')}` : '';
    this.where = this.base || '(invalid URL)';
  }

  /** The base URL requests go to, for display. */
  get url(): string {
    return this.where;
  }

  close(): void {
    if (this.ownsHttp) this.http.close();
  }

  // --- reading -------------------------------------------------------------------------------

  /** The subjects, as the registry lists them; `deleted` includes soft-deleted ones. */
  listSubjects(options: { deleted?: boolean } = {}): Promise<RegistryResult<string[]>> {
    return this.request({
      method: 'GET',
      path: '/subjects',
      ...(options.deleted ? { query: 'deleted=true' } : {}),
      action: 'list subjects',
      parse: (json) =>
        Array.isArray(json) && json.every((s) => typeof s === 'string') ? (json as string[]) : undefined,
    });
  }

  /** The version numbers of a subject; `deleted` includes soft-deleted versions. */
  listVersions(subject: string, options: { deleted?: boolean } = {}): Promise<RegistryResult<number[]>> {
    return this.request({
      method: 'GET',
      path: `/subjects/${seg(subject)}/versions`,
      ...(options.deleted ? { query: 'deleted=true' } : {}),
      action: `list the versions of subject "${subject}"`,
      notFound: 'subjectNotFound',
      parse: (json) => (Array.isArray(json) && json.every((v) => Number.isInteger(v)) ? (json as number[]) : undefined),
    });
  }

  getSchemaById(id: number): Promise<RegistryResult<RegisteredSchema>> {
    return this.request({
      method: 'GET',
      path: `/schemas/ids/${id}`,
      action: `read schema id ${id}`,
      notFound: 'schemaNotFound',
      parse: (json) => parseSchemaBody(json, id),
    });
  }

  /** The subject/version pairs that use a schema id (Confluent 5.5+; Apicurio supports it). */
  getSubjectVersionsForId(id: number): Promise<RegistryResult<SubjectVersion[]>> {
    return this.request({
      method: 'GET',
      path: `/schemas/ids/${id}/versions`,
      action: `list the subjects of schema id ${id}`,
      notFound: 'schemaNotFound',
      parse: (json) => {
        if (!Array.isArray(json)) return undefined;
        const out: SubjectVersion[] = [];
        for (const item of json) {
          if (!isObject(item) || typeof item.subject !== 'string' || !Number.isInteger(item.version)) return undefined;
          out.push({ subject: item.subject, version: item.version as number });
        }
        return out;
      },
    });
  }

  /** One version of a subject; `deleted` also finds a soft-deleted version. */
  getSchemaByVersion(
    subject: string,
    version: number | 'latest',
    options: { deleted?: boolean } = {},
  ): Promise<RegistryResult<SubjectVersionSchema>> {
    return this.request({
      method: 'GET',
      path: `/subjects/${seg(subject)}/versions/${version === 'latest' ? 'latest' : String(version)}`,
      ...(options.deleted ? { query: 'deleted=true' } : {}),
      action: `read version ${version} of subject "${subject}"`,
      notFound: version === 'latest' ? 'subjectNotFound' : 'versionNotFound',
      parse: (json) => {
        const schema = parseSchemaBody(json, undefined);
        if (!schema || !isObject(json) || !Number.isInteger(json.version)) return undefined;
        return {
          ...schema,
          subject: typeof json.subject === 'string' ? json.subject : subject,
          version: json.version as number,
        };
      },
    });
  }

  // --- writing -------------------------------------------------------------------------------

  register(subject: string, schema: SchemaDefinition): Promise<RegistryResult<{ id: number }>> {
    return this.request({
      method: 'POST',
      path: `/subjects/${seg(subject)}/versions`,
      body: schemaBody(schema),
      action: `register a schema under subject "${subject}"`,
      notFound: 'subjectNotFound',
      parse: (json) => (isObject(json) && Number.isInteger(json.id) ? { id: json.id as number } : undefined),
    });
  }

  checkCompatibility(
    subject: string,
    schema: SchemaDefinition,
    version: number | 'latest' = 'latest',
  ): Promise<RegistryResult<CompatibilityResult>> {
    return this.request({
      method: 'POST',
      path: `/compatibility/subjects/${seg(subject)}/versions/${version === 'latest' ? 'latest' : String(version)}`,
      query: 'verbose=true',
      body: schemaBody(schema),
      action: `check a schema's compatibility with subject "${subject}"`,
      notFound: 'subjectNotFound',
      parse: (json) => {
        if (!isObject(json) || typeof json.is_compatible !== 'boolean') return undefined;
        const messages = Array.isArray(json.messages)
          ? json.messages.filter((m): m is string => typeof m === 'string')
          : [];
        return { compatible: json.is_compatible, messages };
      },
    });
  }

  /**
   * The compatibility level in force: the subject's own, or the global one when the subject has
   * none (`defaultToGlobal=true`; registries that answer 404 for an unset subject fall back to the
   * global level).
   */
  async getCompatibility(subject?: string): Promise<RegistryResult<CompatibilityLevel>> {
    const parse = (json: unknown): CompatibilityLevel | undefined => {
      if (!isObject(json)) return undefined;
      // GET answers `compatibilityLevel`; some registries answer `compatibility`.
      const level = json.compatibilityLevel ?? json.compatibility;
      return typeof level === 'string' && (compatibilityLevels as readonly string[]).includes(level)
        ? (level as CompatibilityLevel)
        : undefined;
    };
    if (subject !== undefined) {
      const own = await this.request({
        method: 'GET',
        path: `/config/${seg(subject)}`,
        query: 'defaultToGlobal=true',
        action: `read the compatibility level of subject "${subject}"`,
        notFound: 'subjectNotFound',
        parse,
      });
      if (own.ok || (own.error.reason !== 'subjectNotFound' && own.error.details.status !== 404)) return own;
    }
    return this.request({ method: 'GET', path: '/config', action: 'read the global compatibility level', parse });
  }

  setCompatibility(level: CompatibilityLevel, subject?: string): Promise<RegistryResult<CompatibilityLevel>> {
    if (!(compatibilityLevels as readonly string[]).includes(level)) {
      return Promise.resolve({
        ok: false,
        error: new RegistryError(
          'invalidRequest',
          `"${String(level)}" is not a compatibility level; use one of ${compatibilityLevels.join(', ')}.`,
        ),
      });
    }
    return this.request({
      method: 'PUT',
      path: subject === undefined ? '/config' : `/config/${seg(subject)}`,
      body: { compatibility: level },
      action:
        subject === undefined
          ? 'set the global compatibility level'
          : `set the compatibility level of subject "${subject}"`,
      parse: (json) => {
        const value = isObject(json) ? (json.compatibility ?? json.compatibilityLevel) : undefined;
        return typeof value === 'string' ? (value as CompatibilityLevel) : level;
      },
    });
  }

  /**
   * Deletes a subject: soft by default (it disappears from listings, but its schema ids still
   * resolve, so records written with them still decode). `permanent` removes it for good; registries
   * allow that only after a soft delete, so a subject not yet soft-deleted is soft-deleted first.
   * Resolves to the versions deleted.
   */
  deleteSubject(subject: string, options: { permanent?: boolean } = {}): Promise<RegistryResult<number[]>> {
    return this.softThenPermanent(options.permanent === true, (permanent) =>
      this.request({
        method: 'DELETE',
        path: `/subjects/${seg(subject)}`,
        ...(permanent ? { query: 'permanent=true' } : {}),
        action: `${permanent ? 'permanently ' : ''}delete subject "${subject}"`,
        notFound: 'subjectNotFound',
        parse: (json) => (Array.isArray(json) ? json.filter((v): v is number => Number.isInteger(v)) : undefined),
      }),
    );
  }

  /**
   * Deletes one version of a subject: soft by default, `permanent` for good (soft-deleting it
   * first when needed). Resolves to the version number deleted.
   */
  deleteVersion(
    subject: string,
    version: number,
    options: { permanent?: boolean } = {},
  ): Promise<RegistryResult<number>> {
    if (!Number.isInteger(version) || version < 1) {
      return Promise.resolve({
        ok: false,
        error: new RegistryError(
          'invalidRequest',
          `"${String(version)}" is not a version number; versions are whole numbers from 1.`,
        ),
      });
    }
    return this.softThenPermanent(options.permanent === true, (permanent) =>
      this.request({
        method: 'DELETE',
        path: `/subjects/${seg(subject)}/versions/${version}`,
        ...(permanent ? { query: 'permanent=true' } : {}),
        action: `${permanent ? 'permanently ' : ''}delete version ${version} of subject "${subject}"`,
        notFound: 'versionNotFound',
        parse: (json) => (Number.isInteger(json) ? (json as number) : undefined),
      }),
    );
  }

  /**
   * A soft delete, then for `permanent` the hard one. "Already soft-deleted" from the first step
   * is what a permanent delete expects, so it goes on; any other failure stops there.
   */
  private async softThenPermanent<T>(
    permanent: boolean,
    send: (permanent: boolean) => Promise<RegistryResult<T>>,
  ): Promise<RegistryResult<T>> {
    const soft = await send(false);
    if (!permanent) return soft;
    if (!soft.ok && soft.error.reason !== 'alreadyDeleted') return soft;
    return send(true);
  }

  // --- plumbing ------------------------------------------------------------------------------

  /** The secret strings of the last credentials used, scrubbed from anything the registry echoes. */
  private secretValues: readonly string[] = [];

  private async headers(hasBody: boolean): Promise<RegistryResult<Record<string, string>>> {
    const headers: Record<string, string> = {
      Accept: 'application/vnd.schemaregistry.v1+json, application/json;q=0.9',
    };
    if (hasBody) headers['Content-Type'] = 'application/vnd.schemaregistry.v1+json';
    const auth = this.connection.auth ?? 'none';
    if (auth === 'none') return { ok: true, value: headers };
    let credentials;
    try {
      credentials = await this.secrets?.registryCredentials(this.connection.id);
    } catch {
      credentials = undefined;
    }
    if (!credentials || credentials.type !== auth) {
      return {
        ok: false,
        error: new RegistryError(
          'missingCredentials',
          `The schema registry of connection "${this.connection.id}" uses ${auth === 'basic' ? 'basic auth' : 'a bearer token'}, but no such credentials are stored for it. Set the connection's registry credentials, then try again.`,
        ),
      };
    }
    const encoded =
      credentials.type === 'basic'
        ? Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')
        : credentials.token;
    headers.Authorization = credentials.type === 'basic' ? `Basic ${encoded}` : `Bearer ${encoded}`;
    this.secretValues = [encoded, ...(credentials.type === 'basic' ? [credentials.password] : [])].filter(
      (s) => s.length >= 4,
    );
    return { ok: true, value: headers };
  }

  private async request<T>(spec: RequestSpec<T>): Promise<RegistryResult<T>> {
    if (this.configError) return { ok: false, error: this.configError };
    const label = `${spec.method} ${spec.path}`;
    const headers = await this.headers(spec.body !== undefined);
    if (!headers.ok) return headers;
    const url = new URL(`${this.base}${spec.path}${spec.query ? `?${spec.query}` : ''}`);
    const started = Date.now();
    const outcome = await this.http.send({
      method: spec.method,
      url,
      headers: headers.value,
      ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
      timeoutMs: this.timeoutMs,
    });
    const elapsed = Date.now() - started;
    if (!outcome.ok) {
      this.logger.debug(`${label} failed after ${elapsed} ms: ${outcome.kind} (${this.scrub(outcome.detail)})`);
      return { ok: false, error: transportFailure(outcome.kind, outcome.detail, label, this.errorContext()) };
    }
    const { status, body } = outcome.response;
    this.logger.trace(`${label} → ${status} in ${elapsed} ms`);
    let json: unknown;
    try {
      json = body.length ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    if (status >= 200 && status < 300) {
      const value = spec.parse(json);
      if (value === undefined) {
        return {
          ok: false,
          error: new RegistryError(
            'badResponse',
            `The schema registry at ${this.where} sent an answer this client does not understand when asked to ${spec.action}. Check that the URL points at a Confluent-compatible API (for Apicurio Registry: …/apis/ccompat/v7).`,
            { status, request: label },
          ),
        };
      }
      return { ok: true, value };
    }
    return { ok: false, error: statusFailure(status, json, body, { ...spec, label }, this.errorContext()) };
  }

  private errorContext(): ErrorContext {
    return {
      where: this.where,
      timeoutMs: this.timeoutMs,
      auth: this.connection.auth ?? 'none',
      scrub: (text) => this.scrub(text),
    };
  }

  private scrub(text: string): string {
    let out = text;
    for (const secret of this.secretValues) out = out.split(secret).join(REDACTED);
    return out;
  }
}

function schemaBody(schema: SchemaDefinition): Record<string, unknown> {
  return {
    schema: schema.schema,
    ...(schema.schemaType !== 'AVRO' ? { schemaType: schema.schemaType } : {}),
    ...(schema.references && schema.references.length ? { references: schema.references } : {}),
  };
}
