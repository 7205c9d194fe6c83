import type * as vscode from 'vscode';
import { PayloadDecoder } from '../core/codec/payloadDecoder';
import { PayloadEncoder } from '../core/codec/payloadEncoder';
import { SchemaCache } from '../core/codec/schemaCache';
import {
  type ClusterSettings,
  type SecretLookup,
  registryConnectionOf,
  registryCredentialsOf,
} from '../core/connections/clusterSettings';
import type { Logger } from '../core/logging';
import { SchemaRegistryClient } from '../core/registry/registryClient';

/**
 * One Schema Registry client per cluster that has a registry, made on first use and replaced
 * when the cluster's settings change. Credentials are read from the secret store on every request
 * that needs them, so a changed secret applies at once.
 */
export class RegistryClients implements vscode.Disposable {
  private readonly clients = new Map<string, { fingerprint: string; client: SchemaRegistryClient }>();
  private readonly decoders = new Map<
    string,
    { client: SchemaRegistryClient | undefined; decoder: PayloadDecoder; schemas: SchemaCache | undefined }
  >();
  private readonly encoders = new Map<string, { client: SchemaRegistryClient | undefined; encoder: PayloadEncoder }>();

  constructor(
    private readonly secrets: SecretLookup,
    private readonly logger: Logger,
    private readonly requestTimeoutMs = 10_000,
  ) {}

  /** The cluster's registry client, or undefined when the cluster has no registry. */
  client(cluster: ClusterSettings): SchemaRegistryClient | undefined {
    const connection = registryConnectionOf(cluster);
    if (!connection) return undefined;
    const fingerprint = JSON.stringify(cluster.registry);
    const cached = this.clients.get(cluster.id);
    if (cached && cached.fingerprint === fingerprint) return cached.client;
    cached?.client.close();
    const client = new SchemaRegistryClient(
      { ...connection, requestTimeoutMs: this.requestTimeoutMs },
      {
        secrets: { registryCredentials: () => registryCredentialsOf(cluster, this.secrets) },
        logger: this.logger.child(cluster.name),
      },
    );
    this.clients.set(cluster.id, { fingerprint, client });
    return client;
  }

  /**
   * One payload decoder per cluster, over its registry client, so sessions share the compiled
   * schemas; without a registry it still decodes JSON, text and binary, and reports framed payloads
   * as needing a registry.
   */
  decoder(cluster: ClusterSettings): PayloadDecoder {
    const client = this.client(cluster);
    const cached = this.decoders.get(cluster.id);
    if (cached && cached.client === client) return cached.decoder;
    const schemas = client ? new SchemaCache(client, { logger: this.logger.child(cluster.name) }) : undefined;
    const decoder = new PayloadDecoder(schemas ? { schemas } : {});
    this.decoders.set(cluster.id, { client, decoder, schemas });
    return decoder;
  }

  /**
   * One payload encoder per cluster, over the decoder's compiled schemas: sessions encode handler
   * outputs with it (keySchema / valueSchema). Without a registry it still exists, and says so.
   */
  encoder(cluster: ClusterSettings): PayloadEncoder {
    this.decoder(cluster);
    const { client, schemas } = this.decoders.get(cluster.id) ?? {};
    const cached = this.encoders.get(cluster.id);
    if (cached && cached.client === client) return cached.encoder;
    const encoder = new PayloadEncoder(
      client && schemas ? { registry: client, schemas, logger: this.logger.child(cluster.name) } : {},
    );
    this.encoders.set(cluster.id, { client, encoder });
    return encoder;
  }

  /** Closes the clients of clusters no longer in the list (removed connections). */
  retain(clusterIds: readonly string[]): void {
    for (const id of [...this.clients.keys()]) if (!clusterIds.includes(id)) this.forget(id);
  }

  /** Drops a cluster's client (removed, or its secrets changed). */
  forget(clusterId: string): void {
    this.clients.get(clusterId)?.client.close();
    this.clients.delete(clusterId);
    this.decoders.delete(clusterId);
    this.encoders.delete(clusterId);
  }

  dispose(): void {
    for (const id of [...this.clients.keys()]) this.forget(id);
  }
}
