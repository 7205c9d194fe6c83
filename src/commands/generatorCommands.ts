import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import type { CommitPolicy } from '../core/engine/commitPolicy';
import { defaultRetryPolicy } from '../core/engine/backoff';
import type { GeneratedFile } from '../core/generator/projectFile';
import {
  type GeneratedValueFormat,
  type GeneratorInput,
  type GeneratorSchema,
  type ProjectLanguage,
  defaultGeneratorInput,
  projectNameFor,
} from '../core/generator/generatorInput';
import type { Logger } from '../core/logging';
import { dlqTopicFor, type SessionController } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';
import type { ClusterClients } from '../platform/clusterClients';
import type { ClusterStore } from '../platform/clusterStore';
import type { RegistryClients } from '../platform/registryClients';
import { reachMilestone } from '../platform/walkthrough';
import { pickCluster } from './clusterPicker';
import { type GeneratorPrompts, type PromptTrace, generatorPrompts } from './generatorPrompts';

export interface GeneratorCommandDeps {
  readonly store: ClusterStore;
  readonly clients: ClusterClients;
  readonly registries: RegistryClients;
  readonly manager: SessionManager;
  readonly logger: Logger;
}

/** Where the command was started, and what it already knows from there. */
interface Start {
  readonly cluster: ClusterSettings;
  readonly topics?: readonly string[];
  readonly groupId?: string;
  /** A running session's settings: nothing of these is asked again. */
  readonly session?: SessionController;
}

/** Options for tests and other callers: `onPrompt` hears each prompt as it opens. */
export interface GenerateOptions {
  readonly onPrompt?: PromptTrace;
}

export interface GenerateResult {
  readonly folder: string;
  readonly files: readonly string[];
  readonly input: GeneratorInput;
}

const TITLE = 'Generate Consumer Project';

export function generatorCommands(deps: GeneratorCommandDeps) {
  return {
    'kafkaLab.generateConsumerProject': (from?: unknown, options?: GenerateOptions) =>
      generateConsumerProject(deps, from, generatorPrompts(TITLE, options?.onPrompt)),
  };
}

/**
 * "Kafka: Generate Consumer Project…": from a topic, a consumer group, a running session (whose
 * settings it takes) or the palette; asks what it does not know, takes the value schema from the
 * registry when the topic's subject exists, writes the project, and offers to open it.
 */
export async function generateConsumerProject(
  deps: GeneratorCommandDeps,
  from: unknown,
  prompts: GeneratorPrompts,
): Promise<GenerateResult | undefined> {
  const start = await startFrom(deps, from);
  if (!start) return undefined;
  const { cluster, session } = start;
  const language = await prompts.language();
  if (!language) return undefined;
  const topics = start.topics ?? (await askTopics(deps, cluster, prompts));
  if (!topics || topics.length === 0) return undefined;
  const groupId = start.groupId ?? (await prompts.groupId(`${topics[0]}-consumer`));
  if (!groupId) return undefined;
  const value = await valueFormatFor(deps, cluster, topics[0] as string, prompts);
  if (!value) return undefined;
  const commitPolicy: CommitPolicy | undefined = session ? session.spec.commitPolicy : await prompts.commitPolicy();
  if (!commitPolicy) return undefined;
  const delivery = session ? (session.spec.delivery ?? 'at-least-once') : await prompts.delivery();
  if (!delivery) return undefined;
  const eos = delivery === 'exactly-once';
  const outputTopic = !eos
    ? undefined
    : (session?.spec.outputTopics?.[0] ?? (await prompts.outputTopic(`${topics[0] as string}.out`, topics)));
  if (eos && !outputTopic) return undefined;
  // The exactly-once consumer handles one message at a time, in order.
  const concurrency = eos ? 1 : session ? (session.spec.concurrency ?? 1) : await prompts.concurrency();
  if (concurrency === undefined) return undefined;
  const dlqTopic = session
    ? dlqTopicFor(session.spec.dlqTopic, topics[0] as string)
    : await prompts.dlqTopic(dlqTopicFor(undefined, topics[0] as string), topics);
  if (!dlqTopic) return undefined;
  const input = defaultGeneratorInput({
    language,
    groupId,
    topics,
    projectName: projectNameFor(groupId),
    valueFormat: value.format,
    ...(value.schema ? { schema: value.schema } : {}),
    commitPolicy,
    concurrency,
    retry: defaultRetryPolicy,
    dlqTopic,
    ...(eos ? { delivery, outputTopic } : {}),
    autoOffsetReset: session?.spec.autoOffsetReset ?? 'earliest',
    connection: connectionOf(cluster),
    clusterName: cluster.name,
  });
  const folder = await prompts.folder(input.projectName);
  if (!folder) return undefined;
  // The generator validates everything it writes (and says which field is wrong).
  const { generateProject } = await import('../core/generator/generateProject');
  const files = generateProject(input);
  if (!(await confirmOverwrite(folder, files, prompts))) return undefined;
  for (const file of files)
    await vscode.workspace.fs.writeFile(
      vscode.Uri.file(path.join(folder, file.path)),
      Buffer.from(file.content, 'utf8'),
    );
  deps.logger.info(`generated a ${language} consumer for ${topics.join(', ')} (${files.length} files) in ${folder}`);
  reachMilestone('generated');
  void offerToOpen(folder, files.length);
  return { folder, files: files.map((f) => f.path), input };
}

