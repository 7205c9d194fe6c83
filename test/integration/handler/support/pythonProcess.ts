import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { HandlerChannel } from '../../../../src/core/handler/handlerChannel';
import { launchPythonHandler, NON_RETRIABLE_ENV } from '../../../../src/core/handler/pythonLauncher';
import { createLogger, silentLogger } from '../../../../src/core/logging';
import { repoRoot, type RunningHandler } from './handlerProcess';

export const pythonRuntimeDir = path.join(repoRoot, 'src/handlerRuntime/python');

/** The interpreter of the debugpy venv (scripts/debugpy.sh), or python3 when that is not installed. */
export function testPython(): string {
  try {
    return execFileSync('bash', [path.join(repoRoot, 'scripts', 'debugpy.sh'), 'python'], { encoding: 'utf8' }).trim();
  } catch {
    return 'python3';
  }
}

/** Opens a channel for a .py module and starts the real Python runtime on it (no debugger). */
export async function startPythonHandler(
  module: string,
  options: { exportName?: string; waitReady?: boolean; nonRetriable?: readonly string[] } = {},
): Promise<RunningHandler> {
  const channel = await HandlerChannel.open({ module, exportName: options.exportName, logger: silentLogger });
  const logs: string[] = [];
  channel.on('log', (entry) => logs.push(entry.message));
  const stderr: string[] = [];
  const launch = () =>
    launchPythonHandler({
      runtimeDir: pythonRuntimeDir,
      python: testPython(),
      env: {
        ...channel.env,
        ...(options.nonRetriable ? { [NON_RETRIABLE_ENV]: JSON.stringify(options.nonRetriable) } : {}),
      },
      logger: createLogger((level, line) => {
        if (level === 'warn' || level === 'error') stderr.push(line);
      }),
    });
  const running: RunningHandler = {
    channel,
    process: launch(),
    logs,
    restart() {
      running.process = launch();
      return running.process;
    },
    async close() {
      await channel.close();
      running.process.kill('SIGKILL');
      await running.process.exited;
    },
  };
  if (options.waitReady !== false) {
    try {
      await channel.waitReady(20_000);
    } catch (error) {
      await running.close();
      throw new Error(`${String(error)}; the runtime wrote: ${stderr.join('\n')}`);
    }
  }
  return running;
}
