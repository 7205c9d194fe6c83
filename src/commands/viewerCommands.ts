import * as vscode from 'vscode';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import type { KafkaRecord } from '../core/kafka/record';
import type { Logger } from '../core/logging';
import type { TimestampType } from '../core/session/messageView';
import type { SessionManager } from '../core/session/sessionManager';
import { DEFAULT_CAPACITY, validateCapacity } from '../core/viewer/messageStore';
import type { StartPosition, ViewerIsolation, ViewerOptions } from '../core/viewer/types';
import type { MessageViewer } from '../core/viewer/viewerApi';
import type { ClusterClients } from '../platform/clusterClients';
import type { ClusterStore } from '../platform/clusterStore';
import { ViewerPanel } from '../webviews/viewerPanel/viewerPanel';
import type { ViewerPanels } from '../webviews/viewerPanel/viewerPanels';
import { pickCluster } from './clusterPicker';
import { redriveFromViewer } from './dlqCommands';
import type { CommandTable } from './commandTable';
import { askGroupId, askPartitions, askStartPosition, describeStart } from './viewerPrompts';
import { reachMilestone } from '../platform/walkthrough';
import { type ExportArgs, exportViewer } from './viewerExport';

export interface ViewerCommandDeps {
  readonly store: ClusterStore;
  readonly clients: ClusterClients;
  readonly manager: SessionManager;
  readonly panels: ViewerPanels;
  readonly extensionUri: vscode.Uri;
  readonly logger: Logger;
  /** A new (not yet started) viewer over the cluster: the host-side MessageViewer. */
  createViewer(cluster: ClusterSettings, options: ViewerOptions): MessageViewer | Promise<MessageViewer>;
}

/** "View Messages" as a command argument (tests, other commands): no prompts then. */
export interface ViewMessagesArgs {
  readonly clusterId: string;
  readonly topic: string;
  readonly partitions?: readonly number[];
  /** Default: from the beginning. */
  readonly start?: StartPosition;
  readonly capacity?: number;
  readonly follow?: boolean;
  /** Default read_uncommitted (aborted transactions' records shown too). */
  readonly isolation?: ViewerIsolation;
}

/** "View around this offset": the viewer opens on the partition, a little before the offset. */
export interface ViewAroundArgs {
  /** The cluster, or the session the message came from (its cluster). */
  readonly clusterId?: string;
  readonly sessionId?: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** How many messages before the offset (default 50). */
  readonly before?: number;
}

export const VIEW_AROUND_BEFORE = 50;
/** How long "Start Session Here" waits for the session to be assigned the partition before it seeks. */
const ASSIGNMENT_TIMEOUT_MS = 30_000;

interface TopicNodeLike {
  readonly kind: 'topic';
  readonly cluster: ClusterSettings;
  readonly topic: { readonly name: string };
}
interface PartitionNodeLike {
  readonly kind: 'partition';
  readonly cluster: ClusterSettings;
  readonly topic: string;
  readonly detail: { readonly partition: number };
}
const kindOf = (x: unknown): unknown =>
  typeof x === 'object' && x !== null ? (x as { kind?: unknown }).kind : undefined;
const isTopicNode = (x: unknown): x is TopicNodeLike => kindOf(x) === 'topic' && 'cluster' in (x as object);
const isPartitionNode = (x: unknown): x is PartitionNodeLike =>
  kindOf(x) === 'partition' && 'cluster' in (x as object) && 'detail' in (x as object);
const isViewArgs = (x: unknown): x is ViewMessagesArgs =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as ViewMessagesArgs).clusterId === 'string' &&
  typeof (x as ViewMessagesArgs).topic === 'string';

/** The `kafkaLab.viewer.capacity` setting, checked against the buffer's bounds (one source: messageStore). */
export function viewerCapacity(): number {
  const value = vscode.workspace.getConfiguration('kafkaLab').get<unknown>('viewer.capacity', DEFAULT_CAPACITY);
  try {
    return validateCapacity(typeof value === 'number' ? value : DEFAULT_CAPACITY);
  } catch {
    return DEFAULT_CAPACITY;
  }
}

