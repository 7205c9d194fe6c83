// The version switch of scripts/services.sh and the arguments of scripts/testMatrix.sh, without a
// network or a broker: each run gets its own empty run dir and ports nobody listens on.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const servicesScript = path.join(repoRoot, 'scripts', 'services.sh');
const matrixScript = path.join(repoRoot, 'scripts', 'testMatrix.sh');

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync('bash', [script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('Kafka versions: the services switch and the matrix script', function () {
  this.timeout(30_000);
  let dir = '';
  let env: Record<string, string> = {};

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-versions-'));
    // Every loopback port moved to one that nothing here listens on.
    const text = fs
      .readFileSync(path.join(repoRoot, 'test', 'services.json'), 'utf8')
      .replace(/127\.0\.0\.1:(\d{4,5})/g, (_, p: string) => `127.0.0.1:${(Number(p) % 1000) + 41000}`);
    fs.writeFileSync(path.join(dir, 'services.json'), text);
    env = {
      KAFKA_LAB_SERVICES_JSON: path.join(dir, 'services.json'),
      KAFKA_LAB_RUN_DIR: path.join(dir, 'run'),
      KAFKA_LAB_LOGS_DIR: path.join(dir, 'logs'),
    };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a Kafka version it cannot run, naming the variable and what it takes', () => {
    for (const version of ['2.8.2', '3.8.1', '4.1', 'latest']) {
      const { status, out } = run(servicesScript, ['status'], { ...env, KAFKA_LAB_KAFKA_VERSION: version });
      assert.equal(status, 2, `${version}: ${out}`);
      assert.match(
        out,
        new RegExp(`KAFKA_LAB_KAFKA_VERSION must be a Kafka release 3\\.9\\.0 or newer .*got '${version}'`),
      );
    }
  });

  it('takes another version and other ports and run dirs from the environment, leaving the shared services alone', () => {
    const { status, out } = run(servicesScript, ['status'], { ...env, KAFKA_LAB_KAFKA_VERSION: '3.9.2' });
    assert.equal(status, 1, out);
    assert.match(out, /^kafka: down$/m, 'the private run dir has no broker');
    assert.match(out, /^registry: down$/m);
    assert.equal(fs.existsSync(path.join(dir, 'run', 'kafka-3.9.2.pid')), false, 'status starts nothing');
  });

  it('the matrix refuses an argument it does not know and explains itself on --help', () => {
    const bad = run(matrixScript, ['--everything'], env);
    assert.equal(bad.status, 1);
    assert.match(bad.out, /unknown argument '--everything' \(expected --private or a Kafka version such as 3\.9\.2\)/);
    const help = run(matrixScript, ['--help'], env);
    assert.equal(help.status, 0);
    assert.match(help.out, /npm run test:matrix/);
    assert.match(help.out, /--private/);
  });
});
