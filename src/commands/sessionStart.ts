import * as os from 'node:os';
import * as vscode from 'vscode';
import { pickCluster } from './clusterPicker';
import { withProgress } from './progress';
import { askDelivery, ensureOutputTopics } from './deliveryPrompts';
import { askCommitPolicy } from './sessionPrompts';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import type { CommitPolicy } from '../core/engine/commitPolicy';
import type { DeliveryGuarantee, GroupProtocol } from '../core/engine/types';
import { defaultTransactionPolicy } from '../core/engine/sessionConfig';
import { outputLoopProblem, topicNameProblem, transactionalIdPrefixProblem } from '../core/session/deliveryChoice';
import type { KafkaAdmin } from '../core/kafka/admin';
import { MAX_MEMBERS } from '../core/engine/limits';
import { dlqTopicFor, type SessionController, type SessionSpec } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';
import type { ClusterClients } from '../platform/clusterClients';
import type { ClusterStore } from '../platform/clusterStore';

/** The start flow's answers, also accepted as an argument (tests, other extensions): no prompts then. */
export interface StartSessionArgs {
  readonly clusterId: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly autoOffsetReset?: 'earliest' | 'latest';
  readonly mode?: 'stepping' | 'running';
  /** The built-in handler; `copy` sends each message to every output topic (consume-transform-produce). */
  readonly handler?: 'noop' | 'log' | 'copy';
  readonly commitPolicy?: CommitPolicy;
  /** Default at-least-once; exactly-once commits outputs and input offsets in one transaction per batch. */
  readonly delivery?: DeliveryGuarantee;
  /** Exactly-once: member n uses `<prefix>-<n>`; default `kafka-lab-<groupId>`. */
  readonly transactionalIdPrefix?: string;
  /** The topics the handler writes to; the copying handler needs at least one. */
  readonly outputTopics?: readonly string[];
  /** Create missing output topics (with arguments nothing is asked: without this a missing one is an error). */
  readonly createOutputTopics?: boolean;
  /** `{topic}` stands for each source topic; default `{topic}.dead-letter`. */
  readonly dlqTopic?: string;
  /** Create missing dead-letter topics (with arguments nothing is asked: without this they stay missing). */
  readonly createDlqTopics?: boolean;
  readonly members?: number;
  /** The consumer group protocol: classic (default) or consumer (KIP-848; the cluster must accept it). */
  readonly groupProtocol?: GroupProtocol;
  /** Join even though the group has live members (the prompt warns first). */
  readonly confirmed?: boolean;
  /** Do not open the panel (tests that only need the engine). */
  readonly noPanel?: boolean;
}

export interface SessionStartDeps {
  readonly manager: SessionManager;
  readonly store: ClusterStore;
  readonly clients: ClusterClients;
  readonly logger: { info(message: string): void; warn(message: string): void };
  /** Opens (or reveals) the session's panel. */
  openPanel(controller: SessionController): void;
}

interface TopicLike {
  readonly cluster: ClusterSettings;
  readonly topic: { readonly name: string } | string;
}
interface GroupLike {
  readonly cluster: ClusterSettings;
  readonly group: { readonly groupId: string };
}

const isTopicNode = (x: unknown): x is TopicLike =>
  typeof x === 'object' && x !== null && 'cluster' in x && 'topic' in x && (x as { kind?: string }).kind === 'topic';
const isGroupNode = (x: unknown): x is GroupLike =>
  typeof x === 'object' && x !== null && 'cluster' in x && 'group' in x && (x as { kind?: string }).kind === 'group';
const isStartArgs = (x: unknown): x is StartSessionArgs =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as StartSessionArgs).clusterId === 'string' &&
  typeof (x as StartSessionArgs).groupId === 'string';

const TITLE = 'Start Consumer Session';

/**
 * "Start Consumer Session": from arguments (no prompts), or interactively from a topic node, a
 * group node or the palette. Warns before joining a group with live members, offers to create
 * missing dead-letter topics, starts the session and opens its panel. Returns the session id.
 */
