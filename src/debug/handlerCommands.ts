import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import type { DeliveryGuarantee } from '../core/engine/types';
import { type DeliveryAnswers, deliveryAnswers } from '../core/session/deliveryChoice';
import type { SessionController } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';
import type { ClusterStore } from '../platform/clusterStore';
import { KAFKA_LAB_DEBUG_TYPE } from './handlerDebugger';

/** "Debug Handler…" as an argument (tests, other extensions): nothing is asked that is given. */
export interface DebugHandlerArgs {
  readonly clusterId: string;
  readonly topics: readonly string[];
  readonly groupId: string;
  /** Absolute path of the handler module. */
  readonly handler: string;
  /** Write the configuration into launch.json (default: ask). */
  readonly saveToLaunchJson?: boolean;
  readonly noDebug?: boolean;
  /** Written into the configuration (default at-least-once; nothing is asked when arguments are given). */
  readonly delivery?: DeliveryGuarantee;
  readonly transactionalIdPrefix?: string;
  readonly outputTopics?: readonly string[];
}

interface NodeLike {
  readonly kind?: string;
  readonly cluster?: ClusterSettings;
  readonly topic?: { readonly name: string } | string;
  readonly group?: { readonly groupId: string };
  readonly controller?: SessionController;
}

export interface HandlerCommandDeps {
  readonly store: ClusterStore;
  readonly manager: SessionManager;
  readonly restartHandler: (sessionId: string) => Promise<void>;
  /**
   * The start flow's delivery step (the guarantee, then for exactly-once the output topics, created
   * after asking when missing, and the transactional id prefix); undefined when cancelled.
   */
  readonly askDelivery?: (
    cluster: ClusterSettings,
    groupId: string,
    topics: readonly string[],
  ) => Promise<DeliveryAnswers | undefined>;
}

/**
 * "Kafka: Debug Handler…" and "Run Handler…" from a topic, a group or a session node: pick the
 * handler module, write the `kafka-lab` launch configuration into launch.json (after asking), and
 * start it, so that F5 does the same next time.
 */
export function handlerCommands(deps: HandlerCommandDeps) {
  const launch = async (arg: unknown, noDebug: boolean): Promise<boolean> => {
    const given = isArgs(arg) ? arg : undefined;
    const target = given
      ? { cluster: deps.store.get(given.clusterId), topics: given.topics, groupId: given.groupId }
      : await fromNode(arg as NodeLike | undefined, deps.store);
    if (!target?.cluster)
      throw new Error('Pick a topic, a consumer group or a session in the Kafka view to debug a handler on.');
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder)
      throw new Error(
        'Open a folder with your handler first: the launch configuration lives in its .vscode/launch.json.',
      );
    const handler = given?.handler ?? (await pickHandler(folder));
    if (!handler) return false;
    const delivery: DeliveryAnswers | undefined = given
      ? deliveryAnswers(
          target.groupId,
          given.delivery ?? 'at-least-once',
          given.outputTopics ?? [],
          given.transactionalIdPrefix,
        )
      : deps.askDelivery
        ? await deps.askDelivery(target.cluster, target.groupId, target.topics)
        : { delivery: 'at-least-once' };
    if (!delivery) return false;
    const relative = path.relative(folder.uri.fsPath, handler);
    const config: vscode.DebugConfiguration = {
      type: KAFKA_LAB_DEBUG_TYPE,
      request: 'launch',
      name: `Debug ${target.groupId} handler`,
      handler:
        relative.startsWith('..') || path.isAbsolute(relative)
          ? handler
          : `\${workspaceFolder}/${relative.split(path.sep).join('/')}`,
      cluster: target.cluster.name,
      topics: [...target.topics],
      groupId: target.groupId,
      mode: 'stepping',
      // The start flow's answers: "delivery" always, the exactly-once settings with it.
      delivery: delivery.delivery,
      ...(delivery.transactionalIdPrefix ? { transactionalIdPrefix: delivery.transactionalIdPrefix } : {}),
      ...(delivery.outputTopics?.length ? { outputTopics: [...delivery.outputTopics] } : {}),
    };
    const save = given?.saveToLaunchJson ?? (await askToSave(config));
    if (save === undefined) return false;
    if (save) {
      const settings = vscode.workspace.getConfiguration('launch', folder.uri);
      const existing = (settings.get<vscode.DebugConfiguration[]>('configurations') ?? []).filter(
        (c) => c.name !== config.name,
      );
      await settings.update('configurations', [...existing, config], vscode.ConfigurationTarget.WorkspaceFolder);
    }
    return vscode.debug.startDebugging(folder, config, { noDebug: given?.noDebug ?? noDebug });
  };
  return {
    'kafkaLab.debugHandler': (arg?: unknown) => launch(arg, false),
    'kafkaLab.runHandler': (arg?: unknown) => launch(arg, true),
    /** From a partition node (asks the offset), or with arguments: (sessionId, topic, partition, offset). */
    'kafkaLab.replayIntoHandler': async (
      arg?: unknown,
      topicArg?: string,
      partitionArg?: number,
      offsetArg?: number,
    ) => {
      const node = arg as (NodeLike & { partition?: { topic: string; partition: number } }) | undefined;
      const controller = typeof arg === 'string' ? deps.manager.get(arg) : (node?.controller ?? deps.manager.active);
      if (!controller)
        throw new Error('Pick a session that runs your handler (Debug Handler or Run Handler start one).');
      const topic = topicArg ?? node?.partition?.topic;
      const partition = partitionArg ?? node?.partition?.partition;
      if (topic === undefined || partition === undefined)
        throw new Error('Pick a partition of the session in the Sessions view to replay one of its offsets.');
      let offset = offsetArg;
      if (offset === undefined) {
        const typed = await vscode.window.showInputBox({
          title: `Replay into Handler: ${topic} [${partition}]`,
          prompt: 'The offset to run your handler on again (nothing is committed, no position moves)',
          validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'An offset: a whole number, 0 or more'),
        });
        if (typed === undefined) return undefined;
        offset = Number(typed.trim());
      }
      const outcome = await controller.replay(topic, partition, offset);
      if (outcome.result.kind === 'returned')
        void vscode.window.showInformationMessage(
          `Replayed ${topic} [${partition}] offset ${offset}: the handler returned. Nothing was committed.`,
        );
      else
        void vscode.window.showWarningMessage(
          `Replayed ${topic} [${partition}] offset ${offset}: the handler failed: ${outcome.result.error.split('\n')[0]}. Nothing was committed.`,
        );
      return outcome;
    },
    'kafkaLab.restartHandler': async (arg?: unknown) => {
      const id = typeof arg === 'string' ? arg : (arg as NodeLike | undefined)?.controller?.id;
      if (!id) throw new Error('Pick the session whose handler should restart.');
      await deps.restartHandler(id);
    },
  };
}

