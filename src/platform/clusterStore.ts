import * as vscode from 'vscode';
import { type ClusterSettings, parseClusters } from '../core/connections/clusterSettings';
import type { Logger } from '../core/logging';

const SECTION = 'kafkaLab';
const KEY = 'clusters';

/** The saved cluster connections in user settings (`kafkaLab.clusters`), validated on every read. */
export class ClusterStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private lastProblems = '';

  constructor(private readonly logger: Logger) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.${KEY}`)) this.changed.fire();
    });
  }

  list(): ClusterSettings[] {
    const { clusters, problems } = parseClusters(vscode.workspace.getConfiguration(SECTION).get<unknown>(KEY, []));
    const joined = problems.join('\n');
    if (joined && joined !== this.lastProblems) {
      this.logger.warn(`Ignoring invalid cluster settings:\n${joined}`);
      void vscode.window.showWarningMessage(
        `Kafka Consumer Lab: some cluster settings are invalid and were ignored: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more, see the log)` : ''}`,
      );
    }
    this.lastProblems = joined;
    return clusters;
  }

  get(id: string): ClusterSettings | undefined {
    return this.list().find((c) => c.id === id);
  }

  async save(cluster: ClusterSettings): Promise<void> {
    const clusters = this.list();
    const index = clusters.findIndex((c) => c.id === cluster.id);
    if (index >= 0) clusters[index] = cluster;
    else clusters.push(cluster);
    await this.write(clusters);
  }

  async remove(id: string): Promise<void> {
    await this.write(this.list().filter((c) => c.id !== id));
  }

  async write(clusters: readonly ClusterSettings[]): Promise<void> {
    await vscode.workspace.getConfiguration(SECTION).update(KEY, clusters, vscode.ConfigurationTarget.Global);
    this.changed.fire();
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
