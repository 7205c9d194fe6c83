import * as vscode from 'vscode';
import {
  type ClusterSettings,
  type SecretKind,
  exportClusters,
  importClusters,
  newClusterId,
  parseCluster,
} from '../core/connections/clusterSettings';
import { type ConnectionTestResult, describeTest, testConnection } from '../core/connections/connectionTest';
import type { SaslMechanism, SecurityProtocol } from '../core/kafka/connection';
import { saslMechanisms, securityProtocols } from '../core/kafka/connection';
import type { Logger } from '../core/logging';
import type { ClusterClients } from '../platform/clusterClients';
import type { ClusterStore } from '../platform/clusterStore';
import { pickCluster as pickClusterPrompt } from './clusterPicker';
import type { ClusterSecrets } from '../platform/secretStore';
import { ClusterNode, type ClustersView } from '../views/clustersView';
import type { CommandTable } from './commandTable';

/**
 * A connection as entered: the settings part plus its secrets. Commands take it as an argument
 * too, so other extensions and tests can add a connection without the prompts.
 */
export interface ClusterInput {
  readonly id?: string;
  readonly name: string;
  readonly bootstrapServers: string;
  readonly securityProtocol?: SecurityProtocol;
  readonly sasl?: {
    readonly mechanism: SaslMechanism;
    readonly username?: string;
    readonly password?: string;
    readonly tokenEndpointUrl?: string;
    readonly clientId?: string;
    readonly clientSecret?: string;
    readonly scope?: string;
  };
  readonly tls?: {
    readonly caFile?: string;
    readonly certFile?: string;
    readonly keyFile?: string;
    readonly keyPassword?: string;
  };
  readonly registry?: {
    readonly url: string;
    readonly auth?: 'none' | 'basic' | 'bearer';
    readonly username?: string;
    readonly password?: string;
    readonly token?: string;
  };
}

export interface ClusterCommandDeps {
  readonly store: ClusterStore;
  readonly secrets: ClusterSecrets;
  readonly view: ClustersView;
  readonly clients: ClusterClients;
  readonly logger: Logger;
}

