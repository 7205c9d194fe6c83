import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
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
    const loadedFrom = Object.keys(require.cache).find(
      (file) => file.endsWith(`${path.sep}librdkafka.js`) && file.includes('kafka-javascript'),
    );
    assert.ok(loadedFrom, 'the native client is not in the require cache');
    assert.ok(
      loadedFrom.startsWith(extension.extensionPath + path.sep),
      `loaded from ${loadedFrom}, not from the installed extension`,
    );
  });

  it('runs a TypeScript handler with the handler runtime and the transpiler it carries', async function () {
    this.timeout(60_000);
    const { HandlerChannel } = await import('../../../src/core/handler/handlerChannel');
    const { launchNodeHandler } = await import('../../../src/core/handler/nodeLauncher');
    const { silentLogger } = await import('../../../src/core/logging');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-packaged-'));
    const module = path.join(dir, 'handler.ts');
    fs.writeFileSync(
      module,
      'export class Nope extends Error {}\nexport function handle(m: { value: { n: number } }): void {\n  if (m.value.n > 1) throw new Nope(`n is ${m.value.n}`);\n}\n',
    );
    const channel = await HandlerChannel.open({ module, logger: silentLogger });
    const child = launchNodeHandler({
      hostScript: path.join(extension.extensionPath, 'dist', 'handlerHost.js'),
      env: {
        ...channel.env,
        KAFKA_LAB_TRANSPILER: path.join(extension.extensionPath, 'node_modules', 'esbuild', 'lib', 'main.js'),
      },
      logger: silentLogger,
    });
    try {
      await channel.waitReady(30_000);
      const payload = (n: number) => ({
        raw: Buffer.from(JSON.stringify({ n })).toString('base64'),
        decoded: { n },
        format: 'json',
      });
      const frame = (n: number) => ({
        topic: 't',
        partition: 0,
        offset: n,
        key: { raw: null, decoded: null, format: 'null' },
        value: payload(n),
        headers: [],
        attempt: 1,
      });
      assert.equal((await channel.call(frame(1))).outcome, 'ok');
      const failed = await channel.call(frame(2));
      assert.ok(
        failed.outcome === 'error' && failed.error.type === 'Nope' && /handler\.ts:3/.test(failed.error.stack ?? ''),
        JSON.stringify(failed),
      );
    } finally {
      await channel.close();
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