export async function startSession(deps: SessionStartDeps, arg: unknown): Promise<string | undefined> {
  const fromArgs = isStartArgs(arg);
  const args = fromArgs ? arg : await askStart(deps, arg);
  if (!args) return undefined;
  const cluster = deps.store.get(args.clusterId);
  if (!cluster) throw new Error(`No saved cluster "${args.clusterId}". Add it in the Clusters view first.`);
  const topics = [...new Set(args.topics.map((t) => t.trim()).filter(Boolean))];
  if (topics.length === 0) throw new Error('Choose at least one topic for the session.');
  const members = args.members ?? 1;
  if (!Number.isInteger(members) || members < 1 || members > MAX_MEMBERS)
    throw new Error(`The member count must be a whole number from 1 to ${MAX_MEMBERS} (got ${String(members)}).`);
  const delivery = args.delivery ?? 'at-least-once';
  if (delivery !== 'at-least-once' && delivery !== 'exactly-once')
    throw new Error(`The delivery guarantee must be "at-least-once" or "exactly-once" (got ${String(delivery)}).`);
  const exactlyOnce = delivery === 'exactly-once';
  const outputTopics = [...new Set((args.outputTopics ?? []).map((t) => t.trim()).filter(Boolean))];
  const handler = args.handler ?? 'noop';
  checkOutputs(handler, outputTopics, topics);
  const prefix = args.transactionalIdPrefix?.trim();
  if (exactlyOnce && prefix !== undefined) {
    const problem = transactionalIdPrefixProblem(prefix);
    if (problem) throw new Error(`The transactional id prefix "${prefix}" will not do: ${problem}`);
  }
  const spec: SessionSpec = {
    clusterId: cluster.id,
    clusterName: cluster.name,
    groupId: args.groupId.trim(),
    topics,
    autoOffsetReset: args.autoOffsetReset ?? 'earliest',
    mode: args.mode ?? 'stepping',
    handler,
    // Exactly-once: a transaction every 500 messages or 100 ms unless asked otherwise.
    commitPolicy: args.commitPolicy ?? (exactlyOnce ? defaultTransactionPolicy : { kind: 'perMessage' }),
    ...(exactlyOnce ? { delivery, ...(prefix ? { transactionalIdPrefix: prefix } : {}) } : {}),
    ...(outputTopics.length > 0 ? { outputTopics } : {}),
    ...(args.dlqTopic ? { dlqTopic: args.dlqTopic } : {}),
    members,
    ...(args.groupProtocol ? { groupProtocol: args.groupProtocol } : {}),
  };
  if (!spec.groupId) throw new Error('The group id is empty; give the session a consumer group id.');
  if (args.groupProtocol !== undefined && args.groupProtocol !== 'classic' && args.groupProtocol !== 'consumer')
    throw new Error(`The group protocol must be "classic" or "consumer" (got ${String(args.groupProtocol)}).`);
  const admin = await deps.clients.admin(cluster);
  // librdkafka, told to use the consumer protocol on a cluster without it, never joins and says nothing.
  if (spec.groupProtocol === 'consumer') await requireConsumerProtocol(admin, cluster.name);
  // Nor does a transactional producer on a cluster that cannot host a transaction coordinator.
  if (exactlyOnce) await requireTransactions(deps, admin, cluster.name);
  // Joining a group with live members takes partitions away from them: say so first.
  const live = await admin.describeGroup(spec.groupId).then(
    (d) => (d.members.length > 0 ? d : undefined),
    () => undefined,
  );
  if (live && !args.confirmed) {
    const choice = await vscode.window.showWarningMessage(
      `Group "${spec.groupId}" has ${live.members.length} live member(s) (${live.state}). Joining it starts a rebalance that takes partitions away from them, and your decisions commit for the whole group.`,
      { modal: true },
      'Join Anyway',
    );
    if (choice !== 'Join Anyway') return undefined;
  }
  // Called with arguments, nothing is asked: missing DLQ topics are created only when asked for.
  await ensureDlqTopics(deps, cluster, spec, args.createDlqTopics === true, fromArgs);
  if (outputTopics.length > 0)
    await ensureOutputTopics(admin, deps.logger, spec.topics, outputTopics, {
      create: args.createOutputTopics === true,
      silent: fromArgs,
    });
  const controller = await withProgress(
    `Starting a ${spec.mode}${exactlyOnce ? ' exactly-once' : ''} session of group ${spec.groupId}…`,
    () => deps.manager.start(spec),
  );
  if (!args.noPanel) deps.openPanel(controller);
  void reportGroupType(deps, admin, controller);
  return controller.id;
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  classic: 'the classic protocol',
  consumer: 'the consumer protocol (KIP-848)',
  unknown: 'a protocol the broker does not name',
};

