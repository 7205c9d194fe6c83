// `npm run test:extension`: runs the compiled suites inside code-server 4.100.3 (VS Code 1.100.3)
// driven by Debian Chromium: first the development folder's suites (with a screenshot of the
// workbench), then the packaged .vsix installed into a fresh VS Code.
// `npm run test:extension:latest` (or `--code-server latest`, or env KAFKA_LAB_CODE_SERVER=latest)
// runs the same on the newest code-server scripts/codeServer.sh knows; its screenshots go to
// .lab/artifacts/code-server-<version>/ so they never replace the default run's.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: cli } = parseArgs({ options: { 'code-server': { type: 'string' } }, strict: true });
const codeServer = cli['code-server'] || process.env.KAFKA_LAB_CODE_SERVER || 'default';
process.env.KAFKA_LAB_CODE_SERVER = codeServer; // the runner and anything it starts see the same choice
const baseArtifacts = path.join(root, '.lab', 'artifacts');
const artifacts = codeServer === 'default' ? baseArtifacts : path.join(baseArtifacts, `code-server-${codeServer}`);
const workspace = path.join(root, 'test', 'fixtures', 'workspace');
const out = path.join(root, 'out', 'test', 'extension');
fs.mkdirSync(artifacts, { recursive: true });

const resultsFile = process.env.KAFKA_LAB_RESULTS;
const countLines = () =>
  resultsFile && fs.existsSync(resultsFile)
    ? fs.readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean).length
    : 0;

// Runs one step; a suite run that dies before its reporter counted anything is counted as one failure.
function run(label, command, args, { env = {}, counts = false } = {}) {
  console.log(`[test:extension] ${label} (code-server ${codeServer})`);
  const before = countLines();
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env }, cwd: root });
  const status = result.status ?? 1;
  if (counts && status !== 0 && resultsFile && countLines() === before) {
    console.error(`[test:extension] ${label}: exited ${status} before reporting results; counted as 1 failure`);
    fs.appendFileSync(resultsFile, JSON.stringify({ layer: 'extension', passed: 0, failed: 1, skipped: 0 }) + '\n');
  }
  return status;
}

const runner = path.join(root, 'scripts', 'runExtensionTests.mjs');
// The bound on the whole development-folder run (each test has its own mocha timeout, the slowest
// 240 s). 5 minutes no longer covered all the suites on 2 loaded cores: on code-server 4.139.1 the
// run was cut off in the Python handler suite. KAFKA_LAB_EXT_TIMEOUT_MS overrides it.
const suitesTimeoutMs = Number(process.env.KAFKA_LAB_EXT_TIMEOUT_MS) || 25 * 60_000;
let status = run(
  'suites in the development folder',
  process.execPath,
  [
    runner,
    '--extension',
    root,
    '--tests',
    path.join(out, 'index.js'),
    '--workspace',
    workspace,
    '--screenshot',
    path.join(artifacts, 'workbench.png'),
    '--timeout-ms',
    String(suitesTimeoutMs),
  ],
  { counts: true },
);

if (process.env.KAFKA_LAB_SKIP_PACKAGED !== '1') {
  for (const file of fs.readdirSync(artifacts).filter((f) => f.endsWith('.vsix')))
    fs.rmSync(path.join(artifacts, file));
  const packaged = run('packaging the .vsix', 'bash', [path.join(root, 'scripts', 'package.sh')], {
    env: { KAFKA_LAB_VSIX_DIR: artifacts },
  });
  const vsix = fs.readdirSync(artifacts).find((f) => f.endsWith('.vsix'));
  if (packaged !== 0 || !vsix) {
    console.error('[test:extension] npm run package failed; the packaged extension was not tested');
    if (resultsFile)
      fs.appendFileSync(resultsFile, JSON.stringify({ layer: 'extension', passed: 0, failed: 1, skipped: 0 }) + '\n');
    status = status || 1;
  } else {
    status =
      run(
        'the packaged .vsix installed in a fresh VS Code',
        process.execPath,
        [
          runner,
          '--extension',
          path.join(root, 'test', 'extension', 'packagedHarness'),
          '--tests',
          path.join(out, 'packaged', 'index.js'),
          '--workspace',
          workspace,
          '--install-vsix',
          path.join(artifacts, vsix),
          '--timeout-ms',
          String(5 * 60_000),
        ],
        { counts: true },
      ) || status;
  }
}
process.exit(status);
