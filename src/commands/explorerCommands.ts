import * as vscode from 'vscode';
import { pickCluster } from './clusterPicker';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import { KafkaClientError } from '../core/errors';
import type { KafkaAdmin, NewTopicSpec } from '../core/kafka/admin';
import { isGroupActive } from '../core/kafka/groupInfo';
import { describeTarget, type ResetRow, type ResetScope, type ResetTarget } from '../core/kafka/offsetReset';
import { previewTable } from '../core/kafka/resetInput';
import {
  type Parsed,
  parseNewPartitionTotal,
  parsePartitionCount,
  parseReplicationFactor,
  topicNameProblem,
} from '../core/kafka/topicInput';
import type { TopicSummary } from '../core/kafka/topicList';
import type { Logger } from '../core/logging';
import type { ClusterClients } from '../platform/clusterClients';
import type { ClusterStore } from '../platform/clusterStore';
import {
  ClusterNode,
  type ClustersView,
  FolderNode,
  GroupFolderNode,
  GroupNode,
  GroupOffsetNode,
  nodeId,
  TopicNode,
} from '../views/clustersView';
import {
  confirmGroupDeletion,
  confirmResetPreview,
  confirmTopicDeletion,
  pickResetScope,
  pickResetTarget,
  promptNewTopic,
} from './explorerPrompts';
import { withProgress } from './progress';
import type { CommandTable } from './commandTable';

export interface ExplorerCommandDeps {
  readonly store: ClusterStore;
  readonly clients: ClusterClients;
  readonly view: ClustersView;
  readonly logger: Logger;
}

/** Programmatic arguments (tests, other extensions): every prompt has an argument that skips it. */
export interface CreateTopicArgs {
  readonly clusterId?: string;
  readonly name: string;
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
}
export interface TopicArgs {
  readonly clusterId: string;
  readonly topic: string;
  /** Delete Topic: skip the typed confirmation. */
  readonly confirmed?: boolean;
  /** Add Partitions: the new total. */
  readonly total?: number;
}
export interface GroupArgs {
  readonly clusterId: string;
  readonly groupId: string;
  /** Reset and Delete Group: skip the preview / confirmation. */
  readonly confirmed?: boolean;
  readonly scope?: ResetScope;
  readonly target?: ResetTarget;
  /** Reset: plan and return the preview rows, commit nothing. */
  readonly previewOnly?: boolean;
}

/** How long to wait for a change to show in the broker's metadata before refreshing the tree. */
const METADATA_WAIT_MS = 10_000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !(v instanceof vscode.TreeItem);

function invalid(message: string): KafkaClientError {
  return new KafkaClientError('invalidRequest', message);
}

function valueOf<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw invalid(parsed.message);
  return parsed.value;
}

