import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { toDisplayJson } from '../core/codec/displayValue';
import { PayloadEncoder } from '../core/codec/payloadEncoder';
import { PayloadDecoder } from '../core/codec/payloadDecoder';
import { SchemaCache } from '../core/codec/schemaCache';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import { detectDeadLetter } from '../core/dlq/detect';
import { originalMessageOf, provenanceHeaders } from '../core/dlq/provenance';
import type { KafkaRecord } from '../core/kafka/record';
import { fetchRecord } from '../core/kafka/recordFetch';
import type { Logger } from '../core/logging';
import {
  importRecords,
  type ImportOptions,
  type ImportPayloadMode,
  type ImportSummary,
} from '../core/produce/fileImport';
import { GenerateError } from '../core/produce/generateErrors';
import { produceGenerated } from '../core/produce/generateProduce';
import { loadGenerator } from '../core/produce/generateRecords';
import type { PayloadInput, SchemaFormat } from '../core/produce/payloadForms';
import { describeImport } from '../core/produce/importSummaryText';
import { ProduceError } from '../core/produce/produceErrors';
import { ProduceService } from '../core/produce/produceService';
import { parseProducerSettings, type ProducerSettings } from '../core/produce/producerSettings';
import { RecordProducer } from '../core/produce/recordProducer';
import { detectFormat, type FileFormat } from '../core/produce/recordSource';
import type { SessionManager } from '../core/session/sessionManager';
import type { ClusterClients } from '../platform/clusterClients';
import type { ClusterStore } from '../platform/clusterStore';
import type { RegistryClients } from '../platform/registryClients';
import { TopicNode } from '../views/clustersView';
import { PanelRegistry } from '../webviews/shared/panelRegistry';
import { type FormGenerator, ProducerPanel } from '../webviews/producerPanel/producerPanel';
import type { ProducerDraft } from '../webviews/producerPanel/protocol';
import { pickCluster } from './clusterPicker';
import type { CommandTable } from './commandTable';

export interface ProduceCommandDeps {
  readonly store: ClusterStore;
  readonly clients: ClusterClients;
  readonly registries: RegistryClients;
  readonly sessions: SessionManager;
  readonly extensionUri: vscode.Uri;
  readonly logger: Logger;
}

/** Which cluster and topic a command acts on: a topic node, or `{clusterId, topic}` from a test or another extension. */
interface TopicRef {
  readonly clusterId: string;
  readonly topic: string;
}

export interface ProduceFromFileArgs extends TopicRef {
  /** A file path; without it (and without `text`) the active editor's document. */
  readonly file?: string;
  /** The text itself (a document's content). */
  readonly text?: string;
  readonly format?: FileFormat;
  readonly key?: ImportPayloadMode;
  readonly value?: ImportPayloadMode;
  readonly onBadRecord?: 'skip' | 'stop';
  readonly dryRun?: boolean;
}

const SETTINGS_SECTION = 'kafkaLab.producer';

/** The producer settings of a cluster: `kafkaLab.producer.defaults`, overridden by `kafkaLab.producer.clusters[<name>]`. */
export function producerSettingsFor(cluster: ClusterSettings, logger?: Logger): ProducerSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const defaults = config.get<Record<string, unknown>>('defaults') ?? {};
  const perCluster = config.get<Record<string, Record<string, unknown>>>('clusters') ?? {};
  const { settings, problems } = parseProducerSettings({ ...defaults, ...(perCluster[cluster.name] ?? {}) });
  for (const problem of problems) logger?.warn(`producer settings of ${cluster.name}: ${problem}`);
  return settings;
}

function describeSettings(s: ProducerSettings): string {
  return [
    `acks=${s.acks}`,
    s.idempotence ? 'idempotent' : 'not idempotent',
    s.compression,
    `linger ${s.lingerMs} ms`,
    `retries ${s.retries}`,
  ].join(' · ');
}

/**
 * Producing test messages: the producer form (a topic node, the palette, Produce Copy from a
 * message) and file import. One producer per cluster, made on first use with the cluster's
 * producer settings and replaced when they change; closed with the extension.
 */
