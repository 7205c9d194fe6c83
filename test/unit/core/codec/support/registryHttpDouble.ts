// A test double for the registry's HTTP layer: an in-memory Confluent-style registry that records
// every request and can be told to fail the way real registries and networks fail. No network.
import type {
  RegistryHttp,
  RegistryHttpOutcome,
  RegistryHttpRequest,
} from '../../../../../src/core/registry/registryHttp';
import type { SchemaReference } from '../../../../../src/core/registry/registryTypes';

export interface StoredSchema {
  readonly schemaType: 'AVRO' | 'PROTOBUF' | 'JSON';
  readonly schema: string;
  readonly references?: readonly SchemaReference[];
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

type Failure = { kind: 'unreachable' | 'timeout' | 'tls'; detail?: string } | { status: number; body: unknown };

export class RegistryHttpDouble implements RegistryHttp {
  readonly requests: RecordedRequest[] = [];
  /** When set, every request fails this way (network failure or an HTTP status with a body). */
  failure: Failure | undefined;
  /** Delays every answer, to let concurrent callers pile up. */
  delayMs = 0;
  /** When true, requests never answer until the request's own timeout (a hung registry). */
  hang = false;
  /** The answer to compatibility checks. */
  compatible = true;
  /** Apicurio 3.0 answers 422 to compatibility checks of schemas with references. */
  compatibilityFailsWithReferences = false;
  closed = false;

  private nextId = 1;
  private readonly byId = new Map<number, StoredSchema>();
  private readonly subjects = new Map<string, number[]>();
  private readonly config = new Map<string, string>();

  /** Registers a schema (idempotent per subject) and returns its id and version. */
  add(subject: string, schema: StoredSchema): { id: number; version: number } {
    let id = [...this.byId.entries()].find(
      ([, s]) => s.schema === schema.schema && s.schemaType === schema.schemaType,
    )?.[0];
    if (id === undefined) {
      id = this.nextId++;
      this.byId.set(id, schema);
    }
    const versions = this.subjects.get(subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    this.subjects.set(subject, versions);
    return { id, version: versions.indexOf(id) + 1 };
  }

  /** Stores a schema under a fixed id without a subject (as if the subject had been deleted). */
  addOrphan(id: number, schema: StoredSchema): void {
    this.byId.set(id, schema);
  }

  count(method: string, pathPrefix: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
  }

  close(): void {
    this.closed = true;
  }

  async send(request: RegistryHttpRequest): Promise<RegistryHttpOutcome> {
    const path = request.url.pathname.replace(/^\/base/, '') + request.url.search;
    this.requests.push({
      method: request.method,
      path,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
    });
    if (this.hang) {
      await new Promise((resolve) => setTimeout(resolve, request.timeoutMs));
      return { ok: false, kind: 'timeout', detail: `no complete answer within ${request.timeoutMs} ms` };
    }
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const failure = this.failure;
    if (failure) {
      if ('kind' in failure)
        return { ok: false, kind: failure.kind, detail: failure.detail ?? `${failure.kind} (double)` };
      return this.json(failure.status, failure.body);
    }
    return this.route(request.method, request.url, request.body);
  }

  private json(status: number, body: unknown): RegistryHttpOutcome {
    return {
      ok: true,
      response: { status, body: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body) },
    };
  }

  private route(method: string, url: URL, body: string | undefined): RegistryHttpOutcome {
    const parts = url.pathname
      .replace(/^\/base/, '')
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
    const notFound = (code: number, message: string): RegistryHttpOutcome =>
      this.json(404, { error_code: code, message });
    const schemaJson = (id: number, stored: StoredSchema): Record<string, unknown> => ({
      schema: stored.schema,
      ...(stored.schemaType !== 'AVRO' ? { schemaType: stored.schemaType } : {}),
      references: stored.references ?? [],
      id,
    });
    if (parts[0] === 'schemas' && parts[1] === 'ids') {
      const id = Number(parts[2]);
      const stored = this.byId.get(id);
      if (!stored) return notFound(40403, `Schema ${id} not found`);
      if (parts[3] === 'versions') {
        const usage = [...this.subjects.entries()]
          .filter(([, ids]) => ids.includes(id))
          .map(([subject, ids]) => ({ subject, version: ids.indexOf(id) + 1 }));
        return this.json(200, usage);
      }
      const body = schemaJson(id, stored);
      delete body.id;
      return this.json(200, body);
    }
    if (parts[0] === 'subjects' && parts.length === 1) return this.json(200, [...this.subjects.keys()]);
    if (parts[0] === 'subjects') {
      const subject = parts[1];
      const versions = this.subjects.get(subject);
      if (method === 'POST' && parts[2] === 'versions') {
        const request = JSON.parse(body ?? '{}') as {
          schema: string;
          schemaType?: StoredSchema['schemaType'];
          references?: SchemaReference[];
        };
        if (!this.compatible && versions?.length)
          return this.json(409, {
            error_code: 409,
            message: 'Schema being registered is incompatible with an earlier schema',
          });
        const { id } = this.add(subject, {
          schemaType: request.schemaType ?? 'AVRO',
          schema: request.schema,
          references: request.references ?? [],
        });
        return this.json(200, { id });
      }
      if (!versions) return notFound(40401, `Subject '${subject}' not found.`);
      if (method === 'DELETE') {
        this.subjects.delete(subject);
        return this.json(
          200,
          versions.map((_, i) => i + 1),
        );
      }
      if (parts[2] === 'versions' && parts.length === 3)
        return this.json(
          200,
          versions.map((_, i) => i + 1),
        );
      if (parts[2] === 'versions') {
        const version = parts[3] === 'latest' ? versions.length : Number(parts[3]);
        const id = versions[version - 1];
        if (id === undefined) return notFound(40402, `Version ${parts[3]} not found.`);
        return this.json(200, { subject, version, ...schemaJson(id, this.byId.get(id) as StoredSchema) });
      }
    }
    if (parts[0] === 'compatibility') {
      const subject = parts[2];
      if (!this.subjects.get(subject)) return notFound(40401, `Subject '${subject}' not found.`);
      const request = JSON.parse(body ?? '{}') as { references?: SchemaReference[] };
      if (this.compatibilityFailsWithReferences && request.references?.length)
        return this.json(422, {
          error_code: 42201,
          message: 'Could not execute compatibility rule on invalid Avro schema',
        });
      return this.json(
        200,
        this.compatible
          ? { is_compatible: true }
          : {
              is_compatible: false,
              messages: ['reader type: STRING not compatible with writer type: INT at /fields/0/type'],
            },
      );
    }
    if (parts[0] === 'config') {
      const subject = parts[1];
      if (method === 'PUT') {
        const request = JSON.parse(body ?? '{}') as { compatibility: string };
        this.config.set(subject ?? '', request.compatibility);
        return this.json(200, { compatibility: request.compatibility });
      }
      if (subject !== undefined && !this.config.has(subject)) {
        // Confluent's answer for a subject without its own level (without defaultToGlobal).
        return notFound(40408, `Subject '${subject}' does not have subject-level compatibility configured`);
      }
      return this.json(200, { compatibilityLevel: this.config.get(subject ?? '') ?? 'BACKWARD' });
    }
    return this.json(404, { error_code: 404, message: 'HTTP 404 Not Found' });
  }
}
