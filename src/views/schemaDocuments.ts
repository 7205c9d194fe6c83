import * as vscode from 'vscode';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import { formatSchemaText, schemaFileExtension } from '../core/registry/schemaText';
import type { SubjectVersionSchema } from '../core/registry/registryTypes';
import type { RegistryProvider } from './schemaNodes';

/** The URI scheme of read-only schema versions: kafkalab-schema:/<cluster>/<subject>/<version>/<name>.<ext> */
export const SCHEMA_SCHEME = 'kafkalab-schema';

export interface SchemaVersionRef {
  readonly clusterId: string;
  readonly subject: string;
  readonly version: number;
}

/**
 * The URI of one schema version. The file name ends in .json (Avro, JSON Schema) or .proto, so
 * editors and diff editors pick the language from it; the tab reads "<subject> v<version>.json".
 */
export function schemaVersionUri(ref: SchemaVersionRef, schemaType: string): vscode.Uri {
  const name = `${ref.subject.replace(/[\\/]/g, '_')} v${ref.version}.${schemaFileExtension(schemaType)}`;
  return vscode.Uri.from({
    scheme: SCHEMA_SCHEME,
    path: `/${encodeURIComponent(ref.clusterId)}/${encodeURIComponent(ref.subject)}/${ref.version}/${name}`,
  });
}

export function parseSchemaVersionUri(uri: vscode.Uri): SchemaVersionRef | undefined {
  if (uri.scheme !== SCHEMA_SCHEME) return undefined;
  const [, cluster, subject, version] = uri.path.split('/');
  const number = Number(version);
  if (!cluster || !subject || !Number.isInteger(number)) return undefined;
  try {
    return { clusterId: decodeURIComponent(cluster), subject: decodeURIComponent(subject), version: number };
  } catch {
    return undefined;
  }
}

/**
 * Serves schema versions as read-only documents, pretty-printed. A soft-deleted version still
 * opens (its schema id still resolves), so a diff against it keeps working after a delete.
 */
export class SchemaDocuments implements vscode.TextDocumentContentProvider {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly clusterOf: (clusterId: string) => ClusterSettings | undefined,
    private readonly registries: RegistryProvider,
  ) {}

  /** Reads a version from the registry (and keeps its text for the document). */
  async load(
    ref: SchemaVersionRef | (Omit<SchemaVersionRef, 'version'> & { version: 'latest' }),
  ): Promise<{ schema: SubjectVersionSchema; uri: vscode.Uri }> {
    const cluster = this.clusterOf(ref.clusterId);
    if (!cluster) throw new Error(`There is no cluster connection with id "${ref.clusterId}".`);
    const client = this.registries(cluster);
    if (!client) throw new Error(`The connection "${cluster.name}" has no Schema Registry.`);
    const read = await client.getSchemaByVersion(ref.subject, ref.version, { deleted: true });
    if (!read.ok) throw read.error;
    const uri = schemaVersionUri(
      { clusterId: ref.clusterId, subject: ref.subject, version: read.value.version },
      read.value.schemaType,
    );
    this.remember(uri, formatSchemaText(read.value.schemaType, read.value.schema));
    return { schema: read.value, uri };
  }

  /** Forgets what was read for a subject (after a delete or a registration). */
  forget(clusterId: string, subject?: string): void {
    const prefix = vscode.Uri.from({
      scheme: SCHEMA_SCHEME,
      path: `/${encodeURIComponent(clusterId)}/${subject === undefined ? '' : `${encodeURIComponent(subject)}/`}`,
    }).toString();
    for (const key of [...this.cache.keys()]) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const cached = this.cache.get(uri.toString());
    if (cached !== undefined) return cached;
    const ref = parseSchemaVersionUri(uri);
    if (!ref) throw new Error(`${uri.toString()} is not a schema version.`);
    const { uri: canonical } = await this.load(ref);
    return this.cache.get(canonical.toString()) ?? '';
  }

  private remember(uri: vscode.Uri, text: string): void {
    // Versions are immutable; a small bound keeps a long session from collecting every schema.
    if (this.cache.size >= 200) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(uri.toString(), text);
  }
}