export class Producing implements vscode.Disposable {
  private readonly producers = new Map<string, { fingerprint: string; producer: RecordProducer }>();
  private readonly encoders = new Map<string, { client: unknown; encoder: PayloadEncoder; decoder: PayloadDecoder }>();
  readonly panels = new PanelRegistry<string, ProducerPanel>();

  constructor(private readonly deps: ProduceCommandDeps) {}

  async producer(cluster: ClusterSettings): Promise<RecordProducer> {
    const settings = producerSettingsFor(cluster, this.deps.logger);
    const connection = await this.deps.clients.connection(cluster);
    // Cluster settings hold no secrets; a change of either replaces the producer.
    const fingerprint = JSON.stringify([settings, cluster]);
    const known = this.producers.get(cluster.id);
    if (known && known.fingerprint === fingerprint) return known.producer;
    if (known) void known.producer.close();
    const producer = new RecordProducer({ connection, settings, logger: this.deps.logger.child(cluster.name) });
    this.producers.set(cluster.id, { fingerprint, producer });
    return producer;
  }

  codec(cluster: ClusterSettings): { encoder: PayloadEncoder; decoder: PayloadDecoder } {
    const client = this.deps.registries.client(cluster);
    const known = this.encoders.get(cluster.id);
    if (known && known.client === client) return known;
    const schemas = client ? new SchemaCache(client, { logger: this.deps.logger.child(cluster.name) }) : undefined;
    const made = {
      client,
      encoder: new PayloadEncoder(client && schemas ? { registry: client, schemas, logger: this.deps.logger } : {}),
      decoder: new PayloadDecoder(schemas ? { schemas } : {}),
    };
    this.encoders.set(cluster.id, made);
    return made;
  }

  /** Opens (or reveals) the form for a topic. */
  async openForm(cluster: ClusterSettings, topic: string): Promise<ProducerPanel> {
    const producer = await this.producer(cluster);
    const { encoder } = this.codec(cluster);
    const service = (): ProduceService => new ProduceService({ encoder: this.codec(cluster).encoder, producer });
    const { panel } = this.panels.findOrCreate(`${cluster.id}\u0000${topic}`, () => {
      const made = new ProducerPanel({
        extensionUri: this.deps.extensionUri,
        clusterName: cluster.name,
        topic,
        hasRegistry: this.deps.registries.client(cluster) !== undefined,
        settings: describeSettings(producerSettingsFor(cluster)),
        validate: async (request) => {
          const prepared = await new ProduceService({ encoder, producer }).prepare(request);
          if (!prepared.ok) return prepared.problems;
          // The record is valid; a topic that does not exist is still worth saying before Send.
          try {
            await producer.topic(topic);
            return [];
          } catch (error) {
            if (error instanceof ProduceError)
              return [{ field: 'topic', reason: error.reason, message: error.message }];
            throw error;
          }
        },
        send: async (request) => {
          const outcome = await service().produce(request);
          if (outcome.ok)
            this.deps.logger.info(
              `produced to ${topic} partition ${outcome.delivered.partition} offset ${outcome.delivered.offset}`,
            );
          return outcome;
        },
        partitions: async () => (await producer.topic(topic)).partitions,
        viewInViewer: async (partition, offset) =>
          await vscode.commands.executeCommand('kafkaLab.viewAroundOffset', {
            clusterId: cluster.id,
            topic,
            partition,
            offset,
          }),
        createTopic: async () => {
          const created = await vscode.commands.executeCommand<string | undefined>('kafkaLab.createTopic', cluster.id, {
            name: topic,
          });
          producer.forgetTopic(topic);
          return created !== undefined;
        },
        generator: (value, seed) => this.generator(cluster, topic, value, seed),
        produceGenerated: (request, generator, run) =>
          produceGenerated(
            { service: service(), producer },
            {
              request,
              generator,
              count: run.count,
              ...(run.ratePerSecond !== undefined ? { ratePerSecond: run.ratePerSecond } : {}),
              signal: run.signal,
              onProgress: run.onProgress,
            },
          ),
        logger: this.deps.logger,
      });
      return made;
    });
    return panel;
  }

