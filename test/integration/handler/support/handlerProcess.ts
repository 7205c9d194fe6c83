import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { HandlerChannel } from '../../../../src/core/handler/handlerChannel';
import { type LaunchedHandler, launchNodeHandler } from '../../../../src/core/handler/nodeLauncher';
import { silentLogger, type Logger } from '../../../../src/core/logging';

/** The repository's root, from out/test/integration/handler/support. */
export const repoRoot = path.resolve(__dirname, '../../../../..');
export const fixtures = path.join(repoRoot, 'test/integration/handler/fixtures');
export const transpiler = require.resolve('esbuild');

let bundled: string | undefined;
/**
 * The Node runtime bundled by esbuild, as the extension ships it (tsc's CommonJS output would turn
 * the runtime's `import()` of ES modules into `require`).
 */
export function hostScript(): string {
  if (bundled) return bundled;
  const outfile = path.join(repoRoot, 'out/handlerRuntime/handlerHost.js');
  esbuild.buildSync({
    entryPoints: [path.join(repoRoot, 'src/handlerRuntime/node/handlerHost.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    sourcemap: true,
    logLevel: 'error',
  });
  return (bundled = outfile);
}

export interface RunningHandler {
  readonly channel: HandlerChannel;
  process: LaunchedHandler;
  readonly logs: string[];
  restart(): LaunchedHandler;
  close(): Promise<void>;
}

/** Opens a channel for `module` and starts a real Node handler process on it (no debugger). */
export async function startHandler(
  module: string,
  options: { exportName?: string; waitReady?: boolean; logger?: Logger } = {},
): Promise<RunningHandler> {
  const channel = await HandlerChannel.open({
    module,
    exportName: options.exportName,
    logger: options.logger ?? silentLogger,
  });
  const logs: string[] = [];
  channel.on('log', (entry) => logs.push(entry.message));
  const launch = () =>
    launchNodeHandler({
      hostScript: hostScript(),
      env: { ...channel.env, KAFKA_LAB_TRANSPILER: transpiler },
      logger: options.logger ?? silentLogger,
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
      throw error;
    }
  }
  return running;
}
