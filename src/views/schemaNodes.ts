import * as vscode from 'vscode';
import type { RegistryError } from '../core/registry/registryErrors';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import type { Logger } from '../core/logging';
import type { SchemaRegistryClient } from '../core/registry/registryClient';
import type { RegistryResult, SchemaReference } from '../core/registry/registryTypes';

/** Subjects shown per page under a registry; past it a "Load more" node. */
export const SUBJECT_PAGE_SIZE = 200;
/** Requests in flight at once when a level needs one request per row (latest version, schema id). */
const CONCURRENCY = 8;

export type RegistryProvider = (cluster: ClusterSettings) => SchemaRegistryClient | undefined;

export class SchemaRegistryNode extends vscode.TreeItem {
  readonly kind = 'schemaRegistry';
  constructor(readonly cluster: ClusterSettings) {
    super('Schema Registry', vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `cluster:${cluster.id}/schemas`;
    this.contextValue = 'kafkaLab.schemaRegistry';
    this.tooltip = `${cluster.registry?.url ?? ''}${cluster.registry && cluster.registry.auth !== 'none' ? ` (${cluster.registry.auth} auth)` : ''}`;
    this.iconPath = new vscode.ThemeIcon('database');
  }
}

export class SubjectNode extends vscode.TreeItem {
  readonly kind = 'subject';
  constructor(
    readonly cluster: ClusterSettings,
    readonly subject: string,
    latest: { schemaType: string; version: number; id: number } | RegistryError,
  ) {
    super(subject, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `cluster:${cluster.id}/schemas/subject:${subject}`;
    this.contextValue = 'kafkaLab.subject';
    this.iconPath = new vscode.ThemeIcon('symbol-class');
    if ('reason' in latest) {
      this.description = 'latest version unavailable';
      this.tooltip = latest.message;
    } else {
      this.description = `${latest.schemaType} · v${latest.version}`;
      this.tooltip = new vscode.MarkdownString(
        [
          `**${subject}**`,
          `Format: ${latest.schemaType}`,
          `Latest version: ${latest.version} (schema id ${latest.id})`,
        ].join('\n\n'),
      );
    }
  }
}

export class SchemaVersionNode extends vscode.TreeItem {
  readonly kind = 'schemaVersion';
  constructor(
    readonly cluster: ClusterSettings,
    readonly subject: string,
    readonly version: number,
    readonly schemaId: number,
    readonly schemaType: string,
    references: readonly SchemaReference[],
    latest: boolean,
  ) {
    super(`v${version}`, vscode.TreeItemCollapsibleState.None);
    this.id = `cluster:${cluster.id}/schemas/subject:${subject}/v:${version}`;
    this.contextValue = 'kafkaLab.schemaVersion';
    this.description = `id ${schemaId}${latest ? ' · latest' : ''}`;
    this.iconPath = new vscode.ThemeIcon('git-commit');
    this.tooltip = new vscode.MarkdownString(
      [
        `**${subject}** version ${version}`,
        `Schema id: ${schemaId}`,
        `Format: ${schemaType}`,
        references.length
          ? `References: ${references.map((r) => `${r.name} → ${r.subject} v${r.version}`).join(', ')}`
          : 'No references',
      ].join('\n\n'),
    );
    this.command = { command: 'kafkaLab.openSchemaVersion', title: 'Open Schema Version', arguments: [this] };
  }
}

class SchemaInfoNode extends vscode.TreeItem {
  readonly kind = 'schemaInfo';
  constructor(label: string, description?: string, options: { error?: boolean; tooltip?: string } = {}) {
    super(label, vscode.TreeItemCollapsibleState.None);
    if (description) this.description = description;
    if (options.tooltip) this.tooltip = options.tooltip;
    this.iconPath = new vscode.ThemeIcon(
      options.error ? 'error' : 'info',
      options.error ? new vscode.ThemeColor('errorForeground') : undefined,
    );
    if (options.error) {
      this.contextValue = 'kafkaLab.error';
      this.command = { command: 'kafkaLab.showLog', title: 'Show Log' };
    }
  }
}

class LoadMoreSubjectsNode extends vscode.TreeItem {
  readonly kind = 'schemaLoadMore';
  constructor(cluster: ClusterSettings, shown: number, total: number) {
    super(`Load more… (${shown} of ${total} subjects shown)`, vscode.TreeItemCollapsibleState.None);
    this.id = `cluster:${cluster.id}/schemas/more:${shown}`;
    this.iconPath = new vscode.ThemeIcon('ellipsis');
    this.command = { command: 'kafkaLab.loadMoreSubjects', title: 'Load more subjects', arguments: [cluster.id] };
  }
}

export type SchemaNode = SchemaRegistryNode | SubjectNode | SchemaVersionNode | SchemaInfoNode | LoadMoreSubjectsNode;

const schemaKinds = new Set(['schemaRegistry', 'subject', 'schemaVersion', 'schemaInfo', 'schemaLoadMore']);

export function isSchemaNode(node: { readonly kind: string }): node is SchemaNode {
  return schemaKinds.has(node.kind);
}

/**
 * Maps over items with at most `limit` calls in flight. After the first registry-wide failure
 * (unreachable, refused credentials) the rest are not asked: they would fail the same way.
 */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<RegistryResult<R>>,
): Promise<Array<RegistryResult<R>>> {
  const out: Array<RegistryResult<R>> = new Array(items.length);
  let next = 0;
  let stop: RegistryError | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      if (stop) {
        out[i] = { ok: false, error: stop };
        continue;
      }
      out[i] = await fn(items[i]);
      const result = out[i];
      if (!result.ok && result.error.isRegistryWide) stop = result.error;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * The Schema Registry part of the Clusters tree: registry → subjects (sorted, paged) → versions.
 * Each level loads when expanded, with the client's time bound per request; a failure becomes an
 * error node with its cause (and a line in the log), never a spinner.
 */
export class SchemaTree {
  private readonly pages = new Map<string, number>();

  constructor(
    private readonly registries: RegistryProvider,
    private readonly logger: Logger,
  ) {}

  /** The "Schema Registry" folder of a cluster, or undefined when it has no registry. */
  folder(cluster: ClusterSettings): SchemaRegistryNode | undefined {
    return cluster.registry ? new SchemaRegistryNode(cluster) : undefined;
  }

  loadMore(clusterId: string): void {
    this.pages.set(clusterId, (this.pages.get(clusterId) ?? 1) + 1);
  }

  async children(node: SchemaNode): Promise<SchemaNode[]> {
    switch (node.kind) {
      case 'schemaRegistry':
        return this.subjects(node.cluster);
      case 'subject':
        return this.versions(node.cluster, node.subject);
      default:
        return [];
    }
  }

  private client(cluster: ClusterSettings): SchemaRegistryClient {
    const client = this.registries(cluster);
    if (!client)
      throw new Error(
        `The connection "${cluster.name}" has no Schema Registry. Add its URL with "Edit Cluster Connection".`,
      );
    return client;
  }

  private errorNode(what: string, error: unknown): SchemaInfoNode {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn(`Could not load ${what}: ${message}`);
    return new SchemaInfoNode(`Could not load ${what}`, message, {
      error: true,
      tooltip: `${message}\n\nClick to show the log.`,
    });
  }

  private async subjects(cluster: ClusterSettings): Promise<SchemaNode[]> {
    try {
      const client = this.client(cluster);
      const listed = await client.listSubjects();
      if (!listed.ok) return [this.errorNode('subjects', listed.error)];
      const subjects = [...listed.value].sort((a, b) => a.localeCompare(b));
      if (subjects.length === 0)
        return [new SchemaInfoNode('No subjects', 'register one with "Register Schema from Editor"')];
      const shown = subjects.slice(0, SUBJECT_PAGE_SIZE * (this.pages.get(cluster.id) ?? 1));
      const latest = await mapBounded(shown, CONCURRENCY, (subject) => client.getSchemaByVersion(subject, 'latest'));
      const wide = latest.find((r) => !r.ok && r.error.isRegistryWide);
      if (wide && !wide.ok) return [this.errorNode('subjects', wide.error)];
      const nodes: SchemaNode[] = shown.map((subject, i) => {
        const result = latest[i];
        return new SubjectNode(cluster, subject, result.ok ? result.value : result.error);
      });
      if (shown.length < subjects.length) nodes.push(new LoadMoreSubjectsNode(cluster, shown.length, subjects.length));
      return nodes;
    } catch (error) {
      return [this.errorNode('subjects', error)];
    }
  }

  private async versions(cluster: ClusterSettings, subject: string): Promise<SchemaNode[]> {
    try {
      const client = this.client(cluster);
      const listed = await client.listVersions(subject);
      if (!listed.ok) return [this.errorNode(`the versions of ${subject}`, listed.error)];
      const versions = [...listed.value].sort((a, b) => a - b);
      if (versions.length === 0) return [new SchemaInfoNode('No versions')];
      const read = await mapBounded(versions, CONCURRENCY, (version) => client.getSchemaByVersion(subject, version));
      const newest = versions[versions.length - 1];
      return versions.map((version, i) => {
        const result = read[i];
        if (!result.ok) return this.errorNode(`version ${version} of ${subject}`, result.error);
        return new SchemaVersionNode(
          cluster,
          subject,
          version,
          result.value.id,
          result.value.schemaType,
          result.value.references,
          version === newest,
        );
      });
    } catch (error) {
      return [this.errorNode(`the versions of ${subject}`, error)];
    }
  }
}