  /**
   * The generator for a form's value: the schema it names, or, when the value is not in the schema
   * form, the topic's value subject (latest) in whatever format the registry holds it.
   */
  async generator(
    cluster: ClusterSettings,
    topic: string,
    value: PayloadInput,
    seed: number | undefined,
  ): Promise<FormGenerator> {
    const registry = this.deps.registries.client(cluster);
    if (!registry)
      throw new GenerateError(
        'noSchema',
        `Generate needs a Schema Registry, and the cluster "${cluster.name}" has none. Edit the cluster connection to add the registry's URL.`,
      );
    let input = value;
    if (value.form !== 'schema') {
      const subject = `${topic}-value`;
      const found = await registry.getSchemaByVersion(subject, 'latest');
      if (!found.ok)
        throw new GenerateError(
          'noSchema',
          `Generate reads the value's schema from the registry: the topic's value subject "${subject}" could not be read (${found.error.message}). Register a schema under it, or choose "Schema Registry" as the value form and give the subject.`,
          { cause: found.error },
        );
      input = {
        form: 'schema',
        text: value.text,
        schema: { format: formatOfSchemaType(found.value.schemaType), strategy: 'TopicName', version: 'latest' },
      };
    }
    const loaded = await loadGenerator(registry, topic, 'value', input, seed !== undefined ? { seed } : {});
    return { ...loaded, value: input };
  }

  dispose(): void {
    this.panels.dispose();
    for (const { producer } of this.producers.values()) void producer.close();
    this.producers.clear();
  }
}

