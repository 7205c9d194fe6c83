import * as vscode from 'vscode';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import type { ClusterStore } from '../platform/clusterStore';

export interface ClusterPickOptions {
  readonly title: string;
  readonly placeHolder?: string;
  /** Only these clusters are offered (e.g. those with a Schema Registry). */
  readonly filter?: (cluster: ClusterSettings) => boolean;
  /** The item's description; default the bootstrap servers. */
  readonly describe?: (cluster: ClusterSettings) => string | undefined;
  /** Shown (as information) when no cluster qualifies. */
  readonly noneMessage?: string;
  /** With a single qualifying cluster, take it without asking. */
  readonly takeSingle?: boolean;
}

/** The commands' one cluster prompt. Undefined when the user cancels or no cluster qualifies. */
export async function pickCluster(
  store: ClusterStore,
  options: ClusterPickOptions,
): Promise<ClusterSettings | undefined> {
  const clusters = options.filter ? store.list().filter(options.filter) : store.list();
  if (clusters.length === 0) {
    void vscode.window.showInformationMessage(
      `Kafka Consumer Lab: ${options.noneMessage ?? 'no cluster connections yet. Add one with "Kafka: Add Cluster Connection".'}`,
    );
    return undefined;
  }
  if (options.takeSingle && clusters.length === 1) return clusters[0];
  const picked = await vscode.window.showQuickPick(
    clusters.map((c) => ({
      label: c.name,
      description: (options.describe ?? ((x: ClusterSettings) => x.bootstrapServers))(c),
      cluster: c,
    })),
    { title: options.title, placeHolder: options.placeHolder ?? 'Choose a cluster connection' },
  );
  return picked?.cluster;
}
