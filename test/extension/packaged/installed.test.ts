import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ClientInfo } from '../../../src/core/kafka/nativeClient';

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

describe('the packaged .vsix, installed in a real VS Code', () => {
  let extension: vscode.Extension<unknown>;

  before(async () => {
    const found = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is not installed`);
    extension = found;
    await extension.activate();
  });

  it('is the installed copy, not the source folder', () => {
    assert.notEqual(path.resolve(extension.extensionPath), repoRoot);
    assert.ok(path.basename(extension.extensionPath).startsWith(`${EXTENSION_ID}-`), extension.extensionPath);
    assert.equal(path.basename(path.dirname(extension.extensionPath)), 'extensions', extension.extensionPath);
    assert.ok(fs.existsSync(path.join(extension.extensionPath, 'dist', 'extension.js')));
    // Only the bundle ships: no sources, tests or dev dependencies.
    assert.ok(!fs.existsSync(path.join(extension.extensionPath, 'src')));
    assert.ok(!fs.existsSync(path.join(extension.extensionPath, 'node_modules', 'typescript')));
  });

  it('runs "Kafka: Show Client Info" with the native client it carries', async () => {
    const info = await vscode.commands.executeCommand<ClientInfo>('kafkaLab.showClientInfo');
    assert.match(info.librdkafkaVersion, /^\d+\.\d+\.\d+/);
    const loadedFrom = Object.keys(require.cache).find((file) => file.endsWith(`${path.sep}librdkafka.js`) && file.includes('kafka-javascript'));
    assert.ok(loadedFrom, 'the native client is not in the require cache');
    assert.ok(loadedFrom.startsWith(extension.extensionPath + path.sep), `loaded from ${loadedFrom}, not from the installed extension`);
  });
});