export function produceCommands(
  deps: ProduceCommandDeps,
  producing: Producing,
): Pick<CommandTable, 'kafkaLab.produceMessage' | 'kafkaLab.produceCopy' | 'kafkaLab.produceFromFile'> {
  const clusterById = (id: string): ClusterSettings => {
    const cluster = deps.store.get(id);
    if (!cluster) throw new Error(`No saved cluster "${id}". Add it in the Clusters view first.`);
    return cluster;
  };

  const topicOf = async (
    arg: unknown,
    title: string,
  ): Promise<{ cluster: ClusterSettings; topic: string } | undefined> => {
    if (arg instanceof TopicNode) return { cluster: arg.cluster, topic: arg.topic.name };
    if (isTopicRef(arg)) return { cluster: clusterById(arg.clusterId), topic: arg.topic };
    const cluster = await pickCluster(deps.store, { title, takeSingle: true });
    if (!cluster) return undefined;
    const admin = await deps.clients.admin(cluster);
    const topics = await admin.listTopics({ includeInternal: false });
    const picked = await vscode.window.showQuickPick(
      topics.map((t) => ({ label: t.name, description: `${t.partitions} partitions` })),
      { title, placeHolder: 'The topic to produce to' },
    );
    return picked ? { cluster, topic: picked.label } : undefined;
  };

  const produceMessage = async (arg?: unknown): Promise<ProducerPanel | undefined> => {
    const target = await topicOf(arg, 'Produce Message');
    if (!target) return undefined;
    const panel = await producing.openForm(target.cluster, target.topic);
    const draft = isTopicRef(arg) ? (arg as { draft?: unknown }).draft : undefined;
    if (draft && typeof draft === 'object') panel.fill(draft as ProducerDraft);
    return panel;
  };

  /**
   * Edit and re-drive: a dead letter's original key, value and headers in the form, to the topic it
   * failed on, with the provenance headers a re-drive carries (kafka-lab.redriven-from / -at).
   */
  const editAndRedrive = async (ref: TopicRef & { partition: number; offset: number }): Promise<ProducerPanel> => {
    const cluster = clusterById(ref.clusterId);
    const where = `${ref.topic}[${ref.partition}]@${ref.offset}`;
    const record = await fetchRecord(
      await deps.clients.connection(cluster),
      ref.topic,
      ref.partition,
      ref.offset,
      15_000,
    );
    const info = detectDeadLetter(record);
    if (!info?.originalTopic)
      throw new Error(
        `${where} does not name the topic it failed on, so it cannot be re-driven there. Use Produce Copy… on it and pick the topic.`,
      );
    const original = originalMessageOf(record);
    const draft = await draftOfRecord(
      {
        topic: info.originalTopic,
        partition: 0,
        offset: 0,
        key: original.key,
        value: original.value,
        headers: original.headers,
      },
      producing.codec(cluster).decoder,
    );
    const provenance = provenanceHeaders(record, new Date()).flatMap((h) =>
      Object.entries(h).map(([key, value]) => ({ key, value: String(value) })),
    );
    const panel = await producing.openForm(cluster, info.originalTopic);
    panel.fill(
      { key: draft.key, value: draft.value, headers: [...draft.headers, ...provenance] },
      `Edit and re-drive: the original message of the dead letter ${where}, to ${info.originalTopic}. Change it, then Send; the kafka-lab.redriven-from and -at headers say where it came from.`,
    );
    return panel;
  };

  /** Produce Copy: the record as stored (read by offset, no group), in the form, ready to change and send. */
  const produceCopy = async (arg?: unknown): Promise<ProducerPanel | undefined> => {
    if (isRecordRef(arg) && (arg as { redrive?: unknown }).redrive === true) return editAndRedrive(arg);
    let ref: (TopicRef & { partition: number; offset: number }) | undefined = isRecordRef(arg) ? arg : undefined;
    if (!ref) {
      const session = deps.sessions.active;
      const current = session?.current;
      if (!session || !current) {
        void vscode.window.showInformationMessage(
          'Kafka Consumer Lab: Produce Copy copies the message on screen in a session panel; no session shows one.',
        );
        return undefined;
      }
      ref = {
        clusterId: session.spec.clusterId,
        topic: current.topic,
        partition: current.partition,
        offset: current.offset,
      };
    }
    const cluster = clusterById(ref.clusterId);
    const record = await fetchRecord(
      await deps.clients.connection(cluster),
      ref.topic,
      ref.partition,
      ref.offset,
      15_000,
    );
    const draft = await draftOfRecord(record, producing.codec(cluster).decoder);
    const target = isRecordRef(arg) && arg.targetTopic ? arg.targetTopic : ref.topic;
    const panel = await producing.openForm(cluster, target);
    panel.fill(draft, `A copy of ${ref.topic} partition ${ref.partition} offset ${ref.offset}. Change it, then Send.`);
    return panel;
  };

  const produceFromFile = async (arg?: unknown): Promise<ImportSummary | undefined> => {
    const given = isTopicRef(arg) ? (arg as ProduceFromFileArgs) : undefined;
    const target = await topicOf(arg, 'Produce from File');
    if (!target) return undefined;
    const { cluster, topic } = target;
    let source: { name: string | undefined; chunks: () => AsyncIterable<Buffer | string>; first: string };
    if (given?.text !== undefined) {
      const text = given.text;
      source = { name: undefined, chunks: () => oneChunk(text), first: text.slice(0, 1000) };
    } else if (given?.file) {
      source = fileSource(given.file);
    } else if (given) {
      const document = vscode.window.activeTextEditor?.document;
      if (!document) throw new Error('No file given and no editor is open: open the records file, or choose a file.');
      const text = document.getText();
      source = { name: document.fileName, chunks: () => oneChunk(text), first: text.slice(0, 1000) };
    } else {
      const picked = await askSource();
      if (!picked) return undefined;
      source = picked;
    }
    const format = given?.format ?? detectFormat(source.name, source.first);
    let options: Omit<ImportOptions, 'signal' | 'onProgress'>;
    if (given) {
      options = {
        topic,
        format,
        onBadRecord: given.onBadRecord ?? 'skip',
        ...(given.key ? { key: given.key } : {}),
        ...(given.value ? { value: given.value } : {}),
        ...(given.dryRun ? { dryRun: true } : {}),
      };
    } else {
      const asked = await askImportOptions(topic, format, deps.registries.client(cluster) !== undefined);
      if (!asked) return undefined;
      options = asked;
    }
    const producer = await producing.producer(cluster);
    const { encoder } = producing.codec(cluster);
    const summary = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `${options.dryRun ? 'Checking' : 'Producing'} ${source.name ? `"${source.name.split(/[\\/]/).pop() ?? ''}"` : 'the document'} to ${topic}`,
        cancellable: true,
      },
      async (progress, token) => {
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => controller.abort());
        let last = 0;
        try {
          return await importRecords(
            source.chunks(),
            {
              ...options,
              signal: controller.signal,
              progressEveryRecords: 1000,
              onProgress: (p) => {
                const now = Date.now();
                if (now - last < 250) return;
                last = now;
                progress.report({ message: `${p.read} read, ${p.sent} sent, ${p.failed} failed` });
              },
            },
            { producer, encoder },
          );
        } finally {
          cancel.dispose();
        }
      },
    );
    report(summary, topic, deps.logger);
    return summary;
  };

  return {
    'kafkaLab.produceMessage': produceMessage,
    'kafkaLab.produceCopy': produceCopy,
    'kafkaLab.produceFromFile': produceFromFile,
  };
}

