import type * as vscode from 'vscode';

/** What the refresher needs from the Clusters view. */
export interface RefreshableTree {
  getParent(node: vscode.TreeItem): vscode.TreeItem | undefined | null;
  /** Reloads one node (and its expanded children) by id; false when it is not on screen. */
  refreshNode(id: string): boolean;
}

/**
 * `kafkaLab.explorer.lagRefreshSeconds`: every N seconds, reloads the consumer-group nodes that are
 * expanded and visible — their state, member count, total lag and, when open, per-partition
 * offsets. Nothing else in the tree is touched, and nothing runs while the setting is 0 or the view
 * is hidden.
 */
export class GroupLagRefresher implements vscode.Disposable {
  /** Ids of the expanded consumer-group nodes. */
  private readonly groups = new Set<string>();
  /**
   * Ids of collapsed nodes: a group refreshes only while none of its ancestors is collapsed. (Tracked
   * as collapsed rather than expanded: VS Code can expand an ancestor without telling the extension,
   * e.g. while the tree reloads, but collapsing it always takes a user's action.)
   */
  private readonly collapsed = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;

  constructor(
    private readonly treeView: vscode.TreeView<vscode.TreeItem>,
    private readonly tree: RefreshableTree,
    private readonly seconds: () => number,
    onSecondsChanged: (listener: () => void) => vscode.Disposable,
  ) {
    this.subscriptions = [
      treeView.onDidExpandElement((e) => {
        if (!e.element.id) return;
        this.collapsed.delete(e.element.id);
        if ((e.element as { kind?: string }).kind === 'group') this.groups.add(e.element.id);
      }),
      treeView.onDidCollapseElement((e) => {
        if (!e.element.id) return;
        this.collapsed.add(e.element.id);
        this.groups.delete(e.element.id);
      }),
      onSecondsChanged(() => this.restart()),
    ];
    this.restart();
  }

  /** Refreshes so far (for tests and the log). */
  get refreshes(): number {
    return this.ticks;
  }

  /** Whether the timer runs. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  private restart(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    const seconds = this.seconds();
    if (seconds > 0) this.timer = setInterval(() => this.tick(), seconds * 1000);
  }

  /** One refresh: the expanded, visible group nodes, and nothing else. Returns their ids. */
  tick(): string[] {
    if (!this.treeView.visible) return [];
    const refreshed: string[] = [];
    for (const id of this.groups) {
      if (this.hiddenByAncestor(id)) continue;
      if (this.tree.refreshNode(id)) refreshed.push(id);
      else this.groups.delete(id); // not in the tree any more
    }
    if (refreshed.length) this.ticks++;
    return refreshed;
  }

  private hiddenByAncestor(id: string): boolean {
    for (let node = this.tree.getParent({ id } as vscode.TreeItem); node; node = this.tree.getParent(node)) {
      if (node.id && this.collapsed.has(node.id)) return true;
    }
    return false;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const s of this.subscriptions) s.dispose();
    this.groups.clear();
    this.collapsed.clear();
  }
}
