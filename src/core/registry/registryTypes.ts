import type { RegistryError } from './registryErrors';

/** The schema types of the Confluent Schema Registry API (absent in a response means AVRO). */
export type RegistrySchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

/** A pointer from one schema to another it imports (Avro named type, .proto file, JSON $ref). */
export interface SchemaReference {
  /** Avro: the full name of the referenced type; Protobuf: the import path; JSON Schema: the $ref URL. */
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

/** A schema to register or to check for compatibility. */
export interface SchemaDefinition {
  readonly schemaType: RegistrySchemaType;
  readonly schema: string;
  readonly references?: readonly SchemaReference[];
}

/** A schema as `GET /schemas/ids/{id}` returns it. */
export interface RegisteredSchema {
  readonly id: number;
  /** As the registry sent it (AVRO when absent); the codec refuses types it does not know. */
  readonly schemaType: string;
  readonly schema: string;
  readonly references: readonly SchemaReference[];
}

/** A schema as `GET /subjects/{subject}/versions/{version}` returns it. */
export interface SubjectVersionSchema extends RegisteredSchema {
  readonly subject: string;
  readonly version: number;
}

export interface SubjectVersion {
  readonly subject: string;
  readonly version: number;
}

export const compatibilityLevels = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof compatibilityLevels)[number];

export interface CompatibilityResult {
  readonly compatible: boolean;
  /** Why not, when the registry says (Confluent's `verbose=true`); may be empty. */
  readonly messages: readonly string[];
}

export type RegistryResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RegistryError };

/** Credentials for a registry, as the secret store hands them over. Never part of settings. */
export type RegistryCredentials =
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string };

/**
 * Where the registry client gets credentials: the extension adapts VS Code's SecretStorage to it.
 * Looked up on every request that needs them, so a changed secret applies at once.
 */
export interface RegistrySecretLookup {
  registryCredentials(connectionId: string): Promise<RegistryCredentials | undefined>;
}

/** How to reach a registry. Holds no secret: credentials come from a RegistrySecretLookup. */
export interface RegistryConnection {
  /** Identifies the connection to the secret lookup. */
  readonly id: string;
  /** Base URL of the Confluent-compatible API, e.g. https://registry:8081 or …/apis/ccompat/v7. */
  readonly url: string;
  /** Which kind of credentials to look up; 'none' (default) sends none. */
  readonly auth?: 'none' | 'basic' | 'bearer';
  /** PEM of a private CA for https registries (the contents, not a path). */
  readonly caPem?: string;
  /** Defaults to true. */
  readonly rejectUnauthorized?: boolean;
  /** Bound on every request; defaults to 5000 ms. */
  readonly requestTimeoutMs?: number;
}
