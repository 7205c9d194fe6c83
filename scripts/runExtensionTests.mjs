#!/usr/bin/env node
// Runs an extension test suite inside a real VS Code without downloading VS Code: code-server
// (VS Code server + web workbench, installed by scripts/codeServer.sh) driven by Debian's Chromium
// through playwright-core. The suite's `run()` executes in code-server's extension host (Node), which
// inherits this process's environment. The workbench reports the suite's outcome through
// `codeAutomationExit`, which this runner exposes on the page.
// A suite can save a screenshot while its views still have content (after the suite settles the
// extension host is stopped, so the final --screenshot shows containers but not data):
//   await fetch(`${process.env.KAFKA_LAB_SCREENSHOT_URL}?name=topics-view`)   // -> <dir>/topics-view.png
// where <dir> is the folder of --screenshot, or .lab/screenshots.
// A suite can also inspect a webview from outside (its DOM, CSP, focus; real key presses): POST JSON
// to KAFKA_LAB_WEBVIEW_URL, see scripts/lib/webviewProbe.mjs.
//
// Usage: node scripts/runExtensionTests.mjs --extension <absExtDir> --tests <absSuiteIndex.js>
//          --workspace <absFolder> [--screenshot <png>] [--timeout-ms N] [--install-vsix <file.vsix>]
//          [--code-server default|latest|<version>]
// --code-server (else env KAFKA_LAB_CODE_SERVER, else `default`) picks which installed code-server
// runs the suite, and on which Node (scripts/codeServer.sh locate knows both): default is 4.100.3 on
// the system Node 20, latest the newest code-server on its own Node 24 from the npm registry.
// With --install-vsix the packaged extension is installed into the run's extensions folder first
// (code-server --install-extension), so a suite can test the artifact users install.
// Exit code: the suite's (0 passed, 1 failed); 2 when the rig itself failed or timed out.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, parseArgs } from 'node:util';
import { handleWebviewProbe } from './lib/webviewProbe.mjs';

const RIG_FAILURE = 2;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
// Environment variables that would redirect code-server itself (into another instance, another port,
// or make it believe it is its own child process); everything else reaches the extension host.
const ENV_BLOCKLIST = /^(VSCODE_.*|ELECTRON_RUN_AS_NODE|CODE_SERVER_.*|PORT|PASSWORD|HASHED_PASSWORD)$/;

// Quiet, repeatable workbench: no prompts or notifications unrelated to the extension under test
// (the fixture workspace sits inside this git repository, so git would offer to open it).
const USER_SETTINGS = {
  'git.openRepositoryInParentFolders': 'never',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const labDir = path.join(repoRoot, '.lab');
const codeServerScript = path.join(repoRoot, 'scripts', 'codeServer.sh');
const runsDir = path.join(labDir, 'run/code-server-test');
const logsDir = path.join(labDir, 'logs');
// Per code-server version (set in main), so a run on one version keeps the other's logs.
let logFile = path.join(logsDir, 'code-server-test.log');
let workbenchLogsDir = path.join(logsDir, 'code-server-test-workbench');

class RigError extends Error {}

// What has to be stopped before this process exits, whatever way it exits.
const running = { codeServer: undefined, browser: undefined, screenshotServer: undefined };
let cleanedUp = false;
let failing = false; // a failure is being reported; errors from the teardown it causes are noise
let waitingFor = 'start-up'; // said when something times out or throws

async function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  running.screenshotServer?.close();
  running.screenshotServer?.closeAllConnections();
  if (running.browser) await Promise.race([running.browser.close().catch(() => {}), sleep(10_000)]);
  if (running.codeServer) await killGroup(running.codeServer);
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      extension: { type: 'string' },
      tests: { type: 'string' },
      workspace: { type: 'string' },
      screenshot: { type: 'string' },
      'timeout-ms': { type: 'string', default: '300000' },
      'install-vsix': { type: 'string' },
      'code-server': { type: 'string', default: process.env.KAFKA_LAB_CODE_SERVER || 'default' },
    },
    strict: true,
  });
  const usage =
    'usage: node scripts/runExtensionTests.mjs --extension <absExtDir> --tests <absSuiteIndex.js> ' +
    '--workspace <absFolder> [--screenshot <png>] [--timeout-ms N] [--install-vsix <file.vsix>] ' +
    '[--code-server default|latest|<version>]';
  for (const name of ['extension', 'tests', 'workspace']) {
    if (!values[name]) throw new RigError(`missing --${name}\n${usage}`);
    if (!path.isAbsolute(values[name])) throw new RigError(`--${name} must be an absolute path: ${values[name]}`);
  }
  if (!fs.existsSync(path.join(values.extension, 'package.json'))) {
    throw new RigError(`--extension has no package.json: ${values.extension}`);
  }
  if (!fs.statSync(values.tests, { throwIfNoEntry: false })?.isFile()) {
    throw new RigError(`--tests is not a file: ${values.tests}`);
  }
  if (!fs.statSync(values.workspace, { throwIfNoEntry: false })?.isDirectory()) {
    throw new RigError(`--workspace is not a folder: ${values.workspace}`);
  }
  if (values['install-vsix'] && !fs.statSync(values['install-vsix'], { throwIfNoEntry: false })?.isFile()) {
    throw new RigError(`--install-vsix is not a file: ${values['install-vsix']}`);
  }
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new RigError(`--timeout-ms must be a positive integer`);
  return {
    extension: values.extension,
    tests: values.tests,
    workspace: values.workspace,
    screenshot: values.screenshot ? path.resolve(values.screenshot) : undefined,
    timeoutMs,
    installVsix: values['install-vsix'] ? path.resolve(values['install-vsix']) : undefined,
    codeServer: values['code-server'],
  };
}

