import * as vscode from 'vscode';
import { PayloadEncoder } from '../core/codec/payloadEncoder';
import { PayloadDecoder } from '../core/codec/payloadDecoder';
import { SchemaCache } from '../core/codec/schemaCache';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import type { Logger } from '../core/logging';
import { GenerateError } from '../core/produce/generateErrors';
import { produceGenerated } from '../core/produce/generateProduce';
import { loadGenerator } from '../core/produce/generateRecords';
import type { PayloadInput, SchemaFormat } from '../core/produce/payloadForms';
import { ProduceError } from '../core/produce/produceErrors';
import { ProduceService } from '../core/produce/produceService';
import { parseProducerSettings, type ProducerSettings } from '../core/produce/producerSettings';
import { RecordProducer } from '../core/produce/recordProducer';
import type { SessionManager } from '../core/session/sessionManager';
import type { ClusterClients } from '../platform/clusterClients';
import type { ClusterStore } from '../platform/clusterStore';
import type { RegistryClients } from '../platform/registryClients';
import { PanelRegistry } from '../webviews/shared/panelRegistry';
import { type FormGenerator, ProducerPanel } from '../webviews/producerPanel/producerPanel';

export interface ProduceCommandDeps {
  readonly store: ClusterStore;
  readonly clients: ClusterClients;
  readonly registries: RegistryClients;
  readonly sessions: SessionManager;
  readonly extensionUri: vscode.Uri;
  readonly logger: Logger;
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

function formatOfSchemaType(schemaType: string | undefined): SchemaFormat {
  if (schemaType === 'PROTOBUF') return 'protobuf';
  if (schemaType === 'JSON') return 'jsonSchema';
  return 'avro';
}