const isArgs = (x: unknown): x is DebugHandlerArgs =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as DebugHandlerArgs).clusterId === 'string' &&
  typeof (x as DebugHandlerArgs).handler === 'string';

async function fromNode(
  node: NodeLike | undefined,
  store: ClusterStore,
): Promise<{ cluster: ClusterSettings | undefined; topics: readonly string[]; groupId: string } | undefined> {
  if (node?.controller) {
    const spec = node.controller.spec;
    return { cluster: store.get(spec.clusterId), topics: spec.topics, groupId: spec.groupId };
  }
  if (!node?.cluster) return undefined;
  if (node.kind === 'topic' && node.topic) {
    const topic = typeof node.topic === 'string' ? node.topic : node.topic.name;
    const groupId = await vscode.window.showInputBox({
      title: 'Debug Handler: consumer group',
      value: `dev-${topic}`,
      prompt: 'The group your handler joins (a new one starts at the earliest offset).',
    });
    return groupId ? { cluster: node.cluster, topics: [topic], groupId } : undefined;
  }
  if (node.kind === 'group' && node.group) {
    const topics = await vscode.window.showInputBox({
      title: 'Debug Handler: topics',
      prompt: 'The topics the group consumes, separated by commas.',
    });
    const list = (topics ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    return list.length ? { cluster: node.cluster, topics: list, groupId: node.group.groupId } : undefined;
  }
  return undefined;
}

async function pickHandler(folder: vscode.WorkspaceFolder): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'The handler module: it exports handle(message, context)',
    defaultUri: folder.uri,
    canSelectMany: false,
    filters: { 'Handler modules': ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs', 'py'] },
  });
  return picked?.[0]?.fsPath;
}

async function askToSave(config: vscode.DebugConfiguration): Promise<boolean | undefined> {
  const choice = await vscode.window.showInformationMessage(
    `Add "${String(config.name)}" to .vscode/launch.json, so that F5 starts it next time?`,
    { modal: true },
    'Add and Start',
    'Start Once',
  );
  return choice === 'Add and Start' ? true : choice === 'Start Once' ? false : undefined;
}
