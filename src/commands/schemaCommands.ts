import * as vscode from 'vscode';
import { pickCluster } from './clusterPicker';
import { RegistryError } from '../core/registry/registryErrors';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import type { Logger } from '../core/logging';
import type { SchemaRegistryClient } from '../core/registry/registryClient';
import type { RegistrySchemaType, RegistryResult, SchemaDefinition } from '../core/registry/registryTypes';
import { guessSchemaType, registrySchemaTypes } from '../core/registry/schemaText';
import type { ClusterStore } from '../platform/clusterStore';
import type { RegistryClients } from '../platform/registryClients';
import { ClusterNode, type ClustersView, nodeId } from '../views/clustersView';
import { type SchemaDocuments, type SchemaVersionRef } from '../views/schemaDocuments';
import { SchemaRegistryNode, SchemaVersionNode, type SchemaTree, SubjectNode } from '../views/schemaNodes';
import { withProgress } from './progress';
import type { CommandTable } from './commandTable';

export interface SchemaCommandDeps {
  readonly store: ClusterStore;
  readonly registries: RegistryClients;
  readonly tree: SchemaTree;
  readonly documents: SchemaDocuments;
  readonly view: ClustersView;
  readonly logger: Logger;
}

/** What "Register Schema" takes from a test or another extension instead of prompting. */
export interface RegisterSchemaInput {
  readonly clusterId: string;
  readonly subject?: string;
  /** Defaults to the guess from the text (and the editor's language). */
  readonly schemaType?: RegistrySchemaType;
  /** Defaults to the active editor's text. */
  readonly schema?: string;
  /** Skips the confirmation of a compatible schema. */
  readonly confirmed?: boolean;
  /** What to do when the check says incompatible: refuse (default), or submit and let the registry decide. */
  readonly onIncompatible?: 'refuse' | 'submit';
}

export interface RegisterSchemaOutcome {
  readonly subject: string;
  readonly verdict: string;
  readonly compatible: boolean;
  readonly registered: boolean;
  /** True when the registry already had this schema under the subject (no new version). */
  readonly existing?: boolean;
  readonly id?: number;
  readonly version?: number;
}

interface DeleteOptions {
  readonly confirmed?: boolean;
  readonly permanent?: boolean;
}