async function requireConsumerProtocol(admin: KafkaAdmin, clusterName: string): Promise<void> {
  const support = await admin.groupProtocols();
  if (!support.consumer)
    throw new Error(
      `Cluster "${clusterName}" does not accept the consumer group protocol (KIP-848): broker ${support.brokerId} has group.coordinator.rebalance.protocols=${support.protocols.join(',')}. Kafka 4.0 and newer accept it by default. Start the session with the classic protocol, or add "consumer" to that broker setting.`,
    );
}

/** The copying handler needs output topics, none of which it reads: a copy into an input would loop. */
function checkOutputs(handler: string, outputs: readonly string[], inputs: readonly string[]): void {
  for (const t of outputs) {
    const problem = topicNameProblem(t);
    if (problem) throw new Error(`Output topic: ${problem}.`);
  }
  if (handler !== 'copy') return;
  if (outputs.length === 0)
    throw new Error('The copying handler needs at least one output topic; name the topics it should write to.');
  const loop = outputLoopProblem(outputs, inputs);
  if (loop) throw new Error(loop);
}

/** Fails, saying what to change, when the cluster cannot run transactions; an unreadable answer only warns. */
async function requireTransactions(deps: SessionStartDeps, admin: KafkaAdmin, clusterName: string): Promise<void> {
  const support = await admin.transactionSupport(clusterName).catch((error: unknown) => {
    deps.logger.warn(
      `could not read whether cluster "${clusterName}" can run transactions (${error instanceof Error ? error.message : String(error)}); starting anyway`,
    );
    return undefined;
  });
  if (support?.problem) throw new Error(support.problem);
}