async function waitForMetadata(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + METADATA_WAIT_MS;
  for (let delay = 100; !(await check()); delay = Math.min(1000, delay * 2)) {
    if (Date.now() > deadline)
      throw new KafkaClientError(
        'timeout',
        `The broker accepted the request, but ${what} did not show in its metadata within ${METADATA_WAIT_MS / 1000} s. Refresh the view in a moment.`,
      );
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function findTopic(admin: KafkaAdmin, name: string): Promise<TopicSummary | undefined> {
  // A glob without wildcards matches as a substring: keep only the exact name.
  return (await admin.listTopics({ includeInternal: true, glob: name })).find((t) => t.name === name);
}

export function explorerCommands(deps: ExplorerCommandDeps) {
  const clusterById = (id: string): ClusterSettings => {
    const cluster = deps.store.get(id);
    if (!cluster)
      throw new KafkaClientError(
        'invalidConfiguration',
        `There is no cluster connection with id "${id}"; add it first or refresh the view.`,
      );
    return cluster;
  };

  const chooseCluster = (purpose: string): Promise<ClusterSettings | undefined> =>
    pickCluster(deps.store, { title: purpose, takeSingle: true });

  /** A topic from a tree node, `{clusterId, topic}`, or the palette (then the user picks). */
  const resolveTopic = async (
    arg: unknown,
    purpose: string,
    options: { allowInternal: boolean },
  ): Promise<{ cluster: ClusterSettings; topic: string; internal: boolean } | undefined> => {
    if (arg instanceof TopicNode) return { cluster: arg.cluster, topic: arg.topic.name, internal: arg.topic.internal };
    if (isObject(arg) && typeof arg.clusterId === 'string' && typeof arg.topic === 'string') {
      return { cluster: clusterById(arg.clusterId), topic: arg.topic, internal: arg.topic.startsWith('_') };
    }
    const cluster = await chooseCluster(purpose);
    if (!cluster) return undefined;
    const admin = await deps.clients.admin(cluster);
    const topics = vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Listing topics of ${cluster.name}` },
      () => admin.listTopics({ includeInternal: options.allowInternal }),
    );
    const items: Thenable<Array<vscode.QuickPickItem & { topic: TopicSummary }>> = topics.then((ts) =>
      ts.map((t) => ({
        label: t.name,
        description: `${t.partitions} partition${t.partitions === 1 ? '' : 's'} · RF ${t.replicationFactor}`,
        topic: t,
      })),
    );
    const picked = await vscode.window.showQuickPick(items, {
      title: purpose,
      placeHolder: `Topic on ${cluster.name}`,
      matchOnDescription: true,
    });
    return picked ? { cluster, topic: picked.topic.name, internal: picked.topic.internal } : undefined;
  };

  /** A consumer group from a tree node (the group, its Offsets folder or one of its rows), `{clusterId, groupId}`, or the palette. */
  const resolveGroup = async (
    arg: unknown,
    purpose: string,
  ): Promise<{ cluster: ClusterSettings; groupId: string; row?: GroupOffsetNode } | undefined> => {
    if (arg instanceof GroupNode) return { cluster: arg.cluster, groupId: arg.group.groupId };
    if (arg instanceof GroupFolderNode) return { cluster: arg.cluster, groupId: arg.groupId };
    if (arg instanceof GroupOffsetNode) return { cluster: arg.cluster, groupId: arg.groupId, row: arg };
    if (isObject(arg) && typeof arg.clusterId === 'string' && typeof arg.groupId === 'string')
      return { cluster: clusterById(arg.clusterId), groupId: arg.groupId };
    const cluster = await chooseCluster(purpose);
    if (!cluster) return undefined;
    const admin = await deps.clients.admin(cluster);
    const groups = vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Listing consumer groups of ${cluster.name}` },
      () => admin.listGroups(),
    );
    const items: Thenable<Array<vscode.QuickPickItem & { groupId: string }>> = groups.then((gs) =>
      gs.map((g) => ({ label: g.groupId, description: g.state, groupId: g.groupId })),
    );
    const picked = await vscode.window.showQuickPick(items, {
      title: purpose,
      placeHolder: `Consumer group on ${cluster.name}`,
    });
    return picked ? { cluster, groupId: picked.groupId } : undefined;
  };

  const options = <T>(arg: unknown, second: unknown): Partial<T> => ({
    ...(isObject(arg) ? (arg as Partial<T>) : {}),
    ...(isObject(second) ? (second as Partial<T>) : {}),
  });

  const createTopic = async (arg?: unknown, input?: unknown): Promise<string | undefined> => {
    const given = options<CreateTopicArgs>(arg, input);
    const cluster =
      arg instanceof ClusterNode || arg instanceof FolderNode
        ? arg.cluster
        : typeof arg === 'string'
          ? clusterById(arg)
          : given.clusterId
            ? clusterById(given.clusterId)
            : await chooseCluster('Create a topic');
    if (!cluster) return undefined;
    const admin = await deps.clients.admin(cluster);
    let spec: NewTopicSpec | undefined;
    if (typeof given.name === 'string') {
      const problem = topicNameProblem(given.name);
      if (problem) throw invalid(problem);
      spec = {
        name: given.name,
        partitions: valueOf(parsePartitionCount(String(given.partitions ?? 1))),
        replicationFactor: valueOf(parseReplicationFactor(String(given.replicationFactor ?? 1))),
        configs: { ...given.configs },
      };
    } else {
      const existing = new Set<string>();
      void admin.listTopics({ includeInternal: true }).then(
        (topics) => topics.forEach((t) => existing.add(t.name)),
        () => undefined, // the broker says so on create, with the same words
      );
      spec = await promptNewTopic(cluster.name, existing);
    }
    if (!spec) return undefined;
    const created = spec;
    let accepted = false;
    try {
      await withProgress(`Creating topic "${created.name}" on ${cluster.name}…`, async () => {
        await admin.createTopic(created);
        accepted = true;
        await waitForMetadata(
          `topic "${created.name}"`,
          async () => (await findTopic(admin, created.name))?.partitions === created.partitions,
        );
      });
    } finally {
      // Also when only the metadata wait timed out: the broker accepted the topic.
      if (accepted) deps.view.refreshNode(nodeId.topics(cluster.id));
    }
    void vscode.window.setStatusBarMessage(
      `Kafka: created topic "${created.name}" (${created.partitions} partition${created.partitions === 1 ? '' : 's'})`,
      5000,
    );
    return created.name;
  };

  const deleteTopic = async (arg?: unknown, second?: unknown): Promise<boolean> => {
    const target = await resolveTopic(arg, 'Delete a topic', { allowInternal: false });
    if (!target) return false;
    if (target.topic.startsWith('__'))
      throw invalid(`"${target.topic}" is one of Kafka's own topics; the explorer does not delete it.`);
    if (!options<TopicArgs>(arg, second).confirmed && !(await confirmTopicDeletion(target.topic, target.cluster.name)))
      return false;
    const admin = await deps.clients.admin(target.cluster);
    let accepted = false;
    try {
      await withProgress(`Deleting topic "${target.topic}" on ${target.cluster.name}…`, async () => {
        await admin.deleteTopic(target.topic);
        accepted = true;
        await waitForMetadata(
          `the deletion of "${target.topic}"`,
          async () => (await findTopic(admin, target.topic)) === undefined,
        );
      });
    } finally {
      if (accepted) deps.view.refreshNode(nodeId.topics(target.cluster.id));
    }
    deps.logger.info(`Deleted topic "${target.topic}" on ${target.cluster.name}`);
    void vscode.window.setStatusBarMessage(`Kafka: deleted topic "${target.topic}"`, 5000);
    return true;
  };

  const addPartitions = async (arg?: unknown, second?: unknown): Promise<number | undefined> => {
    const target = await resolveTopic(arg, 'Add partitions to a topic', { allowInternal: false });
    if (!target) return undefined;
    const admin = await deps.clients.admin(target.cluster);
    const current = await findTopic(admin, target.topic);
    if (!current)
      throw new KafkaClientError(
        'topicNotFound',
        `Topic "${target.topic}" does not exist on ${target.cluster.name}; refresh the topic list.`,
      );
    const given = typeof second === 'number' ? second : options<TopicArgs>(arg, second).total;
    let total: number;
    if (given !== undefined) total = valueOf(parseNewPartitionTotal(String(given), current.partitions));
    else {
      const text = await vscode.window.showInputBox({
        title: `Add partitions to "${target.topic}"`,
        prompt: `New total number of partitions (now ${current.partitions}). Keys map to partitions by hash, so keyed messages may land on other partitions afterwards.`,
        value: String(current.partitions + 1),
        ignoreFocusOut: true,
        validateInput: (v) => {
          const parsed = parseNewPartitionTotal(v, current.partitions);
          return parsed.ok ? undefined : parsed.message;
        },
      });
      if (text === undefined) return undefined;
      total = valueOf(parseNewPartitionTotal(text, current.partitions));
    }
    const updated = await withProgress(`Raising "${target.topic}" to ${total} partitions…`, async () => {
      await admin.addPartitions(target.topic, total);
      let seen: TopicSummary | undefined;
      await waitForMetadata(
        `the new partitions of "${target.topic}"`,
        async () => (seen = await findTopic(admin, target.topic))?.partitions === total,
      );
      return seen as TopicSummary;
    });
    deps.view.updateTopic(target.cluster.id, updated);
    void vscode.window.setStatusBarMessage(`Kafka: "${target.topic}" now has ${total} partitions`, 5000);
    return total;
  };

  const copyTopicName = async (arg?: unknown): Promise<string | undefined> => {
    const target = await resolveTopic(arg, 'Copy a topic name', { allowInternal: true });
    if (!target) return undefined;
    await vscode.env.clipboard.writeText(target.topic);
    void vscode.window.setStatusBarMessage(`Copied "${target.topic}"`, 3000);
    return target.topic;
  };

  const resetGroupOffsets = async (arg?: unknown, second?: unknown): Promise<ResetRow[] | undefined> => {
    const group = await resolveGroup(arg, 'Reset the offsets of a consumer group');
    if (!group) return undefined;
    const given = options<GroupArgs>(arg, second);
    const { cluster, groupId } = group;
    const admin = await deps.clients.admin(cluster);
    const title = `Reset offsets of "${groupId}"`;
    let scope =
      given.scope ??
      (group.row
        ? {
            kind: 'partitions' as const,
            partitions: [{ topic: group.row.row.topic, partition: group.row.row.partition }],
          }
        : undefined);
    if (!scope) {
      const rows = await withProgress(`Reading the offsets of "${groupId}"…`, () => admin.groupOffsets(groupId));
      scope = await pickResetScope(title, {
        rows,
        topics: async () => (await admin.listTopics()).map((t) => t.name),
        partitions: (topics) => admin.groupOffsets(groupId, topics),
      });
      if (!scope) return undefined;
    }
    const target = given.target ?? (await pickResetTarget(title));
    if (!target) return undefined;
    const chosenScope = scope;
    const interactive = !given.confirmed && !given.previewOnly;
    const [plan, detail] = await withProgress(`Planning the reset of "${groupId}" to ${describeTarget(target)}…`, () =>
      // Interactively, the group's state too: the preview warns when applying will be refused.
      Promise.all([
        admin.planReset(groupId, chosenScope, target),
        interactive ? admin.describeGroup(groupId).catch(() => undefined) : undefined,
      ]),
    );
    deps.logger.info(`Reset preview for group "${groupId}" to ${describeTarget(target)}:\n${previewTable(plan.rows)}`);
    if (given.previewOnly) return [...plan.rows];
    if (interactive) {
      const warning =
        detail && isGroupActive(detail)
          ? `The group is ${detail.state} with ${detail.members.length} member(s): applying will be refused until every consumer of the group stops.`
          : undefined;
      if (!(await confirmResetPreview(`${title} to ${describeTarget(target)}`, plan, warning))) return undefined;
    }
    const applied = await withProgress(`Resetting the offsets of "${groupId}"…`, () => admin.applyReset(plan));
    deps.view.refreshNode(nodeId.group(cluster.id, groupId));
    deps.logger.info(`Reset group "${groupId}" on ${cluster.name}:\n${previewTable(applied)}`);
    void vscode.window.showInformationMessage(
      `Kafka Consumer Lab: reset ${applied.length} partition(s) of "${groupId}" to ${describeTarget(target)}.`,
    );
    return applied;
  };

  const deleteGroup = async (arg?: unknown, second?: unknown): Promise<boolean> => {
    const group = await resolveGroup(arg, 'Delete a consumer group');
    if (!group) return false;
    if (!options<GroupArgs>(arg, second).confirmed && !(await confirmGroupDeletion(group.groupId, group.cluster.name)))
      return false;
    const admin = await deps.clients.admin(group.cluster);
    await withProgress(`Deleting consumer group "${group.groupId}"…`, () => admin.deleteGroup(group.groupId));
    deps.view.refreshNode(nodeId.groups(group.cluster.id));
    deps.logger.info(`Deleted consumer group "${group.groupId}" on ${group.cluster.name}`);
    void vscode.window.setStatusBarMessage(`Kafka: deleted consumer group "${group.groupId}"`, 5000);
    return true;
  };

  return {
    'kafkaLab.createTopic': createTopic,
    'kafkaLab.deleteTopic': deleteTopic,
    'kafkaLab.addPartitions': addPartitions,
    'kafkaLab.copyTopicName': copyTopicName,
    'kafkaLab.resetGroupOffsets': resetGroupOffsets,
    'kafkaLab.deleteGroup': deleteGroup,
  } satisfies Partial<CommandTable>;
}