// Where the requested code-server's entry.js and the Node it runs on are: {codeServer, vscode,
// entry, node, nodeVersion, installed}.
function locateCodeServer(requested) {
  const result = spawnSync('bash', [codeServerScript, 'locate', requested], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) {
    throw new RigError(
      `scripts/codeServer.sh locate ${requested} failed (exit ${result.status ?? result.signal}): ${result.stderr.trim()}`,
    );
  }
  const location = JSON.parse(result.stdout.trim().split('\n').pop());
  if (!location.installed || !fs.existsSync(location.entry) || !fs.existsSync(location.node)) {
    throw new RigError(
      `code-server ${location.codeServer} is not installed (${location.entry} on ${location.node}). ` +
        `Run: scripts/codeServer.sh install ${requested}`,
    );
  }
  return location;
}

function checkPrerequisites() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new RigError(`${CHROMIUM} is missing. Run: sudo apt-get install -y chromium`);
  }
}

async function loadPlaywright() {
  try {
    return (await import('playwright-core')).chromium;
  } catch (error) {
    throw new RigError(`cannot load playwright-core (${error.message}). Run: npm install`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Each run gets fresh user-data and extensions folders. Folders of runs whose runner is gone are
// removed, after stopping their code-server if that runner was killed before it could.
function prepareRunDir() {
  fs.mkdirSync(runsDir, { recursive: true });
  for (const name of fs.readdirSync(runsDir)) {
    const pid = Number(/^run-(\d+)-/.exec(name)?.[1]);
    if (!pid || isAlive(pid)) continue;
    stopOrphanedCodeServer(path.join(runsDir, name));
    fs.rmSync(path.join(runsDir, name), { recursive: true, force: true });
  }
  const dir = path.join(runsDir, `run-${process.pid}-${Date.now()}`);
  for (const sub of ['user-data/User', 'extensions', 'xdg-data', 'xdg-cache', 'chromium-home']) {
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
  }
  fs.writeFileSync(path.join(dir, 'user-data/User/settings.json'), `${JSON.stringify(USER_SETTINGS, null, 2)}\n`);
  return dir;
}

function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function stopOrphanedCodeServer(dir) {
  const pid = Number(readText(path.join(dir, 'code-server.pid')).trim());
  if (!pid) return;
  const cmdline = readText(`/proc/${pid}/cmdline`);
  if (!cmdline.includes(path.join(dir, 'user-data'))) return; // the pid was reused by something else
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Two animation frames in the page: the last layout is on screen.
const waitForPaint = (page) =>
  page.evaluate(() => new Promise((r) => globalThis.requestAnimationFrame(() => globalThis.requestAnimationFrame(r))));

// The workbench forwards console calls as [format, ...values] (mocha's reporters use '%s' formats).
function formatLogArgs(args) {
  return format(...(Array.isArray(args) ? args : [args]));
}

async function main() {
  const options = parseOptions();
  checkPrerequisites();
  const located = locateCodeServer(options.codeServer);
  const entryJs = located.entry;
  const nodeExe = located.node;
  if (options.codeServer !== 'default') {
    logFile = path.join(logsDir, `code-server-test-${located.codeServer}.log`);
    workbenchLogsDir = path.join(logsDir, `code-server-test-${located.codeServer}-workbench`);
  }
  console.log(
    `[runExtensionTests] code-server ${located.codeServer} (VS Code ${located.vscode}) on Node ` +
      `${located.nodeVersion ?? process.versions.node} (${nodeExe})`,
  );
  const chromium = await loadPlaywright();

  fs.mkdirSync(logsDir, { recursive: true });
  const logFd = fs.openSync(logFile, 'w');
  const writeLog = (line) => fs.appendFileSync(logFd, `[runner ${new Date().toISOString()}] ${line}\n`);
  const runDir = prepareRunDir();
  const started = Date.now();

  // Stops everything and exits; the returned promise never settles, so `await fail(...)` halts the caller.
  const fail = (message) => {
    if (!failing) {
      failing = true;
      console.error(`[runExtensionTests] ${message}`);
      writeLog(message);
      void cleanup().finally(() => {
        console.error(`[runExtensionTests] code-server log: ${logFile}; run folder kept: ${runDir}`);
        process.exit(RIG_FAILURE);
      });
    }
    return new Promise(() => {});
  };

  const overall = setTimeout(() => {
    void fail(`timed out after ${options.timeoutMs} ms while waiting for: ${waitingFor}`);
  }, options.timeoutMs);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => void fail(`received ${signal} while waiting for: ${waitingFor}`));
  }

  // Suites in the extension host may ask for a screenshot while their views still have content
  // (once the suite settles, the workbench stops the extension host before reporting the exit).
  const screenshots = await startScreenshotServer({
    dir: options.screenshot ? path.dirname(options.screenshot) : path.join(labDir, 'screenshots'),
    writeLog,
  });
  running.screenshotServer = screenshots.server;

  // code-server
  const port = await freePort();
  const authority = `127.0.0.1:${port}`;
  const configFile = path.join(runDir, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: ${authority}\nauth: none\ncert: false\n`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !ENV_BLOCKLIST.test(key)));
  env.CODE_SERVER_CONFIG = configFile; // otherwise it writes ~/.config/code-server/config.yaml
  env.XDG_DATA_HOME ??= path.join(runDir, 'xdg-data'); // otherwise it logs to ~/.local/share/code-server
  env.XDG_CACHE_HOME ??= path.join(runDir, 'xdg-cache'); // otherwise ~/.cache/Microsoft/DeveloperTools/deviceid
  env.EXTENSIONS_GALLERY ??= '{}'; // no marketplace: offline, its lookups only fail
  env.KAFKA_LAB_SCREENSHOT_URL = `${screenshots.url}/screenshot`;
  env.KAFKA_LAB_WEBVIEW_URL = `${screenshots.url}/webview`;
  if (options.installVsix) {
    waitingFor = `code-server to install ${options.installVsix}`;
    const install = spawnSync(
      nodeExe,
      [
        entryJs,
        '--user-data-dir',
        path.join(runDir, 'user-data'),
        '--extensions-dir',
        path.join(runDir, 'extensions'),
        '--install-extension',
        options.installVsix,
      ],
      { env, encoding: 'utf8', timeout: 120_000 },
    );
    writeLog(`install ${options.installVsix}: exit ${install.status}\n${install.stdout}${install.stderr}`);
    if (install.status !== 0)
      await fail(
        `code-server could not install ${options.installVsix} (exit ${install.status ?? install.signal}); see ${logFile}`,
      );
    console.log(`[runExtensionTests] installed ${path.basename(options.installVsix)}`);
  }
  const csArgs = [
    entryJs,
    '--auth',
    'none',
    '--bind-addr',
    authority,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir',
    path.join(runDir, 'user-data'),
    '--extensions-dir',
    path.join(runDir, 'extensions'),
    options.workspace,
  ];
  writeLog(`starting: ${nodeExe} ${csArgs.join(' ')}`);
  waitingFor = `code-server to start on ${authority}`;
  const codeServer = (running.codeServer = spawn(nodeExe, csArgs, {
    cwd: options.workspace,
    env,
    detached: true, // own process group, so the extension host and helpers are killed with it
    stdio: ['ignore', logFd, logFd],
  }));
  fs.writeFileSync(path.join(runDir, 'code-server.pid'), `${codeServer.pid}\n`);
  let codeServerExit;
  const codeServerExited = new Promise((resolve) => {
    codeServer.on('exit', (code, signal) => {
      codeServerExit = signal ?? code;
      resolve();
    });
  });

  waitingFor = `code-server to answer HTTP on http://${authority}/healthz`;
  while ((await httpStatus(`http://${authority}/healthz`)) !== 200) {
    if (codeServerExit !== undefined) {
      await fail(`code-server exited (${codeServerExit}) before answering HTTP; see ${logFile}`);
    }
    await sleep(200);
  }
  writeLog(`code-server answers on ${authority} after ${Date.now() - started} ms`);

  // browser
  waitingFor = `Chromium (${CHROMIUM}) to launch`;
  const chromiumHome = path.join(runDir, 'chromium-home');
  const browser = (running.browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
    // playwright would otherwise exit on these signals itself and leave code-server running
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    // crash-report settings and dconf would otherwise go to ~/.config/chromium and ~/.cache/dconf
    env: { ...process.env, XDG_CONFIG_HOME: chromiumHome, XDG_CACHE_HOME: chromiumHome },
  }));
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') writeLog(`[browser ${msg.type()}] ${msg.text()}`);
  });
  page.on('pageerror', (error) => writeLog(`[browser pageerror] ${error.stack ?? error.message}`));
  page.on('crash', () => void fail('the browser page crashed'));
  screenshots.setPage(page);

  let resolveExit;
  const exitRequested = new Promise((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    process.stdout.write(`[${type}] ${formatLogArgs(args)}\n`);
  });
  await page.exposeFunction('codeAutomationExit', (code, logs) => {
    resolveExit({ code, logs });
  });

  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${authority}${options.extension}`],
    ['extensionTestsPath', `vscode-remote://${authority}${options.tests}`],
    ['skipWelcome', 'true'],
  ];
  const url =
    `http://${authority}/?folder=${encodeURIComponent(options.workspace)}` +
    `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  writeLog(`opening ${url}`);
  waitingFor = `the workbench page to load (${url})`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

  waitingFor = 'the test suite to finish (codeAutomationExit)';
  let finished = false;
  const outcome = await Promise.race([
    exitRequested,
    codeServerExited.then(() =>
      finished ? undefined : fail(`code-server exited (${codeServerExit}) during the tests; see ${logFile}`),
    ),
  ]);
  finished = true;
  const exitCode = typeof outcome.code === 'number' ? outcome.code : 1;
  writeLog(`suite finished with exit code ${exitCode} after ${Date.now() - started} ms`);
  saveWorkbenchLogs(outcome.logs);

  if (options.screenshot) {
    waitingFor = `a painted workbench for the screenshot ${options.screenshot}`;
    await page.locator('.monaco-workbench .part.activitybar').first().waitFor({ state: 'visible', timeout: 30_000 });
    await waitForPaint(page);
    fs.mkdirSync(path.dirname(options.screenshot), { recursive: true });
    await page.screenshot({ path: options.screenshot });
    console.log(`[runExtensionTests] screenshot: ${options.screenshot}`);
  }

  waitingFor = 'the browser and code-server to stop';
  clearTimeout(overall);
  await cleanup();
  fs.closeSync(logFd);
  if (exitCode === 0) fs.rmSync(runDir, { recursive: true, force: true });
  console.log(`[runExtensionTests] exit code ${exitCode} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(exitCode);
}

