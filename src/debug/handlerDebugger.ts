import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HandlerChannel } from '../core/handler/handlerChannel';
import {
  type HandlerLaunch,
  HandlerLaunchError,
  parseEnvFile,
  parseHandlerLaunch,
} from '../core/handler/handlerLaunchConfig';
import {
  checkDebugpy,
  choosePythonInterpreter,
  DEBUGPY_REQUIREMENT,
  installDebugpy,
  NON_RETRIABLE_ENV,
  PYTHON_RUNTIME_SCRIPT,
} from '../core/handler/pythonLauncher';
import type { Logger } from '../core/logging';
import type { SessionController } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';
import { pythonDebugType, registerDebugpyAdapter } from './pythonDebugAdapter';

export const KAFKA_LAB_DEBUG_TYPE = 'kafka-lab';
/** The key that ties a Node debug session to the consumer session it serves. */
const SESSION_KEY = '__kafkaLabHandlerSession';
/** A reload that takes longer (a debugger paused in the module's top-level code) is reported, not waited for. */
const RELOAD_TIMEOUT_MS = 30_000;
/** How long F5 waits for the handler process to connect and load its module before joining anyway. */
const HANDLER_READY_TIMEOUT_MS = 60_000;

/** Starts the consumer session of a launch, with the developer's handler behind `channel`. */
export type HandlerSessionStarter = (
  launch: HandlerLaunch,
  handler: { channel: HandlerChannel; timeoutMs: () => number | undefined },
) => Promise<SessionController>;

interface HandlerRun {
  readonly key: string;
  readonly launch: HandlerLaunch;
  readonly channel: HandlerChannel;
  readonly folder: vscode.WorkspaceFolder | undefined;
  /** The Node or Python (debugpy) configuration that starts the handler process (kept for a restart). */
  readonly nodeConfig: vscode.DebugConfiguration;
  controller?: SessionController;
  debugSession?: vscode.DebugSession;
  /** The process is being restarted: its old debug session ending must not stop the consumer. */
  restarting?: boolean;
  /** The developer pressed Stop (the adapter was asked to disconnect), as opposed to the process dying. */
  stopRequested?: boolean;
  stopping?: boolean;
}

export interface HandlerDebuggerDeps {
  readonly extensionUri: vscode.Uri;
  readonly manager: SessionManager;
  readonly start: HandlerSessionStarter;
  readonly logger: Logger;
  readonly openPanel: (controller: SessionController) => void;
}

/**
 * The `kafka-lab` debug type. F5 on such a configuration joins the group in the extension host and
 * starts the developer's handler in a Node process through VS Code's JavaScript debugger, so a
 * breakpoint pauses the handler and never the group's membership. Ctrl+F5 runs the same process
 * without a debugger (and with the per-message time limit). Ending either side ends both: the
 * consumer session stops gracefully, committing only what is done.
 */
