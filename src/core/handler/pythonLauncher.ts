import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../logging';
import type { LaunchedHandler } from './nodeLauncher';

/** Where the Python runtime (kafka_lab_handler.py and kafka_lab_api.py) lies in the extension: dist/python. */
export const PYTHON_RUNTIME_SCRIPT = 'kafka_lab_handler.py';
/** The debugpy the extension offers to install, the one its tests run. */
export const DEBUGPY_REQUIREMENT = 'debugpy==1.8.22';
/** The environment variable that carries the non-retriable exception class names to the runtime (JSON list). */
export const NON_RETRIABLE_ENV = 'KAFKA_LAB_NON_RETRIABLE';

export interface PythonChoice {
  readonly python: string;
  /** Which rule chose it, for messages: the configuration, the workspace's .venv, or PATH. */
  readonly source: 'configuration' | 'workspace .venv' | 'PATH';
}

/**
 * The interpreter that runs a Python handler: the configuration's `python`, else the workspace
 * folder's `.venv`, else `python3` on PATH.
 */
export function choosePythonInterpreter(
  configured: string | undefined,
  workspaceFolder: string | undefined,
): PythonChoice {
  if (configured) return { python: configured, source: 'configuration' };
  if (workspaceFolder) {
    const venv =
      process.platform === 'win32'
        ? path.join(workspaceFolder, '.venv', 'Scripts', 'python.exe')
        : path.join(workspaceFolder, '.venv', 'bin', 'python');
    if (fs.existsSync(venv)) return { python: venv, source: 'workspace .venv' };
  }
  return { python: process.platform === 'win32' ? 'python' : 'python3', source: 'PATH' };
}

export type DebugpyCheck =
  | { readonly ok: true; readonly version: string }
  | { readonly ok: false; readonly reason: 'missing' | 'noInterpreter'; readonly detail: string };

/** Whether `python` runs and has debugpy, bounded (a hung interpreter is an answer too). */
export function checkDebugpy(python: string, timeoutMs = 15_000): Promise<DebugpyCheck> {
  return new Promise((resolve) => {
    execFile(
      python,
      ['-c', 'import debugpy, sys; sys.stdout.write(debugpy.__version__)'],
      { timeout: timeoutMs, windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) return resolve({ ok: true, version: stdout.trim() });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EACCES')
          return resolve({ ok: false, reason: 'noInterpreter', detail: `${python} cannot be run (${code})` });
        if (/No module named .?debugpy/.test(stderr))
          return resolve({ ok: false, reason: 'missing', detail: `debugpy is not installed in ${python}` });
        resolve({
          ok: false,
          reason: 'noInterpreter',
          detail: `${python} -c "import debugpy" failed: ${(stderr || error.message).trim().slice(0, 500)}`,
        });
      },
    );
  });
}

/** `python -m pip install debugpy==…` into that interpreter, bounded; resolves with pip's last lines on failure. */
export function installDebugpy(
  python: string,
  timeoutMs = 300_000,
): Promise<{ readonly ok: true } | { readonly ok: false; readonly detail: string }> {
  return new Promise((resolve) => {
    execFile(
      python,
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', DEBUGPY_REQUIREMENT],
      { timeout: timeoutMs, windowsHide: true, maxBuffer: 4 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (!error) return resolve({ ok: true });
        const tail = (stderr || error.message).trim().split('\n').slice(-5).join('\n');
        resolve({ ok: false, detail: error.killed ? `pip did not finish within ${timeoutMs / 1000} s` : tail });
      },
    );
  });
}

export interface PythonHandlerLaunch {
  /** dist/python of the extension (or src/handlerRuntime/python in tests). */
  readonly runtimeDir: string;
  readonly python: string;
  readonly args?: readonly string[];
  readonly cwd?: string;
  /** The channel's endpoint and token, the non-retriable classes, and the developer's own variables. */
  readonly env: Readonly<Record<string, string>>;
  readonly logger: Logger;
}

/**
 * Starts the Python handler runtime without a debugger (integration tests, benchmarks). Its output
 * goes to the log line by line, bounded.
 */
export function launchPythonHandler(launch: PythonHandlerLaunch): LaunchedHandler {
  const child = spawn(
    launch.python,
    ['-u', path.join(launch.runtimeDir, PYTHON_RUNTIME_SCRIPT), ...(launch.args ?? [])],
    {
      cwd: launch.cwd,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...launch.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const forward = (level: 'info' | 'warn') => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()?.slice(0, 16_384) ?? '';
      for (const line of lines) if (line) launch.logger[level](line.slice(0, 16_384));
    };
  };
  child.stdout.on('data', forward('info'));
  child.stderr.on('data', forward('warn'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      launch.logger.error(`the Python handler runtime could not start (${launch.python}): ${error.message}`);
      resolve({ code: null, signal: null });
    });
  });
  return {
    pid: child.pid,
    exited,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
