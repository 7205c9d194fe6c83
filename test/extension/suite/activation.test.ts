import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import type { ClientInfo } from '../../../src/core/kafka/nativeClient';

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';

function nativeModuleInRequireCache(): boolean {
  return Object.keys(require.cache).some((file) =>
    file.includes(`${path.sep}@confluentinc${path.sep}kafka-javascript${path.sep}`),
  );
}

describe('Kafka Consumer Lab in a real VS Code', () => {
  let extension: vscode.Extension<KafkaLabApi>;
  let api: KafkaLabApi;

  before(async () => {
    const found = vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID);
    assert.ok(found, `extension ${EXTENSION_ID} is not installed in this VS Code`);
    extension = found;
    api = await extension.activate();
  });

  it('activates lazily: no "*" or onStartupFinished activation event', () => {
    const events: string[] = extension.packageJSON.activationEvents ?? [];
    assert.ok(
      !events.includes('*') && !events.includes('onStartupFinished'),
      `eager activation events: ${events.join(', ')}`,
    );
    assert.equal(extension.isActive, true);
  });

  it('does not load the native Kafka client at activation', () => {
    assert.equal(api.isNativeClientLoaded(), false);
    assert.equal(nativeModuleInRequireCache(), false, 'librdkafka binding was required during activation');
  });

  it('does not load json-schema-faker at activation: Generate loads its own bundle on first use', () => {
    const loaded = Object.keys(require.cache).filter(
      (file) =>
        file.endsWith(`${path.sep}jsonSchemaFaker.js`) || file.includes(`${path.sep}json-schema-faker${path.sep}`),
    );
    assert.deepEqual(loaded, [], 'json-schema-faker was required during activation');
    const bundle = path.join(extension.extensionPath, 'dist', 'extension.js');
    assert.ok(
      !fs.readFileSync(bundle, 'utf8').includes('JSONSchemaFaker'),
      'json-schema-faker is inside dist/extension.js; it belongs in dist/jsonSchemaFaker.js',
    );
  });

  it('registers every contributed command under the kafkaLab. prefix and the Kafka category', async () => {
    const contributed: Array<{ command: string; category?: string }> = extension.packageJSON.contributes.commands;
    assert.ok(contributed.length > 0);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command, category } of contributed) {
      assert.match(command, /^kafkaLab\./);
      assert.equal(category, 'Kafka', `${command} category`);
      assert.ok(registered.has(command), `${command} is contributed but not registered`);
    }
  });

  it('contributes the activity-bar container and its Clusters view, and they open', async () => {
    const containers = extension.packageJSON.contributes.viewsContainers.activitybar as Array<{
      id: string;
      icon: string;
    }>;
    assert.deepEqual(
      containers.map((c) => c.id),
      ['kafkaLab'],
    );
    assert.ok(
      fs.existsSync(path.join(extension.extensionPath, containers[0].icon)),
      'activity-bar icon file is missing',
    );
    const views = extension.packageJSON.contributes.views.kafkaLab as Array<{ id: string }>;
    assert.ok(views.some((v) => v.id === 'kafkaLab.clusters'));
    // These commands exist only if VS Code registered the container and the view.
    await vscode.commands.executeCommand('workbench.view.extension.kafkaLab');
    await vscode.commands.executeCommand('kafkaLab.clusters.focus');
  });

  it('"Kafka: Show Client Info" loads librdkafka on first use and reports its version', async () => {
    const info = await vscode.commands.executeCommand<ClientInfo>('kafkaLab.showClientInfo');
    assert.ok(info, 'the command returned nothing');
    assert.match(info.librdkafkaVersion, /^\d+\.\d+\.\d+/);
    assert.match(info.clientVersion, /^\d+\.\d+\.\d+/);
    assert.ok(info.features.includes('sasl_scram'), `features: ${info.features.join(',')}`);
    assert.equal(api.isNativeClientLoaded(), true);
    // The version is the one of the binding actually loaded in this extension host.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const native = require(require.resolve('@confluentinc/kafka-javascript', { paths: [extension.extensionPath] })) as {
      librdkafkaVersion: string;
    };
    assert.equal(info.librdkafkaVersion, native.librdkafkaVersion);
  });

  it('leaves the view container open for the screenshot', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.kafkaLab');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  });
});