async function startFrom(deps: GeneratorCommandDeps, from: unknown): Promise<Start | undefined> {
  const node = (from ?? {}) as {
    kind?: string;
    cluster?: ClusterSettings;
    topic?: { name: string } | string;
    group?: { groupId: string };
    controller?: SessionController;
  };
  const controller = node.kind === 'session' ? node.controller : isController(from) ? from : undefined;
  if (controller) {
    const cluster = deps.store.get(controller.spec.clusterId);
    if (!cluster) throw new Error(`The session's cluster "${controller.spec.clusterName}" is no longer saved.`);
    return { cluster, topics: controller.spec.topics, groupId: controller.spec.groupId, session: controller };
  }
  if (node.kind === 'topic' && node.cluster && node.topic)
    return { cluster: node.cluster, topics: [typeof node.topic === 'string' ? node.topic : node.topic.name] };
  if (node.kind === 'group' && node.cluster && node.group) {
    const admin = await deps.clients.admin(node.cluster);
    const offsets = await admin.groupOffsets(node.group.groupId).catch(() => []);
    const topics = [...new Set(offsets.map((o) => o.topic))];
    return { cluster: node.cluster, groupId: node.group.groupId, ...(topics.length ? { topics } : {}) };
  }
  const cluster = await pickCluster(deps.store, { title: TITLE, placeHolder: 'Cluster', takeSingle: true });
  return cluster ? { cluster } : undefined;
}

function isController(x: unknown): x is SessionController {
  return typeof x === 'object' && x !== null && 'spec' in x && 'snapshot' in x;
}

async function askTopics(
  deps: GeneratorCommandDeps,
  cluster: ClusterSettings,
  prompts: GeneratorPrompts,
): Promise<string[] | undefined> {
  const admin = await deps.clients.admin(cluster);
  const names = (await admin.listTopics({ includeInternal: false })).map((t) => t.name);
  if (names.length === 0) throw new Error(`Cluster "${cluster.name}" has no topics yet. Create one first.`);
  return prompts.topics(names);
}

