// Helpers for the generator's integration tests: write a generated project to a temporary folder,
// install it (npm from the registry, pip from PyPI, both cached under .lab/cache), run its processes
// with bounded waits, and read back what they did.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateProject } from '../../../src/core/generator/generateProject';
import type { GeneratorInput } from '../../../src/core/generator/generatorInput';

export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const labDir = process.env.KAFKA_LAB_DIR || path.join(repoRoot, '.lab');

const written: string[] = [];

export function writeProject(input: GeneratorInput, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  written.push(dir);
  for (const file of generateProject(input)) {
    const target = path.join(dir, file.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.content);
  }
  return dir;
}

/** Removes the projects written so far (their node_modules is a link to a cache: only the link goes). */
export function removeProjects(): void {
  for (const dir of written.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

/** Runs a command to its end, bounded; rejects with its output when it fails or times out. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number; what: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: 'pipe' });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-200_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${options.what} did not finish within ${options.timeoutMs} ms; output:\n${output.slice(-4000)}`),
      );
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${options.what} could not start: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ code, signal, output });
      else reject(new Error(`${options.what} failed (exit ${code ?? signal}); output:\n${output.slice(-6000)}`));
    });
  });
}

/**
 * node_modules for a generated package.json, installed once from the npm registry into
 * .lab/cache/generator-ts/<hash of package.json> and linked into each project. Offline, the native
 * client builds from source against the system libraries (as scripts/setup.sh does for the extension).
 */
export async function installNodeModules(projectDir: string): Promise<string> {
  const packageJson = fs.readFileSync(path.join(projectDir, 'package.json'), 'utf8');
  const { dependencies, devDependencies } = JSON.parse(packageJson) as Record<string, unknown>;
  const key = createHash('sha256').update(JSON.stringify({ dependencies, devDependencies })).digest('hex').slice(0, 16);
  const cacheDir = path.join(labDir, 'cache', 'generator-ts', key);
  const stamp = path.join(cacheDir, '.installed');
  if (!fs.existsSync(stamp)) {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(
      path.join(cacheDir, 'package.json'),
      JSON.stringify({ name: 'generator-cache', private: true, dependencies, devDependencies }, null, 2),
    );
    // The native client the extension was set up with is the same package and version: its built
    // addon is reused rather than compiled from source a second time (minutes on a cold machine).
    const prebuilt = reusableNativeClient((dependencies as Record<string, string>)['@confluentinc/kafka-javascript']);
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', ...(prebuilt ? ['--ignore-scripts'] : [])],
      {
        cwd: cacheDir,
        env: { ...process.env, CKJS_LINKING: 'dynamic' },
        timeoutMs: 30 * 60_000,
        what: `npm install of the generated project's dependencies (in ${cacheDir})`,
      },
    );
    if (prebuilt) copyNativeBuild(prebuilt, path.join(cacheDir, 'node_modules', '@confluentinc', 'kafka-javascript'));
    fs.writeFileSync(stamp, new Date().toISOString());
  }
  fs.symlinkSync(path.join(cacheDir, 'node_modules'), path.join(projectDir, 'node_modules'), 'dir');
  return cacheDir;
}

/** The extension's own native client folder, when it is `version` and built. */
function reusableNativeClient(version: string | undefined): string | undefined {
  const ours = path.join(repoRoot, 'node_modules', '@confluentinc', 'kafka-javascript');
  try {
    const own = (JSON.parse(fs.readFileSync(path.join(ours, 'package.json'), 'utf8')) as { version: string }).version;
    const addon = path.join(ours, 'build', 'Release', 'confluent-kafka-javascript.node');
    return own === version && fs.existsSync(addon) ? ours : undefined;
  } catch {
    return undefined;
  }
}

/** The built addon and the librdkafka it links, as a from-source install would leave them. */
function copyNativeBuild(from: string, to: string): void {
  for (const dir of ['build/Release', 'build/deps']) {
    fs.mkdirSync(path.join(to, dir), { recursive: true });
    for (const name of fs.readdirSync(path.join(from, dir))) {
      const source = path.join(from, dir, name);
      if (/\.node$|\.so(\.\d+)*$/.test(name) && fs.statSync(source).isFile())
        fs.copyFileSync(source, path.join(to, dir, name));
    }
  }
}

/** The venv with the generated project's requirements-dev.txt (scripts/generatorVenv.sh, idempotent). */
export async function pythonFor(projectDir: string): Promise<string> {
  const result = await run(
    'bash',
    [path.join(repoRoot, 'scripts', 'generatorVenv.sh'), path.join(projectDir, 'requirements-dev.txt')],
    {
      cwd: repoRoot,
      timeoutMs: 15 * 60_000,
      what: 'scripts/generatorVenv.sh',
    },
  );
  const python = result.output.trim().split('\n').pop()?.trim() ?? '';
  if (!fs.existsSync(python)) throw new Error(`scripts/generatorVenv.sh printed no interpreter: ${result.output}`);
  return python;
}

/** A long-running consumer process; its output is kept for the failure message. */
export class ConsumerProcess {
  private output = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(command, [...args], { cwd, env, stdio: 'pipe' });
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-100_000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async waitForExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`the consumer did not exit within ${timeoutMs} ms; output:\n${this.output.slice(-4000)}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** For cleanup after a failure: never leaves a process behind. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.waitForExit(10_000).catch(() => undefined);
  }
}

/** The offsets a test handler wrote to its log ("partition:offset" per line), by partition. */
export function readProcessed(file: string): { byPartition: Map<number, Set<number>>; lines: number } {
  const byPartition = new Map<number, Set<number>>();
  if (!fs.existsSync(file)) return { byPartition, lines: 0 };
  let lines = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^(\d+):(\d+)$/.exec(line);
    if (!match) continue;
    lines++;
    const partition = Number(match[1]);
    let set = byPartition.get(partition);
    if (!set) byPartition.set(partition, (set = new Set()));
    set.add(Number(match[2]));
  }
  return { byPartition, lines };
}
