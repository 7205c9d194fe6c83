import * as vscode from 'vscode';
import type { ViewerPanel } from './viewerPanel';

/**
 * The open message viewers. Unlike session panels they are not found by key: the same topic may be
 * open in several viewers at once (different start positions, filters), each with its own buffer
 * and consumer. A closed panel leaves the list; disposing the list closes them all.
 */
export class ViewerPanels implements vscode.Disposable {
  private readonly panels = new Map<string, ViewerPanel>();
  /** The panel the developer last acted in (the export command's default). */
  private lastActive: string | undefined;

  add(panel: ViewerPanel): void {
    this.panels.set(panel.id, panel);
    this.lastActive = panel.id;
    this.updateContext();
    panel.onDidDispose(() => {
      this.panels.delete(panel.id);
      if (this.lastActive === panel.id) this.lastActive = undefined;
      this.updateContext();
    });
  }

  private hasViewers: boolean | undefined;

  /** `kafkaLab.hasViewers`: the export command is offered in the palette only while a viewer is open. */
  private updateContext(): void {
    const now = this.panels.size > 0;
    if (now !== this.hasViewers)
      void vscode.commands.executeCommand('setContext', 'kafkaLab.hasViewers', (this.hasViewers = now));
  }

  get(id: string): ViewerPanel | undefined {
    const panel = this.panels.get(id);
    return panel && !panel.isDisposed ? panel : undefined;
  }

  /** The visible viewer, else the last one opened or used. */
  get active(): ViewerPanel | undefined {
    const visible = this.list().find((p) => p.host.visible);
    return visible ?? (this.lastActive ? this.get(this.lastActive) : undefined) ?? this.list().at(-1);
  }

  touch(panel: ViewerPanel): void {
    if (this.panels.has(panel.id)) this.lastActive = panel.id;
  }

  list(): ViewerPanel[] {
    return [...this.panels.values()].filter((p) => !p.isDisposed);
  }

  get size(): number {
    return this.list().length;
  }

  /** Closes every viewer and waits (bounded by each viewer's own stop) until their consumers are closed. */
  async closeAll(): Promise<void> {
    const panels = this.list();
    for (const panel of panels) panel.dispose();
    await Promise.all(panels.map((p) => p.stop()));
  }

  dispose(): void {
    for (const panel of this.list()) panel.dispose();
    this.panels.clear();
  }
}
