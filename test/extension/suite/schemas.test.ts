import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import type { RegisterSchemaOutcome } from '../../../src/commands/schemaCommands';
import { services, uniqueName, waitFor } from '../../support/services';

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';

async function children(api: KafkaLabApi, parent: vscode.TreeItem | undefined): Promise<vscode.TreeItem[]> {
  return ((await api.clustersTree.getChildren(parent)) ?? []) as vscode.TreeItem[];
}

async function child(
  api: KafkaLabApi,
  parent: vscode.TreeItem | undefined,
  label: string | RegExp,
): Promise<vscode.TreeItem> {
  const found = (await children(api, parent)).find((c) =>
    typeof label === 'string' ? c.label === label : label.test(String(c.label)),
  );
  assert.ok(
    found,
    `no child ${String(label)} under ${String(parent?.label ?? 'the root')}: ${(await children(api, parent)).map((c) => `${String(c.label)} (${String(c.description ?? '')})`).join(', ')}`,
  );
  return found;
}

async function screenshot(name: string): Promise<void> {
  if (process.env.KAFKA_LAB_SCREENSHOT_URL)
    await fetch(`${process.env.KAFKA_LAB_SCREENSHOT_URL}?name=${name}`).catch(() => undefined);
}

/** Opens an untitled editor with this text; returns a function that closes it without a save prompt. */
async function scratchEditor(text: string, language: string): Promise<() => Promise<void>> {
  const document = await vscode.workspace.openTextDocument({ language, content: text });
  await vscode.window.showTextDocument(document);
  await waitFor('the scratch editor to be the active one', 10_000, () =>
    vscode.window.activeTextEditor?.document === document ? true : undefined,
  );
  return async () => {
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    // The next test's editor must not find this one still open (or active again).
    await waitFor('the scratch editor to be closed', 10_000, () =>
      vscode.window.visibleTextEditors.every((e) => e.document !== document) ? true : undefined,
    );
  };
}

const avro = (fields: object[]): string =>
  JSON.stringify({ type: 'record', name: 'Reading', namespace: 'lab.ext', fields });
const v1 = avro([{ name: 'celsius', type: 'double' }]);
const v2 = avro([
  { name: 'celsius', type: 'double' },
  { name: 'unit', type: 'string', default: 'C' },
]);
const v3 = JSON.stringify(
  JSON.parse(
    avro([
      { name: 'celsius', type: 'double' },
      { name: 'unit', type: 'string', default: 'C' },
      { name: 'sensor', type: ['null', 'string'], default: null },
    ]),
  ),
  null,
  2,
);
const breaking = avro([{ name: 'celsius', type: 'string' }]);
const proto = 'syntax = "proto3";\npackage lab.ext;\n\nmessage Reading {\n  double celsius = 1;\n}\n';