/** Says which protocol the group uses, as the broker describes it once this session's members are in it (bounded). */
async function reportGroupType(
  deps: SessionStartDeps,
  admin: KafkaAdmin,
  controller: SessionController,
): Promise<void> {
  const groupId = controller.spec.groupId;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && controller.snapshot().state !== 'stopped') {
    const detail = await admin.describeGroup(groupId).catch(() => undefined);
    if (detail && detail.members.length > 0 && detail.type !== 'unknown') {
      controller.noteGroupType(detail.type);
      const chosen = controller.groupProtocol;
      const text = `Group "${groupId}" uses ${PROTOCOL_NAMES[detail.type]}: ${detail.members.length} member(s), ${detail.state}.`;
      deps.logger.info(text);
      if (detail.type !== chosen)
        void vscode.window.showWarningMessage(
          `${text} This session asked for ${PROTOCOL_NAMES[chosen]}; the broker keeps the group's protocol while members of the other one are in it.`,
        );
      else void vscode.window.showInformationMessage(text);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  deps.logger.warn(`group "${groupId}": the broker did not describe its protocol within 30 s`);
}

async function ensureDlqTopics(
  deps: SessionStartDeps,
  cluster: ClusterSettings,
  spec: SessionSpec,
  create: boolean,
  silent: boolean,
): Promise<void> {
  const admin = await deps.clients.admin(cluster);
  const existing = new Map((await admin.listTopics({ includeInternal: false })).map((t) => [t.name, t]));
  const missing = [...new Set(spec.topics.map((t) => dlqTopicFor(spec.dlqTopic, t)))].filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  let go = create;
  if (!go && silent) {
    deps.logger.warn(
      `dead-letter topic(s) ${missing.join(', ')} missing; dead-letter decisions will wait until they exist`,
    );
    return;
  }
  if (!go) {
    const many = missing.length > 1;
    const choice = await vscode.window.showWarningMessage(
      `The dead-letter topic${many ? 's' : ''} ${missing.map((t) => `"${t}"`).join(', ')} ${many ? 'do' : 'does'} not exist. A dead-letter decision would stay blocked until ${many ? 'they exist' : 'it exists'}.`,
      'Create',
      'Continue Without',
    );
    go = choice === 'Create';
  }
  if (!go) return;
  await withProgress(`Creating ${missing.join(', ')}…`, async () => {
    for (const name of missing) {
      const source = spec.topics.find((t) => dlqTopicFor(spec.dlqTopic, t) === name);
      const info = source ? existing.get(source) : undefined;
      await admin.createTopic({ name, partitions: 1, replicationFactor: info?.replicationFactor ?? 1 });
    }
  });
}

/** The interactive start flow; `from` is the node it was started on (a topic or a consumer group), if any. */
async function askStart(deps: SessionStartDeps, from: unknown): Promise<StartSessionArgs | undefined> {
  let cluster: ClusterSettings | undefined = isTopicNode(from) || isGroupNode(from) ? from.cluster : undefined;
  if (!cluster) {
    if (deps.store.list().length === 0)
      throw new Error(
        'No cluster connection yet. Add one in the Clusters view (Kafka: Add Cluster), then start the session.',
      );
    cluster = await pickCluster(deps.store, { title: TITLE, placeHolder: 'Cluster', takeSingle: true });
    if (!cluster) return undefined;
  }
  const admin = await deps.clients.admin(cluster);
  const allTopics = (await admin.listTopics()).map((t) => t.name);
  const presetTopic = isTopicNode(from) ? (typeof from.topic === 'string' ? from.topic : from.topic.name) : undefined;
  let groupId = isGroupNode(from) ? from.group.groupId : undefined;
  let preselected = presetTopic ? [presetTopic] : [];
  if (groupId) preselected = [...new Set((await admin.groupOffsets(groupId).catch(() => [])).map((r) => r.topic))];

  const topicItems = allTopics.map((name) => ({ label: name, picked: preselected.includes(name) }));
  const pickedTopics = await vscode.window.showQuickPick(topicItems, {
    title: TITLE,
    placeHolder: 'Topics to consume',
    canPickMany: true,
  });
  if (!pickedTopics || pickedTopics.length === 0) return undefined;
  const topics = pickedTopics.map((t) => t.label);

  if (!groupId) {
    const groups = await admin.listGroups().catch(() => []);
    const suggestion = suggestedGroupId(topics[0]!);
    const items: Array<vscode.QuickPickItem & { id?: string }> = [
      { label: `$(add) New group: ${suggestion}`, id: suggestion, description: 'suggested' },
      { label: '$(edit) Another new group…' },
      ...groups.map((g) => ({ label: g.groupId, id: g.groupId, description: g.state })),
    ];
    const choice = await vscode.window.showQuickPick(items, { title: TITLE, placeHolder: 'Consumer group' });
    if (!choice) return undefined;
    groupId =
      choice.id ??
      (
        await vscode.window.showInputBox({
          title: TITLE,
          prompt: 'New consumer group id',
          value: suggestion,
          validateInput: (v) => (v.trim() ? undefined : 'A group id is needed'),
        })
      )?.trim();
    if (!groupId) return undefined;
  }

  const groupProtocol = await askGroupProtocol(admin, groupId);
  if (!groupProtocol) return undefined;

  // The chosen topics only: commits on other topics do not say where these start.
  const hasOffsets = (await admin.groupOffsets(groupId, topics).catch(() => [])).some((r) => r.committed !== null);
  let autoOffsetReset: 'earliest' | 'latest' = 'earliest';
  if (!hasOffsets) {
    const start = await vscode.window.showQuickPick(
      [
        { label: 'Earliest', description: 'from the first message still kept', value: 'earliest' as const },
        { label: 'Latest', description: 'only messages produced from now on', value: 'latest' as const },
      ],
      { title: TITLE, placeHolder: `Group "${groupId}" has no committed offsets: where should it start?` },
    );
    if (!start) return undefined;
    autoOffsetReset = start.value;
  }

  const delivered = await askDelivery({
    title: TITLE,
    clusterName: cluster.name,
    admin,
    groupId,
    inputTopics: topics,
  });
  if (!delivered) return undefined;
  const outputs = delivered.outputTopics ?? [];
  const copying =
    outputs.length > 0
      ? [
          {
            label: 'Stepping, copying to the output topics',
            description: `one message at a time; Next copies it to ${outputs.join(', ')} in the open transaction`,
            mode: 'stepping' as const,
            handler: 'copy' as const,
          },
          {
            label: 'Running, copying to the output topics',
            description: `each message copied to ${outputs.join(', ')} (key, value, headers), committed by policy`,
            mode: 'running' as const,
            handler: 'copy' as const,
          },
        ]
      : [];
  const mode = await vscode.window.showQuickPick(
    [
      ...copying,
      {
        label: 'Stepping',
        description: 'one message at a time, you decide each',
        mode: 'stepping' as const,
        handler: 'noop' as const,
      },
      {
        label: 'Running, no-op handler',
        description: 'consume and mark done, commit by policy',
        mode: 'running' as const,
        handler: 'noop' as const,
      },
      {
        label: 'Running, logging handler',
        description: 'one log line per message in the Kafka Consumer Lab output',
        mode: 'running' as const,
        handler: 'log' as const,
      },
    ],
    { title: TITLE, placeHolder: 'Mode' },
  );
  if (!mode) return undefined;

  const commitPolicy = await askCommitPolicy(TITLE, { transactions: delivered.delivery === 'exactly-once' });
  if (!commitPolicy) return undefined;

  const dlq = await vscode.window.showInputBox({
    title: TITLE,
    prompt: 'Dead-letter topic ({topic} stands for the source topic)',
    value: '{topic}.dead-letter',
    validateInput: (v) =>
      /^[A-Za-z0-9._{}-]+$/.test(v.trim())
        ? undefined
        : 'Topic names use letters, digits, ".", "_" and "-" (and {topic})',
  });
  if (dlq === undefined) return undefined;

  const members = await vscode.window.showInputBox({
    title: TITLE,
    prompt: `How many members should join the group (1–${MAX_MEMBERS})? More members than partitions stay idle.`,
    value: '1',
    validateInput: (v) =>
      /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= MAX_MEMBERS
        ? undefined
        : `A whole number from 1 to ${MAX_MEMBERS}`,
  });
  if (members === undefined) return undefined;

  return {
    clusterId: cluster.id,
    groupId,
    topics,
    autoOffsetReset,
    mode: mode.mode,
    handler: mode.handler,
    commitPolicy,
    dlqTopic: dlq.trim(),
    members: Number(members),
    groupProtocol,
    ...delivered,
  };
}

/**
 * Which group protocol to join with: offers both, says which one the group uses now (an existing
 * group, as the broker describes it) and whether the cluster accepts the consumer protocol.
 */
async function askGroupProtocol(admin: KafkaAdmin, groupId: string): Promise<GroupProtocol | undefined> {
  const [detail, support] = await Promise.all([
    admin.describeGroup(groupId).catch(() => undefined),
    admin.groupProtocols().catch(() => undefined),
  ]);
  const current = detail && detail.type !== 'unknown' ? detail.type : undefined;
  const now = (p: GroupProtocol) => (current === p ? ' · the group uses it now' : '');
  const consumerNote =
    support === undefined
      ? 'the cluster did not say whether it accepts it'
      : support.consumer
        ? 'the broker assigns partitions incrementally; Kafka 4.0+'
        : `not accepted by this cluster (group.coordinator.rebalance.protocols=${support.protocols.join(',')})`;
  const items = [
    {
      label: 'Classic',
      description: `JoinGroup/SyncGroup, cooperative-sticky assignment${now('classic')}`,
      protocol: 'classic' as const,
    },
    {
      label: 'Consumer (KIP-848)',
      description: `${consumerNote}${now('consumer')}`,
      protocol: 'consumer' as const,
    },
  ];
  // The group's own protocol first, then classic.
  if (current === 'consumer') items.reverse();
  const choice = await vscode.window.showQuickPick(items, {
    title: TITLE,
    placeHolder: current
      ? `Group "${groupId}" uses the ${current} protocol: which one should this session join with?`
      : 'Consumer group protocol',
  });
  return choice?.protocol;
}

/** A suggested group id for a developer's own session: `<user>-dev-<topic>`. */
function suggestedGroupId(topic: string): string {
  let user = 'dev';
  try {
    user = os.userInfo().username || user;
  } catch {
    // No user name: keep the default.
  }
  return `${user.replace(/[^A-Za-z0-9._-]/g, '')}-dev-${topic}`.slice(0, 200);
}