function formatOfSchemaType(schemaType: string | undefined): SchemaFormat {
  if (schemaType === 'PROTOBUF') return 'protobuf';
  if (schemaType === 'JSON') return 'jsonSchema';
  return 'avro';
}

function isTopicRef(x: unknown): x is TopicRef {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as TopicRef).clusterId === 'string' &&
    typeof (x as TopicRef).topic === 'string'
  );
}

function isRecordRef(x: unknown): x is TopicRef & { partition: number; offset: number; targetTopic?: string } {
  return (
    isTopicRef(x) &&
    Number.isSafeInteger((x as { partition?: unknown }).partition) &&
    Number.isSafeInteger((x as { offset?: unknown }).offset)
  );
}

async function* oneChunk(text: string): AsyncGenerator<string> {
  yield text;
}

function fileSource(file: string): { name: string; chunks: () => AsyncIterable<Buffer>; first: string } {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(1000);
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  return {
    name: file,
    chunks: () => fs.createReadStream(file, { highWaterMark: 256 * 1024 }),
    first: head.subarray(0, n).toString('utf8'),
  };
}

async function askSource(): Promise<
  { name: string | undefined; chunks: () => AsyncIterable<Buffer | string>; first: string } | undefined
> {
  const document = vscode.window.activeTextEditor?.document;
  const choices: Array<vscode.QuickPickItem & { id: 'file' | 'editor' }> = [
    {
      id: 'file',
      label: 'Choose a file…',
      description: '.json array or .ndjson of {key, value, headers, partition, timestamp}',
    },
  ];
  if (document) choices.unshift({ id: 'editor', label: 'The active editor', description: document.fileName });
  const choice = await vscode.window.showQuickPick(choices, { title: 'Produce from File: the records' });
  if (!choice) return undefined;
  if (choice.id === 'editor' && document) {
    const text = document.getText();
    return { name: document.fileName, chunks: () => oneChunk(text), first: text.slice(0, 1000) };
  }
  const uris = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { Records: ['json', 'ndjson', 'jsonl'], 'All files': ['*'] },
    title: 'Produce from File',
  });
  return uris?.[0] ? fileSource(uris[0].fsPath) : undefined;
}