export class HandlerDebugger implements vscode.DebugConfigurationProvider, vscode.Disposable {
  private readonly runs = new Map<string, HandlerRun>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: HandlerDebuggerDeps) {
    this.disposables.push(
      vscode.debug.registerDebugConfigurationProvider(KAFKA_LAB_DEBUG_TYPE, this),
      vscode.debug.registerDebugConfigurationProvider(
        KAFKA_LAB_DEBUG_TYPE,
        { provideDebugConfigurations: () => [this.template()] },
        vscode.DebugConfigurationProviderTriggerKind.Dynamic,
      ),
      vscode.debug.onDidStartDebugSession((session) => this.onStarted(session)),
      vscode.debug.onDidTerminateDebugSession((session) => void this.onTerminated(session)),
      // Tells a Stop from a crash: only a Stop sends the adapter a disconnect or terminate request.
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => {
          const run = this.runOf(session);
          if (!run) return undefined;
          return {
            onWillReceiveMessage: (message: { type?: string; command?: string }) => {
              if (message.type === 'request' && (message.command === 'disconnect' || message.command === 'terminate'))
                run.stopRequested = true;
            },
          };
        },
      }),
      vscode.workspace.onDidSaveTextDocument((document) => void this.onSaved(document)),
      // Python handlers: debugpy's own adapter, for when the Python Debugger extension is absent.
      registerDebugpyAdapter(),
    );
    const onChanged = () => {
      for (const run of this.runs.values()) {
        if (run.controller && !deps.manager.get(run.controller.id)) void this.end(run, 'the consumer session stopped');
      }
    };
    deps.manager.on('changed', onChanged);
    this.disposables.push({ dispose: () => deps.manager.off('changed', onChanged) });
  }

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [this.template()];
  }

  /** The consumer sessions that run a handler, by their session id (tests and the Sessions view). */
  handlerOf(
    sessionId: string,
  ): { channel: HandlerChannel; debugSession?: vscode.DebugSession; launch: HandlerLaunch } | undefined {
    for (const run of this.runs.values()) if (run.controller?.id === sessionId) return run;
    return undefined;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined | null> {
    // F5 without a launch.json hands us an empty configuration: offer the template to edit.
    if (!config.type && !config.request && !config.name) return null;
    let launch: HandlerLaunch;
    try {
      launch = parseHandlerLaunch({ ...config, noDebug: config.noDebug === true });
      if (!fs.existsSync(launch.handler))
        throw new HandlerLaunchError('handler', `names ${launch.handler}, which does not exist`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.deps.logger.warn(message);
      const choice = await vscode.window.showErrorMessage(`Kafka Consumer Lab: ${message}`, 'Open launch.json');
      return choice === 'Open launch.json' ? null : undefined;
    }
    let python: string | undefined;
    if (launch.language === 'python') {
      python = await this.pythonWithDebugpy(launch, folder);
      if (!python) return undefined;
    }
    const channel = await HandlerChannel.open({
      module: launch.handler,
      exportName: launch.exportName,
      logger: this.deps.logger,
    });
    const key = randomUUID();
    const run: HandlerRun = {
      key,
      launch,
      channel,
      folder,
      nodeConfig: python
        ? this.pythonConfig(launch, channel, key, folder, python)
        : this.nodeConfig(launch, channel, key, folder),
    };
    this.runs.set(key, run);
    channel.on('lost', (error) => {
      if (run.stopping || run.restarting) return;
      void vscode.window
        .showErrorMessage(`Kafka handler ${launch.name}: ${error.message}`, 'Restart Handler', 'Show Log')
        .then((choice) => {
          if (choice === 'Restart Handler') void this.restartProcess(run);
          if (choice === 'Show Log') void vscode.commands.executeCommand('kafkaLab.showLog');
        });
    });
    // The handler process first, so the group is joined only once there is a handler to run (in
    // running mode the first messages would otherwise meet no process and stop the session).
    if (!launch.noDebug)
      await vscode.window
        .showTextDocument(vscode.Uri.file(launch.handler), { viewColumn: vscode.ViewColumn.One, preview: true })
        .then(undefined, () => undefined);
    if (!(await vscode.debug.startDebugging(folder, run.nodeConfig, { noDebug: launch.noDebug }))) {
      await this.end(run, 'the handler process did not start');
      return undefined;
    }
    try {
      run.controller = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Starting ${launch.name}…` },
        async (progress) => {
          progress.report({ message: 'loading the handler' });
          // A module that fails to load is reported and reloads on save; the session still starts.
          await channel.waitReady(HANDLER_READY_TIMEOUT_MS).catch((error: unknown) => {
            this.deps.logger.warn(error instanceof Error ? error.message : String(error));
            void vscode.window.showErrorMessage(
              `Kafka handler ${launch.name}: ${error instanceof Error ? error.message : String(error)}`,
            );
          });
          if (run.stopping) throw new Error('the handler was stopped while it started');
          progress.report({ message: `joining group ${launch.groupId}` });
          return this.deps.start(launch, {
            channel,
            timeoutMs: () => (launch.noDebug ? launch.handlerTimeoutMs : undefined),
          });
        },
      );
    } catch (error) {
      await this.end(run, 'the session did not start');
      void vscode.window.showErrorMessage(
        `Kafka Consumer Lab: the session for ${launch.name} did not start: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
    if (run.stopping) {
      // Stopped while joining: the consumer session goes too.
      await this.deps.manager.stop(run.controller.id).catch(() => undefined);
      return undefined;
    }
    this.deps.openPanel(run.controller);
    // The kafka-lab configuration itself starts nothing: the Node session above is the debug session.
    return undefined;
  }

  /**
   * The interpreter for a Python handler (the configuration's, the workspace's .venv, python3), once
   * it has debugpy: if it has not, the developer is asked before anything is installed. Undefined
   * (after saying why) when there is none to run.
   */
  private async pythonWithDebugpy(
    launch: HandlerLaunch,
    folder: vscode.WorkspaceFolder | undefined,
  ): Promise<string | undefined> {
    const { python, source } = choosePythonInterpreter(launch.python, folder?.uri.fsPath);
    const check = await checkDebugpy(python);
    if (check.ok) return python;
    if (check.reason === 'noInterpreter') {
      void vscode.window.showErrorMessage(
        `Kafka handler ${launch.name}: ${check.detail}. Set "python" in the launch configuration to a Python 3 interpreter (this one came from the ${source}).`,
      );
      return undefined;
    }
    const install = 'Install debugpy';
    const choice = await vscode.window.showWarningMessage(
      `Kafka handler ${launch.name}: debugpy is not installed in ${python} (the ${source} interpreter), and the handler runs under it. Install ${DEBUGPY_REQUIREMENT} into that interpreter with pip?`,
      install,
      'Not now',
    );
    if (choice !== install) {
      this.deps.logger.warn(`${launch.name}: debugpy is missing from ${python}; the developer declined to install it`);
      void vscode.window.showErrorMessage(
        `Kafka handler ${launch.name} did not start: it needs debugpy in ${python}. Install it with "${python} -m pip install ${DEBUGPY_REQUIREMENT}", or set "python" in launch.json to an interpreter that has it.`,
      );
      return undefined;
    }
    const installed = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Installing ${DEBUGPY_REQUIREMENT} into ${python}…` },
      () => installDebugpy(python),
    );
    const after = installed.ok ? await checkDebugpy(python) : undefined;
    if (!installed.ok || !after?.ok) {
      const detail = !installed.ok ? installed.detail : after && !after.ok ? after.detail : '';
      this.deps.logger.error(`installing ${DEBUGPY_REQUIREMENT} into ${python} failed: ${detail}`);
      void vscode.window.showErrorMessage(
        `Kafka handler ${launch.name}: pip could not install ${DEBUGPY_REQUIREMENT} into ${python}: ${detail}. Install it yourself, or set "python" in launch.json to an interpreter that has it.`,
      );
      return undefined;
    }
    this.deps.logger.info(`installed debugpy ${after.version} into ${python}`);
    return python;
  }

  /**
   * A Python handler: the Python runtime shipped in dist/python, under debugpy: the Python Debugger
   * extension's `debugpy` type when it is installed, else debugpy's own adapter, which this
   * extension starts (kafka-lab-debugpy). The runtime's frames are not the developer's code.
   */
  private pythonConfig(
    launch: HandlerLaunch,
    channel: HandlerChannel,
    key: string,
    folder: vscode.WorkspaceFolder | undefined,
    python: string,
  ): vscode.DebugConfiguration {
    const runtimeDir = vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'python').fsPath;
    const fileEnv =
      launch.envFile && fs.existsSync(launch.envFile) ? parseEnvFile(fs.readFileSync(launch.envFile, 'utf8')) : {};
    return {
      type: pythonDebugType(),
      request: 'launch',
      name: `${launch.name} (handler)`,
      program: path.join(runtimeDir, PYTHON_RUNTIME_SCRIPT),
      python,
      args: [...launch.args],
      cwd: launch.cwd ?? folder?.uri.fsPath ?? path.dirname(launch.handler),
      env: {
        ...fileEnv,
        ...launch.env,
        ...channel.env,
        [NON_RETRIABLE_ENV]: JSON.stringify(launch.nonRetriable),
        PYTHONDONTWRITEBYTECODE: '1',
      },
      console: 'internalConsole',
      redirectOutput: true,
      justMyCode: true,
      rules: [{ path: runtimeDir, include: false }],
      subProcess: false,
      [SESSION_KEY]: key,
    };
  }

  private nodeConfig(
    launch: HandlerLaunch,
    channel: HandlerChannel,
    key: string,
    folder: vscode.WorkspaceFolder | undefined,
  ): vscode.DebugConfiguration {
    const hostScript = vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'handlerHost.js').fsPath;
    const fileEnv =
      launch.envFile && fs.existsSync(launch.envFile) ? parseEnvFile(fs.readFileSync(launch.envFile, 'utf8')) : {};
    return {
      type: 'node',
      request: 'launch',
      name: `${launch.name} (handler)`,
      program: hostScript,
      args: [...launch.args],
      runtimeArgs: [...launch.runtimeArgs],
      ...(launch.runtimeExecutable ? { runtimeExecutable: launch.runtimeExecutable } : {}),
      cwd: launch.cwd ?? folder?.uri.fsPath ?? path.dirname(launch.handler),
      env: { ...fileEnv, ...launch.env, ...channel.env, KAFKA_LAB_TRANSPILER: transpilerPath(this.deps.extensionUri) },
      console: 'internalConsole',
      outputCapture: 'std',
      sourceMaps: true,
      // The runtime is ours: stepping goes from the engine's call straight into the developer's code.
      skipFiles: ['<node_internals>/**', hostScript],
      resolveSourceMapLocations: null,
      autoAttachChildProcesses: false,
      [SESSION_KEY]: key,
    };
  }

  /** The run a debug session serves: the Node session we started, or a child session of it. */
  private runOf(session: vscode.DebugSession): HandlerRun | undefined {
    const key = (session.configuration[SESSION_KEY] ?? session.parentSession?.configuration[SESSION_KEY]) as
      string | undefined;
    return key === undefined ? undefined : this.runs.get(key);
  }

  private onStarted(session: vscode.DebugSession): void {
    const run = this.runs.get(session.configuration[SESSION_KEY] as string);
    if (!run || session.parentSession) return;
    run.debugSession = session;
    run.restarting = false;
    run.stopRequested = false;
  }

  private async onTerminated(session: vscode.DebugSession): Promise<void> {
    const run = this.runs.get(session.configuration[SESSION_KEY] as string);
    if (!run || session.parentSession || run.debugSession !== session) return;
    run.debugSession = undefined;
    if (run.restarting) return;
    // Stop ends both sides. A process that died on its own leaves the consumer session in place,
    // stopped on the message it had (nothing past what was done is committed), for a restart.
    if (run.stopRequested) await this.end(run, 'the debug session was stopped');
    else
      this.deps.logger.warn(
        `${run.launch.name}: the handler process ended without a Stop; the consumer session waits for Restart Handler`,
      );
  }

  /** "Restart Handler" on a session: a new handler process on the same endpoint. */
  async restart(sessionId: string): Promise<void> {
    const run = [...this.runs.values()].find((r) => r.controller?.id === sessionId);
    if (!run) throw new Error('This session does not run a handler of yours; start one with Debug Handler.');
    await this.restartProcess(run);
  }

  /** Starts the handler process again on the same endpoint; the consumer session goes on. */
  private async restartProcess(run: HandlerRun): Promise<void> {
    run.restarting = true;
    if (run.debugSession) await vscode.debug.stopDebugging(run.debugSession);
    await vscode.debug.startDebugging(run.folder, run.nodeConfig, { noDebug: run.launch.noDebug });
  }

  /** A saved module of the handler's folder (the handler or what it imports) reloads every handler there. */
  private async onSaved(document: vscode.TextDocument): Promise<void> {
    if (!/\.((m|c)?(t|j)sx?|py)$/.test(document.fileName)) return;
    const reloads = [...this.runs.values()]
      .filter(
        (run) =>
          document.fileName.startsWith(path.dirname(run.launch.handler) + path.sep) &&
          run.channel.state !== 'waiting' &&
          run.channel.state !== 'closed',
      )
      .map(async (run) => {
        try {
          await run.channel.reload(RELOAD_TIMEOUT_MS);
          this.deps.logger.info(`reloaded ${run.launch.handler} after ${path.basename(document.fileName)} was saved`);
        } catch (error) {
          void vscode.window.showErrorMessage(
            `Kafka handler ${run.launch.name}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      });
    await Promise.all(reloads);
  }

  /** Ends both sides once: the consumer session stops gracefully, the handler process exits. */
  private async end(run: HandlerRun, why: string): Promise<void> {
    if (run.stopping) return;
    run.stopping = true;
    this.deps.logger.info(`${run.launch.name}: ${why}; stopping the handler and its consumer session`);
    this.runs.delete(run.key);
    const controller = run.controller;
    const stops: Array<Promise<unknown>> = [];
    if (controller && this.deps.manager.get(controller.id))
      stops.push(
        this.deps.manager
          .stop(controller.id)
          .catch((error: unknown) => this.deps.logger.warn(`stopping ${controller.id}: ${String(error)}`)),
      );
    if (run.debugSession) stops.push(Promise.resolve(vscode.debug.stopDebugging(run.debugSession)));
    await Promise.all(stops);
    await run.channel.close();
  }

  private template(): vscode.DebugConfiguration {
    return {
      type: KAFKA_LAB_DEBUG_TYPE,
      request: 'launch',
      name: 'Debug Kafka handler',
      handler: '${workspaceFolder}/src/handler.ts',
      cluster: 'Local demo',
      topics: ['orders'],
      groupId: 'dev-orders',
      mode: 'stepping',
    };
  }

  dispose(): void {
    for (const run of [...this.runs.values()]) void this.end(run, 'the extension is shutting down');
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** esbuild, shipped with the extension, transpiles TypeScript handlers in the handler process. */
function transpilerPath(extensionUri: vscode.Uri): string {
  return vscode.Uri.joinPath(extensionUri, 'node_modules', 'esbuild', 'lib', 'main.js').fsPath;
}
