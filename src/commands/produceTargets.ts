import * as vscode from 'vscode';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import { TopicNode } from '../views/clustersView';
import { pickCluster } from './clusterPicker';
import type { ProduceCommandDeps } from './producing';

/** Which cluster and topic a command acts on: a topic node, or `{clusterId, topic}` from a test or another extension. */
export interface TopicRef {
  readonly clusterId: string;
  readonly topic: string;
}

export function clusterById(deps: Pick<ProduceCommandDeps, 'store'>, id: string): ClusterSettings {
  const cluster = deps.store.get(id);
  if (!cluster) throw new Error(`No saved cluster "${id}". Add it in the Clusters view first.`);
  return cluster;
}

/** The command's target: the topic node or reference it was given, or the cluster and topic the user picks. */
export async function topicOf(
  deps: Pick<ProduceCommandDeps, 'store' | 'clients'>,
  arg: unknown,
  title: string,
): Promise<{ cluster: ClusterSettings; topic: string } | undefined> {
  if (arg instanceof TopicNode) return { cluster: arg.cluster, topic: arg.topic.name };
  if (isTopicRef(arg)) return { cluster: clusterById(deps, arg.clusterId), topic: arg.topic };
  const cluster = await pickCluster(deps.store, { title, takeSingle: true });
  if (!cluster) return undefined;
  const admin = await deps.clients.admin(cluster);
  const topics = await admin.listTopics({ includeInternal: false });
  const picked = await vscode.window.showQuickPick(
    topics.map((t) => ({ label: t.name, description: `${t.partitions} partitions` })),
    { title, placeHolder: 'The topic to produce to' },
  );
  return picked ? { cluster, topic: picked.label } : undefined;
}

export function isTopicRef(x: unknown): x is TopicRef {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as TopicRef).clusterId === 'string' &&
    typeof (x as TopicRef).topic === 'string'
  );
}

export function isRecordRef(x: unknown): x is TopicRef & { partition: number; offset: number; targetTopic?: string } {
  return (
    isTopicRef(x) &&
    Number.isSafeInteger((x as { partition?: unknown }).partition) &&
    Number.isSafeInteger((x as { offset?: unknown }).offset)
  );
}
