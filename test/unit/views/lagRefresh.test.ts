import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import { GroupLagRefresher, type RefreshableTree } from '../../../src/views/lagRefresh';

// The refresher only uses the TreeView's events and visibility, so plain fakes stand in for VS Code.
type Listener<T> = (e: T) => void;
function emitter<T>() {
  const listeners = new Set<Listener<T>>();
  const event = (listener: Listener<T>) => {
    listeners.add(listener);
    return { dispose: () => listeners.delete(listener) };
  };
  return {
    event,
    fire: (e: T) => listeners.forEach((l) => l(e)),
    get size() {
      return listeners.size;
    },
  };
}

type Item = { id: string; kind?: string };
const cluster: Item = { id: 'cluster:c', kind: 'cluster' };
const groups: Item = { id: 'cluster:c/groups', kind: 'folder' };
const g1: Item = { id: 'cluster:c/group:g1', kind: 'group' };
const g2: Item = { id: 'cluster:c/group:g2', kind: 'group' };
const topics: Item = { id: 'cluster:c/topics', kind: 'folder' };
const parents: Record<string, Item | undefined> = {
  [groups.id]: cluster,
  [g1.id]: groups,
  [g2.id]: groups,
  [topics.id]: cluster,
};

function rig(seconds: number) {
  const expand = emitter<vscode.TreeViewExpansionEvent<vscode.TreeItem>>();
  const collapse = emitter<vscode.TreeViewExpansionEvent<vscode.TreeItem>>();
  const setting = emitter<void>();
  const treeView = {
    visible: true,
    onDidExpandElement: expand.event,
    onDidCollapseElement: collapse.event,
  } as unknown as vscode.TreeView<vscode.TreeItem>;
  const refreshed: string[] = [];
  const onScreen = new Set([cluster, groups, g1, g2, topics].map((i) => i.id));
  const tree: RefreshableTree = {
    getParent: (node) => parents[node.id ?? ''] as vscode.TreeItem | undefined,
    refreshNode: (id) => {
      if (!onScreen.has(id)) return false;
      refreshed.push(id);
      return true;
    },
  };
  let value = seconds;
  const refresher = new GroupLagRefresher(
    treeView,
    tree,
    () => value,
    (listener) => setting.event(listener),
  );
  return {
    refresher,
    refreshed,
    onScreen,
    treeView: treeView as { visible: boolean },
    expand: (...items: Item[]) => items.forEach((i) => expand.fire({ element: i as vscode.TreeItem })),
    collapse: (...items: Item[]) => items.forEach((i) => collapse.fire({ element: i as vscode.TreeItem })),
    setSeconds: (s: number) => {
      value = s;
      setting.fire();
    },
    listeners: () => expand.size + collapse.size + setting.size,
  };
}

describe('lag auto-refresh of expanded consumer groups', () => {
  it('does nothing while the setting is 0', () => {
    const r = rig(0);
    assert.equal(r.refresher.running, false);
    r.refresher.dispose();
  });

  it('refreshes only expanded groups with no collapsed ancestor, never folders or topics', () => {
    const r = rig(0);
    r.expand(cluster, topics, groups);
    assert.deepEqual(r.refresher.tick(), [], 'no group expanded');
    r.expand(g1);
    assert.deepEqual(r.refresher.tick(), [g1.id]);
    r.collapse(groups);
    assert.deepEqual(r.refresher.tick(), [], 'the Consumer Groups folder is collapsed, so g1 is not on screen');
    r.expand(groups);
    assert.deepEqual(r.refresher.tick(), [g1.id], 'open again: g1 is still expanded inside it');
    r.expand(g2);
    assert.deepEqual(r.refresher.tick().sort(), [g1.id, g2.id]);
    r.collapse(g1);
    assert.deepEqual(r.refresher.tick(), [g2.id]);
    r.collapse(cluster);
    assert.deepEqual(r.refresher.tick(), []);
    r.refresher.dispose();
  });

  it('skips a hidden view and forgets groups that left the tree', () => {
    const r = rig(0);
    r.expand(cluster, groups, g1, g2);
    r.treeView.visible = false;
    assert.deepEqual(r.refresher.tick(), []);
    r.treeView.visible = true;
    r.onScreen.delete(g2.id);
    assert.deepEqual(r.refresher.tick(), [g1.id]);
    r.onScreen.add(g2.id);
    assert.deepEqual(r.refresher.tick(), [g1.id], 'g2 is tracked again only when expanded again');
    r.refresher.dispose();
  });

  it('runs on its timer, follows setting changes, and stops for good when disposed', async () => {
    const r = rig(0.02);
    r.expand(cluster, groups, g1);
    assert.equal(r.refresher.running, true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const ticked = r.refreshed.length;
    assert.ok(ticked >= 2, `refreshed ${ticked} times`);
    assert.ok(r.refreshed.every((id) => id === g1.id));
    r.setSeconds(0);
    assert.equal(r.refresher.running, false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(r.refreshed.length, ticked, 'turned off: no more refreshes');
    r.setSeconds(0.02);
    assert.equal(r.refresher.running, true);
    r.refresher.dispose();
    assert.equal(r.refresher.running, false);
    assert.equal(r.listeners(), 0, 'every subscription disposed');
    const after = r.refreshed.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(r.refreshed.length, after);
  });
});