function splitInput(
  input: ClusterInput,
  id: string,
): { settings: unknown; secrets: Array<[SecretKind, string | undefined]> } {
  const { sasl, tls, registry } = input;
  return {
    settings: {
      id,
      name: input.name,
      bootstrapServers: input.bootstrapServers,
      securityProtocol: input.securityProtocol ?? (sasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT'),
      ...(sasl
        ? {
            sasl: {
              mechanism: sasl.mechanism,
              username: sasl.username,
              tokenEndpointUrl: sasl.tokenEndpointUrl,
              clientId: sasl.clientId,
              scope: sasl.scope,
            },
          }
        : {}),
      ...(tls ? { tls: { caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile } } : {}),
      ...(registry
        ? { registry: { url: registry.url, auth: registry.auth ?? 'none', username: registry.username } }
        : {}),
    },
    secrets: [
      ['saslPassword', sasl?.password],
      ['oauthClientSecret', sasl?.clientSecret],
      ['tlsKeyPassword', tls?.keyPassword],
      ['registryPassword', registry?.password],
      ['registryToken', registry?.token],
    ],
  };
}

async function saveInput(deps: ClusterCommandDeps, input: ClusterInput, id: string): Promise<ClusterSettings> {
  const { settings, secrets } = splitInput(input, id);
  const { cluster, problems } = parseCluster(JSON.parse(JSON.stringify(settings)), 'the connection');
  if (!cluster) throw new Error(problems.join(' '));
  // Secrets first: a connection never appears in the view before it can authenticate.
  for (const [kind, value] of secrets) await deps.secrets.set(id, kind, value);
  deps.clients.forget(id);
  await deps.store.save(cluster);
  deps.logger.info(
    `Saved cluster connection "${cluster.name}" (${cluster.bootstrapServers}, ${cluster.securityProtocol})`,
  );
  return cluster;
}

function clusterIdOf(arg: unknown): string | undefined {
  if (arg instanceof ClusterNode) return arg.cluster.id;
  if (typeof arg === 'string') return arg;
  return undefined;
}

async function pickCluster(
  deps: ClusterCommandDeps,
  arg: unknown,
  purpose: string,
): Promise<ClusterSettings | undefined> {
  const id = clusterIdOf(arg);
  if (id) {
    const cluster = deps.store.get(id);
    if (!cluster) throw new Error(`There is no cluster connection with id "${id}".`);
    return cluster;
  }
  return pickClusterPrompt(deps.store, { title: purpose });
}

/** The prompts: a short multi-step quick input. Returns undefined when the user cancels. */
async function promptForCluster(existing?: ClusterSettings): Promise<ClusterInput | undefined> {
  const title = existing ? `Edit ${existing.name}` : 'Add Kafka cluster connection';
  const name = await vscode.window.showInputBox({
    title,
    prompt: 'A name for this connection',
    value: existing?.name ?? '',
    validateInput: (v) => (v.trim() ? undefined : 'Enter a name.'),
  });
  if (name === undefined) return undefined;
  const bootstrapServers = await vscode.window.showInputBox({
    title,
    prompt: 'Bootstrap servers (host:port, comma-separated)',
    value: existing?.bootstrapServers ?? '127.0.0.1:9092',
    validateInput: (v) =>
      v.split(',').every((s) => /^[^\s:]+:\d{1,5}$/.test(s.trim())) ? undefined : 'Use host:port, separated by commas.',
  });
  if (bootstrapServers === undefined) return undefined;
  const protocol = await vscode.window.showQuickPick(
    securityProtocols.map((p) => ({ label: p, picked: p === (existing?.securityProtocol ?? 'PLAINTEXT') })),
    { title, placeHolder: 'Security protocol' },
  );
  if (!protocol) return undefined;
  const securityProtocol = protocol.label as SecurityProtocol;
  let sasl: ClusterInput['sasl'];
  if (securityProtocol.startsWith('SASL_')) {
    const mechanism = await vscode.window.showQuickPick(
      saslMechanisms.map((m) => ({ label: m })),
      { title, placeHolder: 'SASL mechanism' },
    );
    if (!mechanism) return undefined;
    if (mechanism.label === 'OAUTHBEARER') {
      const tokenEndpointUrl = await vscode.window.showInputBox({
        title,
        prompt: 'Token endpoint URL (client-credentials grant)',
        value: existing?.sasl?.tokenEndpointUrl ?? '',
      });
      const clientId =
        tokenEndpointUrl === undefined
          ? undefined
          : await vscode.window.showInputBox({ title, prompt: 'Client id', value: existing?.sasl?.clientId ?? '' });
      const clientSecret =
        clientId === undefined
          ? undefined
          : await vscode.window.showInputBox({
              title,
              prompt: 'Client secret (stored in the secret store; leave empty to keep the current one)',
              password: true,
            });
      if (tokenEndpointUrl === undefined || clientId === undefined || clientSecret === undefined) return undefined;
      sasl = { mechanism: 'OAUTHBEARER', tokenEndpointUrl, clientId, ...(clientSecret ? { clientSecret } : {}) };
    } else {
      const username = await vscode.window.showInputBox({
        title,
        prompt: 'SASL user name',
        value: existing?.sasl?.username ?? '',
      });
      const password =
        username === undefined
          ? undefined
          : await vscode.window.showInputBox({
              title,
              prompt: 'SASL password (stored in the secret store; leave empty to keep the current one)',
              password: true,
            });
      if (username === undefined || password === undefined) return undefined;
      sasl = { mechanism: mechanism.label as SaslMechanism, username, ...(password ? { password } : {}) };
    }
  }
  let tls: ClusterInput['tls'];
  if (securityProtocol === 'SSL' || securityProtocol === 'SASL_SSL') {
    const caFile = await vscode.window.showInputBox({
      title,
      prompt: 'CA certificate file (PEM); empty for the system CAs',
      value: existing?.tls?.caFile ?? '',
    });
    if (caFile === undefined) return undefined;
    tls = caFile ? { caFile } : undefined;
  }
  const registryUrl = await vscode.window.showInputBox({
    title,
    prompt: 'Schema Registry URL (empty for none)',
    value: existing?.registry?.url ?? '',
  });
  if (registryUrl === undefined) return undefined;
  let registry: ClusterInput['registry'];
  if (registryUrl.trim()) {
    const auth = await vscode.window.showQuickPick([{ label: 'none' }, { label: 'basic' }, { label: 'bearer' }], {
      title,
      placeHolder: 'Schema Registry authentication',
    });
    if (!auth) return undefined;
    if (auth.label === 'basic') {
      const username = await vscode.window.showInputBox({
        title,
        prompt: 'Registry user name',
        value: existing?.registry?.username ?? '',
      });
      const password =
        username === undefined
          ? undefined
          : await vscode.window.showInputBox({
              title,
              prompt: 'Registry password (secret store; empty keeps the current one)',
              password: true,
            });
      if (username === undefined || password === undefined) return undefined;
      registry = { url: registryUrl.trim(), auth: 'basic', username, ...(password ? { password } : {}) };
    } else if (auth.label === 'bearer') {
      const token = await vscode.window.showInputBox({
        title,
        prompt: 'Registry bearer token (secret store; empty keeps the current one)',
        password: true,
      });
      if (token === undefined) return undefined;
      registry = { url: registryUrl.trim(), auth: 'bearer', ...(token ? { token } : {}) };
    } else registry = { url: registryUrl.trim(), auth: 'none' };
  }
  return {
    name,
    bootstrapServers,
    securityProtocol,
    ...(sasl ? { sasl } : {}),
    ...(tls ? { tls } : {}),
    ...(registry ? { registry } : {}),
  };
}

export function clusterCommands(deps: ClusterCommandDeps) {
  const test = async (arg?: unknown): Promise<ConnectionTestResult | undefined> => {
    const cluster = await pickCluster(deps, arg, 'Test a cluster connection');
    if (!cluster) return undefined;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Testing ${cluster.name}…` },
      () =>
        testConnection(cluster, deps.secrets.lookup, {
          timeoutMs: 10_000,
          logger: deps.logger.child(`test ${cluster.name}`),
        }),
    );
    deps.view.recordTest(cluster.id, result);
    const line = describeTest(result);
    deps.logger.info(`Connection test: ${line}`);
    if (result.kafka.ok && (result.registry?.ok ?? true)) void vscode.window.showInformationMessage(line);
    else void vscode.window.showErrorMessage(line);
    return result;
  };

  return {
    'kafkaLab.addCluster': async (input?: unknown): Promise<string | undefined> => {
      const entered = (input as ClusterInput | undefined) ?? (await promptForCluster());
      if (!entered) return undefined;
      const cluster = await saveInput(deps, entered, entered.id ?? newClusterId(entered.name, deps.store.list()));
      if (!input) void test(cluster.id);
      return cluster.id;
    },
    'kafkaLab.editCluster': async (arg?: unknown, input?: unknown): Promise<string | undefined> => {
      const existing = await pickCluster(deps, arg, 'Edit a cluster connection');
      if (!existing) return undefined;
      const entered = (input as ClusterInput | undefined) ?? (await promptForCluster(existing));
      if (!entered) return undefined;
      return (await saveInput(deps, entered, existing.id)).id;
    },
    'kafkaLab.removeCluster': async (arg?: unknown, options?: unknown): Promise<boolean> => {
      const cluster = await pickCluster(deps, arg, 'Remove a cluster connection');
      if (!cluster) return false;
      if (!(options as { confirmed?: boolean } | undefined)?.confirmed) {
        const answer = await vscode.window.showWarningMessage(
          `Remove the connection "${cluster.name}" and its stored secrets?`,
          { modal: true },
          'Remove',
        );
        if (answer !== 'Remove') return false;
      }
      await deps.store.remove(cluster.id);
      deps.clients.forget(cluster.id);
      await deps.secrets.deleteAll(cluster);
      deps.logger.info(`Removed cluster connection "${cluster.name}"`);
      return true;
    },
    'kafkaLab.testCluster': test,
    'kafkaLab.exportClusters': async (target?: unknown): Promise<string | undefined> => {
      const json = exportClusters(deps.store.list());
      const uri =
        target instanceof vscode.Uri
          ? target
          : await vscode.window.showSaveDialog({
              title: 'Export cluster connections (no secrets)',
              filters: { JSON: ['json'] },
              defaultUri: vscode.Uri.file('kafka-clusters.json'),
            });
      if (!uri) return undefined;
      await vscode.workspace.fs.writeFile(uri, Buffer.from(json, 'utf8'));
      return json;
    },
    'kafkaLab.importClusters': async (source?: unknown): Promise<number> => {
      const uri =
        source instanceof vscode.Uri
          ? source
          : (
              await vscode.window.showOpenDialog({
                title: 'Import cluster connections',
                filters: { JSON: ['json'] },
                canSelectMany: false,
              })
            )?.[0];
      if (!uri) return 0;
      const { clusters, problems } = importClusters(
        Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8'),
      );
      if (problems.length) {
        deps.logger.warn(`Import of ${uri.fsPath} refused some entries:\n${problems.join('\n')}`);
        void vscode.window.showWarningMessage(
          `Kafka Consumer Lab: ${problems.length} problem(s) in the import: ${problems[0]}`,
        );
      }
      const existing = deps.store.list();
      const merged = [...existing.filter((c) => !clusters.some((n) => n.id === c.id)), ...clusters];
      await deps.store.write(merged);
      if (clusters.length)
        void vscode.window.showInformationMessage(
          `Kafka Consumer Lab: imported ${clusters.length} connection(s). Enter their secrets with "Edit Cluster Connection".`,
        );
      return clusters.length;
    },
  } satisfies Partial<CommandTable>;
}