describe('Schema Registry in the Clusters view, against the real registry', function () {
  this.timeout(60_000);
  const prefix = uniqueName('ext-schemas');
  const subject = `${prefix}-a-value`;
  const protoSubject = `${prefix}-b-value`;
  const registry = new SchemaRegistryClient({ id: 'ext-schemas', url: services.registry.url });
  let api: KafkaLabApi;
  let clusterId: string;
  let ids: number[];

  const registryFolder = async (): Promise<vscode.TreeItem> =>
    child(api, await child(api, undefined, 'Schemas test'), 'Schema Registry');
  const versionNodes = async (name = subject): Promise<vscode.TreeItem[]> =>
    children(api, await child(api, await registryFolder(), name));

  before(async () => {
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    ids = [];
    for (const schema of [v1, v2]) {
      const registered = await registry.register(subject, { schemaType: 'AVRO', schema });
      assert.ok(registered.ok, registered.ok ? '' : registered.error.message);
      ids.push(registered.value.id);
    }
    const registered = await registry.register(protoSubject, { schemaType: 'PROTOBUF', schema: proto });
    assert.ok(registered.ok, registered.ok ? '' : registered.error.message);
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Schemas test',
      bootstrapServers: services.kafka.plaintext,
      registry: { url: services.registry.url, auth: 'none' },
    });
    await vscode.commands.executeCommand('kafkaLab.clusters.focus');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    for (const s of [subject, protoSubject]) await registry.deleteSubject(s, { permanent: true });
    registry.close();
  });

  it('shows Schema Registry → subjects (sorted, format and latest version) → versions (schema id)', async () => {
    const cluster = await child(api, undefined, 'Schemas test');
    assert.deepEqual(
      (await children(api, cluster)).map((c) => c.label),
      ['Topics', 'Consumer Groups', 'Schema Registry'],
    );
    const subjects = await children(api, await registryFolder());
    const labels = subjects.map((s) => String(s.label));
    assert.deepEqual(
      labels,
      [...labels].sort((a, b) => a.localeCompare(b)),
      'subjects are sorted',
    );
    const ours = subjects.filter((s) => String(s.label).startsWith(prefix));
    assert.deepEqual(
      ours.map((s) => [s.label, s.description]),
      [
        [subject, 'AVRO · v2'],
        [protoSubject, 'PROTOBUF · v1'],
      ],
    );
    const versions = await versionNodes();
    assert.deepEqual(
      versions.map((v) => [v.label, v.description, v.contextValue]),
      [
        ['v1', `id ${ids[0]}`, 'kafkaLab.schemaVersion'],
        ['v2', `id ${ids[1]} · latest`, 'kafkaLab.schemaVersion'],
      ],
    );
    assert.equal(versions[0].command?.command, 'kafkaLab.openSchemaVersion');
  });

  it('opens a version read-only, pretty-printed, with the language of its format', async () => {
    const [first] = await versionNodes();
    const uri = await vscode.commands.executeCommand<vscode.Uri>('kafkaLab.openSchemaVersion', first);
    const editor = vscode.window.activeTextEditor;
    assert.ok(
      editor && editor.document.uri.toString() === uri.toString(),
      `active: ${editor?.document.uri.toString()}`,
    );
    assert.equal(editor.document.uri.scheme, 'kafkalab-schema');
    assert.equal(editor.document.languageId, 'json');
    assert.equal(editor.document.getText(), `${JSON.stringify(JSON.parse(v1), null, 2)}\n`);
    assert.match(editor.document.fileName, /-a-value v1\.json$/);

    const [protoVersion] = await versionNodes(protoSubject);
    await vscode.commands.executeCommand('kafkaLab.openSchemaVersion', protoVersion);
    assert.equal(vscode.window.activeTextEditor?.document.languageId, 'proto3');
    assert.equal(vscode.window.activeTextEditor?.document.getText(), proto);

    // Programmatic arguments, like the tree's.
    const again = await vscode.commands.executeCommand<vscode.Uri>('kafkaLab.openSchemaVersion', {
      clusterId,
      subject,
      version: 2,
    });
    assert.match(again.path, /\/2\/[^/]+ v2\.json$/);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), again.toString());
  });

  it('compares a version with the previous one, and with a chosen one, in a diff editor', async () => {
    const [, second] = await versionNodes();
    const diff = await vscode.commands.executeCommand<{ left: vscode.Uri; right: vscode.Uri }>(
      'kafkaLab.compareSchemaWithPrevious',
      second,
    );
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputTextDiff, `active tab: ${tab?.label}`);
    assert.equal(tab.input.original.toString(), diff.left.toString());
    assert.equal(tab.input.modified.toString(), diff.right.toString());
    assert.match(diff.left.path, / v1\.json$/);
    assert.match(diff.right.path, / v2\.json$/);
    assert.match(tab.label, /v1 ↔ v2/);
    await screenshot('schemas-diff');

    const chosen = await vscode.commands.executeCommand<{ left: vscode.Uri; right: vscode.Uri }>(
      'kafkaLab.compareSchemaWith',
      { clusterId, subject, version: 1 },
      2,
    );
    assert.match(chosen.left.path, / v1\.json$/);
    assert.match(chosen.right.path, / v2\.json$/);
    const [first] = await versionNodes();
    assert.equal(
      await vscode.commands.executeCommand('kafkaLab.compareSchemaWithPrevious', first),
      undefined,
      'v1 has nothing before it',
    );
  });

  it('registers a new version from the active editor after a compatibility check', async () => {
    const close = await scratchEditor(v3, 'json');
    try {
      const outcome = await vscode.commands.executeCommand<RegisterSchemaOutcome>('kafkaLab.registerSchema', {
        clusterId,
        subject,
        confirmed: true,
      });
      assert.equal(outcome.registered, true);
      assert.equal(outcome.compatible, true);
      assert.equal(outcome.version, 3);
      assert.match(outcome.verdict, /^Compatible with version 2 of ".*" under (BACKWARD|FULL|FORWARD|NONE)/);
      const versions = await versionNodes();
      assert.deepEqual(
        versions.map((v) => v.label),
        ['v1', 'v2', 'v3'],
      );
      assert.equal(versions[2].description, `id ${outcome.id} · latest`);
      // The same text again: the registry already has it, no new version.
      const same = await vscode.commands.executeCommand<RegisterSchemaOutcome>('kafkaLab.registerSchema', {
        clusterId,
        subject,
        confirmed: true,
      });
      assert.deepEqual([same.registered, same.existing, same.version], [true, true, 3]);
    } finally {
      await close();
    }
  });

  it('refuses an incompatible change with the verdict; submitted anyway, the registry refuses it with its reasons', async () => {
    // The schema is given, not read from the active editor: once, the previous test's editor was
    // still the active one, and its (compatible) text was registered again instead.
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('kafkaLab.registerSchema', {
          clusterId,
          subject,
          schema: breaking,
          confirmed: true,
        }),
      ),
      (error: Error & { reason?: string }) => {
        assert.equal(error.reason, 'incompatible');
        assert.match(error.message, /^Not registered: Not compatible with version 3 of ".*" under [A-Z_]+\./);
        return true;
      },
    );
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('kafkaLab.registerSchema', {
          clusterId,
          subject,
          schema: breaking,
          confirmed: true,
          onIncompatible: 'submit',
        }),
      ),
      (error: Error & { reason?: string }) => {
        assert.equal(error.reason, 'incompatible');
        assert.match(error.message, /The registry said: .*reader type: STRING not compatible with writer type: DOUBLE/);
        return true;
      },
    );
    assert.deepEqual(
      (await versionNodes()).map((v) => v.label),
      ['v1', 'v2', 'v3'],
      'nothing was registered',
    );
  });

  it('soft-deletes a version (hidden, but its document still opens) and a subject', async () => {
    const [first] = await versionNodes();
    assert.equal(await vscode.commands.executeCommand('kafkaLab.deleteSchemaVersion', first, { confirmed: true }), 1);
    assert.deepEqual(
      (await versionNodes()).map((v) => v.label),
      ['v2', 'v3'],
    );
    const stillThere = await registry.listVersions(subject, { deleted: true });
    assert.deepEqual(stillThere.ok && stillThere.value, [1, 2, 3], 'soft: the registry keeps it');
    await vscode.commands.executeCommand('kafkaLab.openSchemaVersion', { clusterId, subject, version: 1 });
    assert.equal(vscode.window.activeTextEditor?.document.getText(), `${JSON.stringify(JSON.parse(v1), null, 2)}\n`);

    const protoNode = await child(api, await registryFolder(), protoSubject);
    assert.deepEqual(
      await vscode.commands.executeCommand('kafkaLab.deleteSchemaSubject', protoNode, { confirmed: true }),
      [1],
    );
    const labels = (await children(api, await registryFolder())).map((s) => String(s.label));
    assert.ok(!labels.includes(protoSubject) && labels.includes(subject), labels.join(', '));
  });

  it('an unreachable registry shows an error node with the cause and a Show Log action', async () => {
    const id = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Schemas unreachable',
      bootstrapServers: services.kafka.plaintext,
      registry: { url: 'http://127.0.0.1:1/apis/ccompat/v7', auth: 'none' },
    });
    try {
      const folder = await child(api, await child(api, undefined, 'Schemas unreachable'), 'Schema Registry');
      const started = Date.now();
      const [error] = await children(api, folder);
      assert.ok(Date.now() - started < 12_000, `took ${Date.now() - started} ms`);
      assert.equal(error.label, 'Could not load subjects');
      assert.match(String(error.description), /Cannot reach the schema registry at http:\/\/127\.0\.0\.1:1/);
      assert.equal(error.command?.command, 'kafkaLab.showLog');
      // A cluster without a registry has no such folder.
      const bare = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
        name: 'Schemas none',
        bootstrapServers: services.kafka.plaintext,
      });
      try {
        assert.deepEqual(
          (await children(api, await child(api, undefined, 'Schemas none'))).map((c) => c.label),
          ['Topics', 'Consumer Groups'],
        );
      } finally {
        await vscode.commands.executeCommand('kafkaLab.removeCluster', bare, { confirmed: true });
      }
    } finally {
      await vscode.commands.executeCommand('kafkaLab.removeCluster', id, { confirmed: true });
    }
  });
});