/** The value format: the registry's when the topic's `<topic>-value` subject exists, else asked. */
async function valueFormatFor(
  deps: GeneratorCommandDeps,
  cluster: ClusterSettings,
  topic: string,
  prompts: GeneratorPrompts,
): Promise<{ format: GeneratedValueFormat; schema?: GeneratorSchema } | undefined> {
  const registry = deps.registries.client(cluster);
  const subject = `${topic}-value`;
  let found: (GeneratorSchema & { type: GeneratedValueFormat }) | undefined;
  let note: string | undefined;
  if (registry) {
    const latest = await registry.getSchemaByVersion(subject, 'latest');
    if (latest.ok) {
      const kind = latest.value.schemaType;
      const type: GeneratedValueFormat | undefined =
        kind === 'JSON' ? 'jsonSchema' : kind === 'AVRO' ? 'avro' : kind === 'PROTOBUF' ? 'protobuf' : undefined;
      if (type === 'protobuf' && latest.value.references?.length)
        note = `subject ${subject} is Protobuf with imports of other subjects, which the generator does not resolve yet`;
      else if (type)
        found = { type, subject, version: latest.value.version, id: latest.value.id, schema: latest.value.schema };
      else note = `subject ${subject} is ${kind}, which the generator does not support yet`;
    } else if (latest.error.reason !== 'subjectNotFound' && latest.error.reason !== 'versionNotFound') {
      deps.logger.warn(`could not read subject ${subject}: ${latest.error.message}`);
      note = `the registry could not be read (${latest.error.message})`;
    }
  }
  const format = await prompts.valueFormat(
    found ? { format: found.type, subject, version: found.version } : undefined,
    note,
    !!registry,
  );
  if (!format) return undefined;
  if (found && format === found.type)
    return {
      format,
      schema: { subject: found.subject, version: found.version, id: found.id, schema: found.schema },
    };
  return { format };
}

function connectionOf(cluster: ClusterSettings): GeneratorInput['connection'] {
  const sasl = cluster.sasl;
  const tls = cluster.tls;
  return {
    bootstrapServers: cluster.bootstrapServers,
    securityProtocol: cluster.securityProtocol,
    ...(sasl?.mechanism ? { saslMechanism: sasl.mechanism } : {}),
    ...(sasl?.username && sasl.mechanism !== 'OAUTHBEARER' ? { saslUsername: sasl.username } : {}),
    // OAUTHBEARER: the endpoint, client id and scope are not secrets; the client secret stays in the environment.
    ...(sasl?.mechanism === 'OAUTHBEARER' && sasl.tokenEndpointUrl
      ? { oauthTokenEndpointUrl: sasl.tokenEndpointUrl }
      : {}),
    ...(sasl?.mechanism === 'OAUTHBEARER' && sasl.clientId ? { oauthClientId: sasl.clientId } : {}),
    ...(sasl?.mechanism === 'OAUTHBEARER' && sasl.scope ? { oauthScope: sasl.scope } : {}),
    ...(tls?.caFile ? { sslCaLocation: tls.caFile } : {}),
    ...(tls?.certFile && tls.keyFile ? { sslCertificateLocation: tls.certFile, sslKeyLocation: tls.keyFile } : {}),
    ...(cluster.registry?.url ? { schemaRegistryUrl: cluster.registry.url } : {}),
  };
}

/** Never overwrites silently: files that exist are listed and the user decides. */
async function confirmOverwrite(
  folder: string,
  files: readonly GeneratedFile[],
  prompts: GeneratorPrompts,
): Promise<boolean> {
  const existing: string[] = [];
  for (const file of files) {
    try {
      await vscode.workspace.fs.stat(vscode.Uri.file(path.join(folder, file.path)));
      existing.push(file.path);
    } catch {
      // absent: fine
    }
  }
  return existing.length === 0 || prompts.overwrite(folder, existing);
}

async function offerToOpen(folder: string, count: number): Promise<void> {
  const choice = await vscode.window.showInformationMessage(
    `Generated the consumer project (${count} files) in ${folder}.`,
    'Open Folder',
    'Open in New Window',
  );
  if (choice)
    await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(folder), {
      forceNewWindow: choice === 'Open in New Window',
    });
}

export type { ProjectLanguage };
