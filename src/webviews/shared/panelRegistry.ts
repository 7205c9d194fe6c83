/**
 * Find-or-create for webview panels (the shape of Confluent's webview-cache.ts): one panel per key
 * (a session id, a topic), revealed when asked for again, forgotten when it closes. Generic over
 * the panel, so it needs no vscode and is unit-tested with plain objects.
 */
export interface RegisteredPanel {
  readonly isDisposed: boolean;
  reveal(): void;
  dispose(): void;
  /** Fires once when the panel closes (by the user or by `dispose`). */
  onDidDispose(listener: () => void): unknown;
}

export class PanelRegistry<K, P extends RegisteredPanel> {
  private readonly panels = new Map<K, P>();

  /** The open panel for `key`, revealed; or a new one from `create`, registered until it closes. */
  findOrCreate(key: K, create: () => P): { readonly panel: P; readonly created: boolean } {
    const open = this.get(key);
    if (open) {
      open.reveal();
      return { panel: open, created: false };
    }
    const panel = create();
    this.panels.set(key, panel);
    panel.onDidDispose(() => {
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
    return { panel, created: true };
  }

  /** The open panel for `key`, if any. */
  get(key: K): P | undefined {
    const panel = this.panels.get(key);
    if (panel?.isDisposed) {
      this.panels.delete(key);
      return undefined;
    }
    return panel;
  }

  /** The open panels, with their keys. */
  entries(): Array<[K, P]> {
    return [...this.panels].filter(([, panel]) => !panel.isDisposed);
  }

  /** Closes the panels whose key `keep` refuses (their session ended, say); returns how many. */
  retain(keep: (key: K) => boolean): number {
    let closed = 0;
    for (const [key, panel] of [...this.panels]) {
      if (keep(key)) continue;
      this.panels.delete(key);
      panel.dispose();
      closed++;
    }
    return closed;
  }

  /** Closes the panel for `key`, if open. */
  close(key: K): void {
    const panel = this.panels.get(key);
    this.panels.delete(key);
    panel?.dispose();
  }

  get size(): number {
    return this.entries().length;
  }

  dispose(): void {
    const panels = [...this.panels.values()];
    this.panels.clear();
    for (const panel of panels) panel.dispose();
  }
}