// GET <url>/screenshot?name=N saves the page as <dir>/N.png and answers once the file is written.
function startScreenshotServer({ dir, writeLog }) {
  let page;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/webview') return handleWebviewProbe(req, res, page, writeLog);
    const name = url.searchParams.get('name') ?? '';
    if (url.pathname !== '/screenshot' || !/^[A-Za-z0-9._-]{1,80}$/.test(name)) {
      res.writeHead(400).end('usage: GET /screenshot?name=<[A-Za-z0-9._-]+>\n');
      return;
    }
    if (!page) {
      res.writeHead(503).end('no page yet\n');
      return;
    }
    try {
      const file = path.join(dir, name.endsWith('.png') ? name : `${name}.png`);
      fs.mkdirSync(dir, { recursive: true });
      await waitForPaint(page);
      await page.screenshot({ path: file });
      writeLog(`screenshot requested by the suite: ${file}`);
      console.log(`[runExtensionTests] screenshot: ${file}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${file}\n`);
    } catch (error) {
      res.writeHead(500).end(`${error.message}\n`);
    }
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${server.address().port}`, setPage: (p) => (page = p) });
    });
  });
}

// The workbench hands over its log files (window, extension host, ...) with the exit call.
function saveWorkbenchLogs(logs) {
  if (!Array.isArray(logs)) return;
  fs.rmSync(workbenchLogsDir, { recursive: true, force: true });
  for (const { relativePath, contents } of logs) {
    if (typeof relativePath !== 'string' || typeof contents !== 'string') continue;
    const target = path.resolve(workbenchLogsDir, relativePath);
    if (!target.startsWith(workbenchLogsDir + path.sep)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, contents);
  }
}

async function killGroup(child) {
  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // group already gone
    }
  };
  signalGroup('SIGTERM');
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
  if (!(await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]))) signalGroup('SIGKILL');
  // helpers (extension host, pty host) may outlive the main process briefly
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(-child.pid, 0);
    } catch {
      return;
    }
    await sleep(100);
    if (i === 30) signalGroup('SIGKILL');
  }
}

main().catch(async (error) => {
  if (failing) return; // fail() exits once everything is stopped
  const message = error instanceof RigError ? error.message : (error.stack ?? String(error));
  console.error(`[runExtensionTests] ${message}`);
  if (!(error instanceof RigError)) console.error(`[runExtensionTests] while waiting for: ${waitingFor}`);
  await cleanup();
  process.exit(RIG_FAILURE);
});
