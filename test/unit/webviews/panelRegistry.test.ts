import { strict as assert } from 'node:assert';
import { PanelRegistry, type RegisteredPanel } from '../../../src/webviews/shared/panelRegistry';

class FakePanel implements RegisteredPanel {
  isDisposed = false;
  reveals = 0;
  private listeners: Array<() => void> = [];
  constructor(readonly name: string) {}
  reveal(): void {
    this.reveals++;
  }
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    for (const listener of this.listeners.splice(0)) listener();
  }
  onDidDispose(listener: () => void): void {
    this.listeners.push(listener);
  }
}

describe('the panel registry (find or create)', () => {
  it('creates one panel per key and reveals it when asked again', () => {
    const registry = new PanelRegistry<string, FakePanel>();
    let created = 0;
    const make = (name: string) => () => {
      created++;
      return new FakePanel(name);
    };
    const first = registry.findOrCreate('session-1', make('a'));
    const again = registry.findOrCreate('session-1', make('b'));
    const other = registry.findOrCreate('session-2', make('c'));
    assert.equal(first.created, true);
    assert.equal(again.created, false);
    assert.equal(again.panel, first.panel);
    assert.equal(first.panel.reveals, 1);
    assert.equal(other.panel.name, 'c');
    assert.equal(created, 2);
    assert.equal(registry.size, 2);
  });

  it('forgets a panel the user closed, and makes a new one next time', () => {
    const registry = new PanelRegistry<string, FakePanel>();
    const { panel } = registry.findOrCreate('s', () => new FakePanel('old'));
    panel.dispose();
    assert.equal(registry.get('s'), undefined);
    const next = registry.findOrCreate('s', () => new FakePanel('new'));
    assert.equal(next.created, true);
    assert.equal(next.panel.name, 'new');
    // the old panel's late dispose event does not remove the new one
    panel.dispose();
    assert.equal(registry.get('s'), next.panel);
  });

  it('retain closes the panels whose key is gone; dispose closes all', () => {
    const registry = new PanelRegistry<string, FakePanel>();
    const panels = ['a', 'b', 'c'].map((k) => registry.findOrCreate(k, () => new FakePanel(k)).panel);
    assert.equal(
      registry.retain((k) => k !== 'b'),
      1,
    );
    assert.deepEqual(
      panels.map((p) => p.isDisposed),
      [false, true, false],
    );
    assert.deepEqual(
      registry.entries().map(([k]) => k),
      ['a', 'c'],
    );
    registry.close('a');
    assert.equal(panels[0]!.isDisposed, true);
    registry.dispose();
    assert.ok(panels.every((p) => p.isDisposed));
    assert.equal(registry.size, 0);
  });
});
