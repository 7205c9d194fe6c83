import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { services } from '../../support/services';

// The native client is a NAN addon: a build loads only in a Node with its NODE_MODULE_VERSION.
// VS Code 1.100's server runs Node 20, today's (code-server 4.139.1, VS Code 1.139.1) Node 24; the
// loader picks lib/binding/node-v<abi>-<platform>-<arch>/ when a build for the running Node is there.
// Each Node here loads the client through the extension's own loader and asks the real broker for
// its metadata, in a child process (a process loads one addon build only once).

const repoRoot = path.resolve(__dirname, '../../../..');
const loader = path.join(repoRoot, 'out', 'src', 'core', 'kafka', 'nativeClient.js');

const probe = `
const { loadNativeClient, getClientInfo } = require(${JSON.stringify(loader)});
const kafka = loadNativeClient();
const info = getClientInfo();
const producer = new kafka.Producer({ 'bootstrap.servers': process.argv[1], 'socket.timeout.ms': 10000 });
const timer = setTimeout(() => { console.error('no metadata from the broker within 30 s'); process.exit(3); }, 30000);
producer.connect({ timeout: 20000 }, (error, metadata) => {
  clearTimeout(timer);
  if (error) { console.error(String(error)); process.exit(2); }
  console.log(JSON.stringify({ info, modules: process.versions.modules, brokers: metadata.brokers.length }));
  producer.disconnect(() => process.exit(0));
});
`;

interface ProbeResult {
  info: { librdkafkaVersion: string; nodeVersion: string };
  modules: string;
  brokers: number;
}

function runProbe(node: string): ProbeResult {
  const result = spawnSync(node, ['-e', probe, services.kafka.plaintext], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, `${node} could not use the native client: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as ProbeResult;
}

describe('the native Kafka client in each Node a supported VS Code runs', function () {
  this.timeout(120_000);

  it('loads in the system Node (VS Code 1.100) and reaches the broker', () => {
    const result = runProbe(process.execPath);
    assert.equal(result.modules, process.versions.modules);
    assert.equal(result.info.nodeVersion, process.versions.node);
    assert.match(result.info.librdkafkaVersion, /^\d+\.\d+\.\d+/);
    assert.ok(result.brokers >= 1);
  });

  it("loads in the newest code-server's Node 24 from its ABI-specific build and reaches the broker", function () {
    const located = JSON.parse(
      execFileSync('bash', [path.join(repoRoot, 'scripts', 'codeServer.sh'), 'locate', 'latest'], {
        encoding: 'utf8',
        timeout: 30_000,
      }),
    ) as { node: string; nodeVersion: string };
    // `npm test` installs only the default code-server; `npm run test:extension:latest` (or
    // scripts/codeServer.sh native latest) installs this Node and builds the client for it.
    if (!fs.existsSync(located.node)) {
      console.log(`      (Node ${located.nodeVersion} not installed: run scripts/codeServer.sh native latest)`);
      this.skip();
    }
    const modules = execFileSync(located.node, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
    const build = path.join(
      repoRoot,
      'node_modules/@confluentinc/kafka-javascript/lib/binding',
      `node-v${modules}-${process.platform}-${process.arch}`,
      'confluent-kafka-javascript.node',
    );
    if (!fs.existsSync(build)) {
      console.log(`      (no client built for Node ${located.nodeVersion}: run scripts/codeServer.sh native latest)`);
      this.skip();
    }
    const result = runProbe(located.node);
    assert.equal(result.info.nodeVersion, located.nodeVersion);
    assert.equal(result.modules, modules);
    assert.notEqual(modules, process.versions.modules, 'the point is a Node of another ABI');
    assert.ok(result.brokers >= 1);
  });
});
