import type * as vscode from 'vscode';
import {
  type ClusterSettings,
  type SecretKind,
  type SecretLookup,
  secretKey,
  secretKinds,
} from '../core/connections/clusterSettings';

/** Cluster secrets in VS Code's SecretStorage (the OS keychain), never in settings or logs. */
export class ClusterSecrets {
  constructor(private readonly storage: vscode.SecretStorage) {}

  readonly lookup: SecretLookup = (key) => Promise.resolve(this.storage.get(key));

  async set(clusterId: string, kind: SecretKind, value: string | undefined): Promise<void> {
    if (value === undefined) return;
    if (value === '') await this.storage.delete(secretKey(clusterId, kind));
    else await this.storage.store(secretKey(clusterId, kind), value);
  }

  async has(clusterId: string, kind: SecretKind): Promise<boolean> {
    return (await this.storage.get(secretKey(clusterId, kind))) !== undefined;
  }

  /** Removes every secret of a cluster (when the cluster is removed). */
  async deleteAll(cluster: Pick<ClusterSettings, 'id'>): Promise<void> {
    await Promise.all(secretKinds.map((kind) => this.storage.delete(secretKey(cluster.id, kind))));
  }
}
