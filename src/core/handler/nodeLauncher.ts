import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '../logging';

export interface NodeHandlerLaunch {
  /** dist/handlerHost.js of the extension. */
  readonly hostScript: string;
  /** The Node to run; default `node` from PATH. */
  readonly runtimeExecutable?: string;
  readonly runtimeArgs?: readonly string[];
  readonly args?: readonly string[];
  readonly cwd?: string;
  /** The channel's endpoint, the transpiler's location, and the developer's own variables. */
  readonly env: Readonly<Record<string, string>>;
  readonly logger: Logger;
}

export interface LaunchedHandler {
  readonly pid: number | undefined;
  /** Resolves when the process has exited, with how. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts the Node handler runtime without a debugger ("Run Handler", tests, benchmarks). Its output
 * goes to the log, line by line and bounded, so a chatty handler cannot flood the extension host.
 */
export function launchNodeHandler(launch: NodeHandlerLaunch): LaunchedHandler {
  const child: ChildProcess = spawn(
    launch.runtimeExecutable ?? 'node',
    [...(launch.runtimeArgs ?? []), launch.hostScript, ...(launch.args ?? [])],
    {
      cwd: launch.cwd,
      env: { ...process.env, ...launch.env },
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
  child.stdout?.on('data', forward('info'));
  child.stderr?.on('data', forward('warn'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      launch.logger.error(
        `the handler runtime could not start (${launch.runtimeExecutable ?? 'node'}): ${error.message}`,
      );
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