async function askImportOptions(
  topic: string,
  format: FileFormat,
  hasRegistry: boolean,
): Promise<Omit<ImportOptions, 'signal' | 'onProgress'> | undefined> {
  const modes: Array<vscode.QuickPickItem & { mode: ImportPayloadMode }> = [
    {
      label: 'As written',
      description: 'strings as text, other JSON as JSON text (or per record: valueEncoding)',
      mode: { kind: 'auto' },
    },
  ];
  if (hasRegistry)
    for (const [format, name] of [
      ['avro', 'Avro'],
      ['protobuf', 'Protobuf'],
      ['jsonSchema', 'JSON Schema'],
    ] as const)
      modes.push({
        label: `${name}, subject ${topic}-value (latest)`,
        description: 'encode each value through the registry',
        mode: { kind: 'schema', schema: { format, strategy: 'TopicName', version: 'latest' } },
      });
  const value = await vscode.window.showQuickPick(modes, { title: 'Produce from File: the values' });
  if (!value) return undefined;
  const onBad = await vscode.window.showQuickPick(
    [
      { label: 'Skip bad records', description: 'send the others; the bad ones are listed', id: 'skip' as const },
      { label: 'Stop at the first bad record', description: 'the records before it are sent', id: 'stop' as const },
      { label: 'Check only (dry run)', description: 'encode every record, send none', id: 'dry' as const },
    ],
    { title: 'Produce from File: a record that cannot be sent' },
  );
  if (!onBad) return undefined;
  return {
    topic,
    format,
    value: value.mode,
    onBadRecord: onBad.id === 'stop' ? 'stop' : 'skip',
    ...(onBad.id === 'dry' ? { dryRun: true } : {}),
  };
}

/** The summary: a message that says what went, and every listed failure in the log. */
function report(summary: ImportSummary, topic: string, logger: Logger): void {
  for (const f of summary.failures)
    logger.warn(`record ${f.index + 1} (line ${f.line}, column ${f.column}) not sent: ${f.message}`, {
      reason: f.reason,
    });
  for (const p of summary.partitions)
    logger.info(`partition ${p.partition}: ${p.count} records, offsets ${p.firstOffset}–${p.lastOffset}`);
  const text = `Kafka Consumer Lab: ${describeImport(summary, topic)}`;
  logger.info(text);
  if (summary.outcome === 'complete') void vscode.window.showInformationMessage(text);
  else void vscode.window.showWarningMessage(text);
}

/** The form's draft for a stored record: what it decodes to, in the form that writes it back the same. */
export async function draftOfRecord(record: KafkaRecord, decoder: PayloadDecoder): Promise<ProducerDraft> {
  const side = async (role: 'key' | 'value', bytes: Buffer | null): Promise<PayloadInput> => {
    if (bytes === null) return { form: 'null', text: '' };
    const decoded = await decoder.decode(bytes, { topic: record.topic, role });
    if (decoded.ok && (decoded.format === 'avro' || decoded.format === 'protobuf' || decoded.format === 'jsonSchema')) {
      const schema = decoded.schema;
      return {
        form: 'schema',
        text: JSON.stringify(toDisplayJson(decoded.value), null, 2),
        schema: {
          format: decoded.format,
          strategy: 'TopicName',
          version: schema.version ?? 'latest',
          ...(schema.subject ? { subject: schema.subject } : {}),
          ...(decoded.messageType ? { messageType: decoded.messageType } : {}),
        },
      };
    }
    if (decoded.ok && decoded.format === 'json') return { form: 'json', text: bytes.toString('utf8') };
    const text = bytes.toString('utf8');
    // Text only when it round-trips and holds no control characters other than tab and line breaks.
    const controls = [...text].some((ch) => {
      const code = ch.charCodeAt(0);
      return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
    });
    if (Buffer.from(text, 'utf8').equals(bytes) && !controls) return { form: 'text', text };
    return { form: 'base64', text: bytes.toString('base64') };
  };
  const headers = (record.headers ?? []).flatMap((h) =>
    Object.entries(h).map(([key, value]) => ({
      key,
      value: Buffer.isBuffer(value) ? value.toString('utf8') : String(value),
    })),
  );
  return {
    partition: record.partition,
    key: await side('key', record.key),
    value: await side('value', record.value),
    headers,
    ...(record.timestamp !== undefined ? { timestamp: new Date(record.timestamp).toISOString() } : {}),
  };
}
