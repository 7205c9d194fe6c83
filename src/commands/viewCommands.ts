import * as vscode from 'vscode';
import type { ClustersView } from '../views/clustersView';
import type { CommandTable } from './commandTable';

export interface ViewCommandDeps {
  readonly view: ClustersView;
  /** Reveals the extension's output channel. */
  showLog(): void;
}

/** What the Clusters view's title bar and the palette do to the view itself, and the log. */
export function viewCommands(deps: ViewCommandDeps) {
  return {
    'kafkaLab.showLog': () => deps.showLog(),
    'kafkaLab.refreshClusters': () => deps.view.refresh(),
    'kafkaLab.toggleInternalTopics': () => deps.view.setShowInternal(!deps.view.internalShown),
    'kafkaLab.loadMoreTopics': (clusterId: string) => deps.view.loadMoreTopics(clusterId),
    'kafkaLab.filterTopics': async (glob?: string) => {
      const value =
        glob ??
        (await vscode.window.showInputBox({
          title: 'Filter topics',
          prompt: 'A glob (* and ?), or text to match; empty shows all',
        }));
      if (value !== undefined) deps.view.setTopicGlob(value);
    },
  } satisfies Partial<CommandTable>;
}