function unwrap<T>(result: RegistryResult<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function versionRefOf(arg: unknown): SchemaVersionRef | undefined {
  if (arg instanceof SchemaVersionNode)
    return { clusterId: arg.cluster.id, subject: arg.subject, version: arg.version };
  if (
    isObject(arg) &&
    typeof arg.clusterId === 'string' &&
    typeof arg.subject === 'string' &&
    Number.isInteger(arg.version)
  ) {
    return { clusterId: arg.clusterId, subject: arg.subject, version: arg.version as number };
  }
  return undefined;
}

function subjectRefOf(arg: unknown): { clusterId: string; subject: string } | undefined {
  if (arg instanceof SubjectNode || arg instanceof SchemaVersionNode)
    return { clusterId: arg.cluster.id, subject: arg.subject };
  if (isObject(arg) && typeof arg.clusterId === 'string' && typeof arg.subject === 'string')
    return { clusterId: arg.clusterId, subject: arg.subject };
  return undefined;
}

export function schemaCommands(deps: SchemaCommandDeps) {
  const clusterById = (id: string): ClusterSettings => {
    const cluster = deps.store.get(id);
    if (!cluster) throw new Error(`There is no cluster connection with id "${id}".`);
    return cluster;
  };
  const clientOf = (cluster: ClusterSettings): SchemaRegistryClient => {
    const client = deps.registries.client(cluster);
    if (!client)
      throw new Error(
        `The connection "${cluster.name}" has no Schema Registry. Add its URL with "Edit Cluster Connection".`,
      );
    return client;
  };
  const changed = (clusterId: string, subject: string): void => {
    deps.documents.forget(clusterId, subject);
    if (!deps.view.refreshNode(nodeId.schemas(clusterId))) deps.view.refresh();
  };

  const pickRegistryCluster = (): Promise<ClusterSettings | undefined> =>
    pickCluster(deps.store, {
      title: 'Register a schema',
      placeHolder: 'Choose the cluster whose registry gets the schema',
      filter: (c) => c.registry !== undefined,
      describe: (c) => c.registry?.url,
      noneMessage: 'no cluster connection has a Schema Registry. Add its URL with "Edit Cluster Connection".',
      takeSingle: true,
    });

  const pickSubject = async (client: SchemaRegistryClient): Promise<string | undefined> => {
    const subjects = unwrap(await withProgress('Listing subjects…', () => client.listSubjects())).sort((a, b) =>
      a.localeCompare(b),
    );
    const newSubject = { label: '$(add) New subject…', subject: undefined as string | undefined };
    const picked = await vscode.window.showQuickPick(
      [newSubject, ...subjects.map((s) => ({ label: s, subject: s as string | undefined }))],
      {
        title: 'Register a schema',
        placeHolder: 'Register as a new version of which subject?',
      },
    );
    if (!picked) return undefined;
    if (picked.subject !== undefined) return picked.subject;
    const typed = await vscode.window.showInputBox({
      title: 'Register a schema',
      prompt: 'Subject name (with the TopicName strategy: <topic>-value or <topic>-key)',
      validateInput: (v) => (v.trim() ? undefined : 'Enter a subject name.'),
    });
    return typed?.trim() || undefined;
  };

  const confirmSchemaType = async (
    text: string,
    languageId: string | undefined,
  ): Promise<RegistrySchemaType | undefined> => {
    const guess = guessSchemaType(text, languageId);
    const items = [guess.schemaType, ...registrySchemaTypes.filter((t) => t !== guess.schemaType)].map((t) => ({
      label: t,
      description: t === guess.schemaType ? `guessed: ${guess.because}` : undefined,
    }));
    return (await vscode.window.showQuickPick(items, { title: 'Register a schema', placeHolder: 'Schema type' }))
      ?.label;
  };

  /** The compatibility check and the level in force, as one sentence. */
  const checkCompatibility = async (
    client: SchemaRegistryClient,
    subject: string,
    definition: SchemaDefinition,
  ): Promise<{ compatible: boolean; verdict: string; latestVersion?: number }> => {
    const [check, level, latest] = await Promise.all([
      client.checkCompatibility(subject, definition),
      client.getCompatibility(subject),
      client.getSchemaByVersion(subject, 'latest'),
    ]);
    const levelText = level.ok ? level.value : 'its compatibility level';
    if (!latest.ok && latest.error.reason !== 'subjectNotFound') throw latest.error;
    const latestVersion = latest.ok ? latest.value.version : undefined;
    if (!check.ok) {
      // A subject that does not exist yet has nothing to be compatible with (Confluent answers 404, Apicurio "compatible").
      if (check.error.reason === 'subjectNotFound')
        return { compatible: true, verdict: `"${subject}" is a new subject: this schema becomes its version 1.` };
      throw check.error;
    }
    if (latestVersion === undefined)
      return {
        compatible: check.value.compatible,
        verdict: `"${subject}" is a new subject: this schema becomes its version 1.`,
      };
    if (check.value.compatible)
      return {
        compatible: true,
        verdict: `Compatible with version ${latestVersion} of "${subject}" under ${levelText}.`,
        latestVersion,
      };
    const reasons = check.value.messages.length
      ? ` The registry says: ${check.value.messages.join('; ')}`
      : ' The registry gave no details for its verdict.';
    return {
      compatible: false,
      verdict: `Not compatible with version ${latestVersion} of "${subject}" under ${levelText}.${reasons}`,
      latestVersion,
    };
  };

  const register = async (arg?: unknown, options?: unknown): Promise<RegisterSchemaOutcome | undefined> => {
    // From the tree: a node (and maybe an input); from an editor's title menu: its URI; from code: an input.
    const input: Partial<RegisterSchemaInput> = isObject(options)
      ? (options as Partial<RegisterSchemaInput>)
      : isObject(arg) && !(arg instanceof vscode.TreeItem) && !(arg instanceof vscode.Uri)
        ? (arg as Partial<RegisterSchemaInput>)
        : {};
    // Called with an input (from code or a test): no prompts beyond what the input leaves open.
    const programmatic = input.clusterId !== undefined || isObject(options);
    let cluster: ClusterSettings | undefined;
    let subject = input.subject;
    if (arg instanceof SchemaRegistryNode || arg instanceof SubjectNode || arg instanceof ClusterNode)
      cluster = arg.cluster;
    if (arg instanceof SubjectNode) subject ??= arg.subject;
    if (!cluster) cluster = input.clusterId !== undefined ? clusterById(input.clusterId) : await pickRegistryCluster();
    if (!cluster) return undefined;
    const client = clientOf(cluster);

    const editor = vscode.window.activeTextEditor;
    const text = input.schema ?? editor?.document.getText();
    if (text === undefined || !text.trim())
      throw new Error(
        'Open the schema (Avro, Protobuf or JSON Schema) in an editor first, then run "Register Schema from Editor" again.',
      );
    subject ??= await pickSubject(client);
    if (!subject) return undefined;
    const languageId = input.schema === undefined ? editor?.document.languageId : undefined;
    const schemaType =
      input.schemaType ??
      (programmatic ? guessSchemaType(text, languageId).schemaType : await confirmSchemaType(text, languageId));
    if (!schemaType) return undefined;
    const definition: SchemaDefinition = { schemaType, schema: text };
    const target = subject;

    const check = await withProgress(`Checking compatibility with "${target}"…`, () =>
      checkCompatibility(client, target, definition),
    );
    deps.logger.info(`Compatibility of a ${schemaType} schema with "${target}": ${check.verdict}`);
    if (check.compatible) {
      if (!input.confirmed) {
        const answer = await vscode.window.showInformationMessage(
          check.verdict,
          { modal: true, detail: `Register it as a new version of "${target}"?` },
          'Register',
        );
        if (answer !== 'Register')
          return { subject: target, verdict: check.verdict, compatible: true, registered: false };
      }
    } else {
      const onIncompatible =
        input.onIncompatible ??
        (programmatic
          ? 'refuse'
          : (await vscode.window.showWarningMessage(
                check.verdict,
                {
                  modal: true,
                  detail:
                    'Not registered. "Submit Anyway" sends it to the registry, which applies its own rule and says why when it refuses.',
                },
                'Submit Anyway',
              )) === 'Submit Anyway'
            ? 'submit'
            : 'cancel');
      if (onIncompatible === 'cancel')
        return { subject: target, verdict: check.verdict, compatible: false, registered: false };
      if (onIncompatible === 'refuse') throw new RegistryError('incompatible', `Not registered: ${check.verdict}`);
    }

    const registered = await withProgress(`Registering a new version of "${target}"…`, async () => {
      const { id } = unwrap(await client.register(target, definition));
      const usage = await client.getSubjectVersionsForId(id);
      const version = usage.ok
        ? Math.max(0, ...usage.value.filter((u) => u.subject === target).map((u) => u.version)) || undefined
        : undefined;
      return { id, version };
    });
    changed(cluster.id, target);
    const existing =
      registered.version !== undefined &&
      check.latestVersion !== undefined &&
      registered.version <= check.latestVersion;
    const message = existing
      ? `"${target}" already has this schema as version ${registered.version} (schema id ${registered.id}); no new version was made.`
      : `Registered "${target}"${registered.version !== undefined ? ` version ${registered.version}` : ''} (schema id ${registered.id}).`;
    deps.logger.info(message);
    void vscode.window.showInformationMessage(`Kafka Consumer Lab: ${message}`);
    return {
      subject: target,
      verdict: check.verdict,
      compatible: check.compatible,
      registered: true,
      existing,
      id: registered.id,
      ...(registered.version !== undefined ? { version: registered.version } : {}),
    };
  };

  const open = async (arg?: unknown): Promise<vscode.Uri | undefined> => {
    const ref = versionRefOf(arg);
    if (!ref) throw new Error('Open Schema Version needs a version: run it on a version in the Clusters view.');
    const { uri } = await withProgress(`Reading ${ref.subject} v${ref.version}…`, () => deps.documents.load(ref));
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: true });
    return uri;
  };

  const diff = async (
    subject: string,
    clusterId: string,
    a: number,
    b: number,
  ): Promise<{ left: vscode.Uri; right: vscode.Uri }> => {
    const [older, newer] = a < b ? [a, b] : [b, a];
    const [left, right] = await withProgress(`Reading ${subject} v${older} and v${newer}…`, () =>
      Promise.all([
        deps.documents.load({ clusterId, subject, version: older }),
        deps.documents.load({ clusterId, subject, version: newer }),
      ]),
    );
    await vscode.commands.executeCommand('vscode.diff', left.uri, right.uri, `${subject}: v${older} ↔ v${newer}`, {
      preview: true,
    });
    return { left: left.uri, right: right.uri };
  };

  const otherVersions = async (ref: SchemaVersionRef): Promise<number[]> => {
    const client = clientOf(clusterById(ref.clusterId));
    return unwrap(await client.listVersions(ref.subject)).filter((v) => v !== ref.version);
  };

  const compareWithPrevious = async (arg?: unknown): Promise<{ left: vscode.Uri; right: vscode.Uri } | undefined> => {
    const ref = versionRefOf(arg);
    if (!ref) throw new Error('Compare with Previous needs a version: run it on a version in the Clusters view.');
    const previous = (await otherVersions(ref)).filter((v) => v < ref.version).sort((a, b) => b - a)[0];
    if (previous === undefined) {
      void vscode.window.showInformationMessage(
        `Kafka Consumer Lab: ${ref.subject} v${ref.version} is its first version; there is nothing before it to compare with.`,
      );
      return undefined;
    }
    return diff(ref.subject, ref.clusterId, previous, ref.version);
  };

  const compareWith = async (
    arg?: unknown,
    otherArg?: unknown,
  ): Promise<{ left: vscode.Uri; right: vscode.Uri } | undefined> => {
    const ref = versionRefOf(arg);
    if (!ref) throw new Error('Compare with… needs a version: run it on a version in the Clusters view.');
    let other = Number.isInteger(otherArg) ? (otherArg as number) : versionRefOf(otherArg)?.version;
    if (other === undefined) {
      const versions = await otherVersions(ref);
      if (versions.length === 0) {
        void vscode.window.showInformationMessage(
          `Kafka Consumer Lab: ${ref.subject} has no other version to compare with.`,
        );
        return undefined;
      }
      const picked = await vscode.window.showQuickPick(
        versions.sort((a, b) => b - a).map((v) => ({ label: `v${v}`, version: v })),
        { title: `Compare ${ref.subject} v${ref.version} with…`, placeHolder: 'Choose the other version' },
      );
      other = picked?.version;
    }
    if (other === undefined) return undefined;
    return diff(ref.subject, ref.clusterId, other, ref.version);
  };

  /** The modal for a delete: soft (default), permanent, or cancel. */
  const confirmDelete = async (what: string, options: DeleteOptions): Promise<boolean | undefined> => {
    if (options.confirmed) return options.permanent === true;
    const answer = await vscode.window.showWarningMessage(
      `Delete ${what}?`,
      {
        modal: true,
        detail:
          'A soft delete hides it from listings; its schema ids still resolve, so records written with them still decode, and it can be seen with the registry\'s "deleted" listings. A permanent delete removes it for good.',
      },
      'Delete',
      'Delete Permanently',
    );
    return answer === 'Delete' ? false : answer === 'Delete Permanently' ? true : undefined;
  };

  const deleteVersion = async (arg?: unknown, options?: unknown): Promise<number | undefined> => {
    const ref = versionRefOf(arg);
    if (!ref) throw new Error('Delete Schema Version needs a version: run it on a version in the Clusters view.');
    const cluster = clusterById(ref.clusterId);
    const permanent = await confirmDelete(
      `version ${ref.version} of "${ref.subject}"`,
      (options ?? {}) as DeleteOptions,
    );
    if (permanent === undefined) return undefined;
    let deleted: number;
    try {
      deleted = unwrap(
        await withProgress(`Deleting ${ref.subject} v${ref.version}…`, () =>
          clientOf(cluster).deleteVersion(ref.subject, ref.version, { permanent }),
        ),
      );
    } finally {
      // Also after a failure: a permanent delete may have done its soft step.
      changed(cluster.id, ref.subject);
    }
    deps.logger.info(
      `${permanent ? 'Permanently deleted' : 'Soft-deleted'} version ${deleted} of "${ref.subject}" in the registry of "${cluster.name}"`,
    );
    void vscode.window.showInformationMessage(
      `Kafka Consumer Lab: ${permanent ? 'permanently deleted' : 'deleted'} ${ref.subject} v${deleted}.`,
    );
    return deleted;
  };

  const deleteSubject = async (arg?: unknown, options?: unknown): Promise<number[] | undefined> => {
    const ref = subjectRefOf(arg);
    if (!ref) throw new Error('Delete Subject needs a subject: run it on a subject in the Clusters view.');
    const cluster = clusterById(ref.clusterId);
    const permanent = await confirmDelete(
      `subject "${ref.subject}" with all its versions`,
      (options ?? {}) as DeleteOptions,
    );
    if (permanent === undefined) return undefined;
    let deleted: number[];
    try {
      deleted = unwrap(
        await withProgress(`Deleting ${ref.subject}…`, () =>
          clientOf(cluster).deleteSubject(ref.subject, { permanent }),
        ),
      );
    } finally {
      changed(cluster.id, ref.subject);
    }
    deps.logger.info(
      `${permanent ? 'Permanently deleted' : 'Soft-deleted'} subject "${ref.subject}" (versions ${deleted.join(', ')}) in the registry of "${cluster.name}"`,
    );
    void vscode.window.showInformationMessage(
      `Kafka Consumer Lab: ${permanent ? 'permanently deleted' : 'deleted'} subject ${ref.subject} (${deleted.length} version${deleted.length === 1 ? '' : 's'}).`,
    );
    return deleted;
  };

  return {
    'kafkaLab.openSchemaVersion': open,
    'kafkaLab.compareSchemaWithPrevious': compareWithPrevious,
    'kafkaLab.compareSchemaWith': compareWith,
    'kafkaLab.registerSchema': register,
    'kafkaLab.deleteSchemaVersion': deleteVersion,
    'kafkaLab.deleteSchemaSubject': deleteSubject,
    'kafkaLab.loadMoreSubjects': (clusterId: string) => {
      deps.tree.loadMore(clusterId);
      if (!deps.view.refreshNode(nodeId.schemas(clusterId))) deps.view.refresh();
    },
  } satisfies Partial<CommandTable>;
}