/** The message viewer: opening it (topic, partition, palette, a session's message), exporting from it. */
export function viewerCommands(deps: ViewerCommandDeps) {
  const clusterById = (id: string): ClusterSettings => {
    const cluster = deps.store.get(id);
    if (!cluster) throw new Error(`No saved cluster "${id}". Add it in the Clusters view first.`);
    return cluster;
  };

  /** Opens one viewer (a new tab, even for a topic already open) and starts reading; returns the panel. */
  const open = async (cluster: ClusterSettings, args: Omit<ViewMessagesArgs, 'clusterId'>): Promise<ViewerPanel> => {
    const start = args.start ?? { kind: 'beginning' };
    const options: ViewerOptions = {
      topic: args.topic,
      start,
      capacity: validateCapacity(args.capacity ?? viewerCapacity()),
      ...(args.partitions ? { partitions: [...args.partitions] } : {}),
      ...(args.follow !== undefined ? { follow: args.follow } : {}),
      ...(args.isolation === 'read_committed' ? { isolation: args.isolation } : {}),
    };
    const viewer = await deps.createViewer(cluster, options);
    const panel = new ViewerPanel({
      extensionUri: deps.extensionUri,
      viewer,
      clusterId: cluster.id,
      clusterName: cluster.name,
      startText: describeStart(start),
      // Not awaited: the panel (and its webview's load) starts at once; a detail waits for it.
      timestampType: timestampTypeOf(cluster, args.topic),
      actions: {
        exportMessages: (p) => exportFrom(p),
        startSessionHere: (record) => startSessionHere(cluster, record),
        replayIntoHandler: (record) => replay(cluster, record),
        produceCopy: async (record) =>
          vscode.commands.executeCommand('kafkaLab.produceCopy', {
            clusterId: cluster.id,
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
          }),
        canReplay: (topic) => replaySession(cluster, topic) !== undefined,
        // The same topic, start and partitions, read at the other isolation level, in a new tab.
        reopenWithIsolation: async (isolation) =>
          (await open(cluster, { ...args, isolation, ...(args.start ? {} : { start }) })).id,
        redrive: (p, params) =>
          redriveFromViewer({ connection: () => deps.clients.connection(cluster), logger: deps.logger }, p, params),
      },
      logger: deps.logger,
    });
    deps.panels.add(panel);
    reachMilestone('browsed');
    // Reading starts while the webview loads; its errors are the viewer's state (shown in the panel).
    viewer.start().catch((error: unknown) => deps.logger.error(`viewer of ${args.topic}: start failed`, error));
    return panel;
  };

  const timestampTypeOf = async (cluster: ClusterSettings, topic: string): Promise<TimestampType> => {
    try {
      const admin = await deps.clients.admin(cluster);
      const value = (await admin.describeTopicConfigs(topic)).find((r) => r.name === 'message.timestamp.type')?.value;
      return value === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime';
    } catch {
      return 'CreateTime'; // the viewer's own state says what is wrong with the topic
    }
  };

  /** From arguments, a node with its start (no prompts), a node (asks), or the palette (asks everything). */
  const viewMessages = async (
    arg?: unknown,
    given?: Omit<ViewMessagesArgs, 'clusterId' | 'topic'>,
  ): Promise<string | undefined> => {
    if (isViewArgs(arg)) return (await open(clusterById(arg.clusterId), arg)).id;
    if (given?.start && (isTopicNode(arg) || isPartitionNode(arg))) {
      const partitions = isPartitionNode(arg) ? [arg.detail.partition] : given.partitions;
      const topic = isPartitionNode(arg) ? arg.topic : arg.topic.name;
      return (await open(arg.cluster, { ...given, topic, ...(partitions ? { partitions } : {}) })).id;
    }
    let cluster: ClusterSettings | undefined;
    let topic: string | undefined;
    let partitions: number[] | undefined;
    if (isPartitionNode(arg)) {
      cluster = arg.cluster;
      topic = arg.topic;
      partitions = [arg.detail.partition];
    } else if (isTopicNode(arg)) {
      cluster = arg.cluster;
      topic = arg.topic.name;
    } else {
      cluster = await pickCluster(deps.store, { title: 'View Messages', placeHolder: 'Cluster', takeSingle: true });
      if (!cluster) return undefined;
      const admin = await deps.clients.admin(cluster);
      const names = (await admin.listTopics()).map((t) => t.name);
      if (names.length === 0) throw new Error(`Cluster "${cluster.name}" has no topics to view. Create one first.`);
      topic = await vscode.window.showQuickPick(names, { title: 'View Messages', placeHolder: 'Topic' });
      if (!topic) return undefined;
    }
    const admin = await deps.clients.admin(cluster);
    const details = await admin.describePartitions(topic);
    if (!partitions) {
      const picked = await askPartitions(topic, details);
      if (!picked) return undefined;
      partitions = picked.partitions;
    }
    const chosen = partitions;
    const start = await askStartPosition(topic, chosen ? details.filter((d) => chosen.includes(d.partition)) : details);
    if (!start) return undefined;
    return (await open(cluster, { topic, start, ...(partitions ? { partitions } : {}) })).id;
  };

  const viewAround = async (args: ViewAroundArgs): Promise<string> => {
    if (typeof args !== 'object' || args === null || typeof args.topic !== 'string')
      throw new Error('View around this offset needs a topic, a partition and an offset.');
    const clusterId = args.clusterId ?? (args.sessionId ? deps.manager.get(args.sessionId)?.spec.clusterId : undefined);
    if (!clusterId) throw new Error('The session of that message has ended; open the viewer from the Clusters view.');
    const cluster = clusterById(clusterId);
    const before = args.before ?? VIEW_AROUND_BEFORE;
    let from = Math.max(0, args.offset - before);
    try {
      const low = (await (await deps.clients.admin(cluster)).describePartitions(args.topic)).find(
        (p) => p.partition === args.partition,
      )?.low;
      if (low !== undefined) from = Math.max(from, low);
    } catch {
      // Without watermarks the viewer starts at the computed offset and reports what it finds.
    }
    const panel = await open(cluster, {
      topic: args.topic,
      partitions: [args.partition],
      start: { kind: 'offset', perPartition: { [args.partition]: from } },
    });
    return panel.id;
  };

  /** The viewer for a command: by id (tests), else the visible or last used one. */
  const viewerPanel = (id?: unknown): ViewerPanel => {
    const panel = typeof id === 'string' ? deps.panels.get(id) : deps.panels.active;
    if (!panel)
      throw new Error(
        typeof id === 'string'
          ? `Viewer ${id} is closed.`
          : 'No message viewer is open. Open one with "Kafka: View Messages".',
      );
    return panel;
  };

  const exportFrom = (panel: ViewerPanel, args?: ExportArgs): Promise<number | undefined> => {
    deps.panels.touch(panel);
    return exportViewer(panel.viewer, args);
  };

  /** A running session whose handler can replay this topic's messages. */
  const replaySession = (cluster: ClusterSettings, topic: string) =>
    deps.manager
      .list()
      .find(
        (c) => c.spec.clusterId === cluster.id && c.spec.topics.includes(topic) && c.panelState().canReplay === true,
      );

  const replay = async (cluster: ClusterSettings, record: KafkaRecord): Promise<void> => {
    const session = replaySession(cluster, record.topic);
    if (!session)
      throw new Error(
        `No handler session reads ${record.topic}. Start one with "Kafka: Debug Handler…" or "Kafka: Run Handler…", then replay.`,
      );
    await vscode.commands.executeCommand(
      'kafkaLab.replayIntoHandler',
      session.id,
      record.topic,
      record.partition,
      record.offset,
    );
  };

  /** A stepping group session on the message's partition, sought to its offset once the group assigns it. */
  const startSessionHere = async (
    cluster: ClusterSettings,
    record: KafkaRecord,
    groupArg?: string,
  ): Promise<string | undefined> => {
    const groupId = groupArg ?? (await askGroupId(record.topic, record.partition, record.offset));
    if (!groupId) return undefined;
    const sessionId = await vscode.commands.executeCommand<string | undefined>('kafkaLab.startSession', {
      clusterId: cluster.id,
      groupId,
      topics: [record.topic],
      mode: 'stepping',
      autoOffsetReset: 'earliest',
    });
    if (!sessionId) return undefined;
    const deadline = Date.now() + ASSIGNMENT_TIMEOUT_MS;
    let last: unknown;
    for (;;) {
      const controller = deps.manager.get(sessionId);
      if (!controller) throw new Error(`Session ${groupId} stopped before it could seek to offset ${record.offset}.`);
      try {
        await controller.seek(record.topic, record.partition, { kind: 'offset', offset: record.offset });
        return sessionId;
      } catch (error) {
        last = error; // not assigned yet: the group is still joining
      }
      if (Date.now() > deadline) {
        const why = last instanceof Error ? last.message : String(last);
        throw new Error(
          `Session ${groupId} did not get ${record.topic} [${record.partition}] within ${ASSIGNMENT_TIMEOUT_MS / 1000} s (${why}). Another member may hold it; seek it from the Sessions view once assigned.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  return {
    'kafkaLab.viewMessages': (arg?: unknown, given?: Omit<ViewMessagesArgs, 'clusterId' | 'topic'>) =>
      viewMessages(arg, given),
    'kafkaLab.viewAroundOffset': (args: ViewAroundArgs) => viewAround(args),
    'kafkaLab.exportViewerMessages': (id?: unknown, args?: ExportArgs) => exportFrom(viewerPanel(id), args),
    'kafkaLab.viewerStartSessionHere': (id: unknown, seq: number, groupId?: string) => {
      const panel = viewerPanel(id);
      const record = panel.viewer.record(seq);
      if (!record) throw new Error('That message has left the viewer’s buffer.');
      return startSessionHere(clusterById(panel.clusterId), record, groupId);
    },
  } satisfies Partial<CommandTable>;
}
