import type * as vscode from 'vscode';
import { type ClusterSettings, type SecretLookup, resolveConnection } from '../core/connections/clusterSettings';
import { KafkaAdmin } from '../core/kafka/admin';
import type { ClusterConnection } from '../core/kafka/connection';
import type { Logger } from '../core/logging';

/**
 * One admin client per cluster, made on first use (so the native client loads only when a cluster
 * is expanded) and replaced when the cluster's settings change. Secrets are read when it is made.
 */
export class ClusterClients implements vscode.Disposable {
  private readonly admins = new Map<string, { fingerprint: string; admin: Promise<KafkaAdmin> }>();

  constructor(
    private readonly secrets: SecretLookup,
    private readonly logger: Logger,
  ) {}

  admin(cluster: ClusterSettings): Promise<KafkaAdmin> {
    const fingerprint = JSON.stringify(cluster);
    const cached = this.admins.get(cluster.id);
    if (cached && cached.fingerprint === fingerprint) return cached.admin;
    if (cached)
      void cached.admin.then(
        (a) => a.close(),
        () => undefined,
      );
    const admin = resolveConnection(cluster, this.secrets).then(
      (connection) => new KafkaAdmin(connection, { timeoutMs: 10_000, logger: this.logger.child(cluster.name) }),
    );
    this.admins.set(cluster.id, { fingerprint, admin });
    return admin;
  }

  /** The cluster's connection with its secrets, for a consumer session (secrets read now). */
  connection(cluster: ClusterSettings): Promise<ClusterConnection> {
    return resolveConnection(cluster, this.secrets);
  }

  /** Drops a cluster's client (removed, or its secrets changed). */
  forget(clusterId: string): void {
    const cached = this.admins.get(clusterId);
    this.admins.delete(clusterId);
    if (cached)
      void cached.admin.then(
        (a) => a.close(),
        () => undefined,
      );
  }

  dispose(): void {
    for (const id of [...this.admins.keys()]) this.forget(id);
  }
}
