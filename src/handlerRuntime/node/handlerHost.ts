/**
 * The Node handler runtime: the process that runs the developer's handler, under the JavaScript
 * debugger or without it. It connects to the engine's endpoint (from the environment), loads the
 * module (JavaScript, CommonJS or ESM, or TypeScript transpiled in memory with an inline source map,
 * so breakpoints bind in the .ts source), and answers `handle` frames with results. It is bundled on
 * its own (dist/handlerHost.js) and depends on nothing but Node and, for TypeScript, the bundled
 * esbuild named by KAFKA_LAB_TRANSPILER.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as net from 'node:net';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type EngineFrame,
  type ErrorInfo,
  FrameReader,
  HANDLER_ENV,
  HANDLER_PROTOCOL_VERSION,
  type LogLevel,
  type MessageFrame,
  type OutputFrame,
  type ResultFrame,
  type RuntimeFrame,
  encodeFrame,
} from '../../core/handler/protocol';
import {
  type HandlerMessage,
  type HandlerContext,
  type HandlerResult,
  type OutputRecord,
  toHandlerMessage,
} from './handlerApi';
import { toOutputFrame } from './outputFrames';

type Handler = (message: HandlerMessage, context: HandlerContext) => HandlerResult | Promise<HandlerResult>;

const TS_EXTENSIONS: Record<string, 'ts' | 'tsx'> = { '.ts': 'ts', '.cts': 'ts', '.mts': 'ts', '.tsx': 'tsx' };

class Runtime {
  private readonly socket: net.Socket;
  private readonly reader = new FrameReader();
  private handler: Handler | undefined;
  private module = '';
  private exportName = 'handle';
  private generation = 0;
  private readonly running = new Map<string, RunContext>();
  private results: ResultFrame[] = [];
  private ok: string[] = [];
  private flushScheduled = false;

  constructor(
    endpoint: string,
    private readonly token: string,
  ) {
    const [host, port] = splitEndpoint(endpoint);
    this.socket = net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () =>
      this.send({
        type: 'hello',
        protocol: HANDLER_PROTOCOL_VERSION,
        token: this.token,
        runtime: `node ${process.version}`,
        pid: process.pid,
      }),
    );
    this.socket.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = this.reader.push(chunk);
      } catch (error) {
        process.stderr.write(`kafka-lab handler: the engine sent a malformed frame (${String(error)}); exiting\n`);
        process.exit(70);
      }
      for (const frame of frames) this.onFrame(frame as unknown as EngineFrame);
    });
    this.socket.on('error', (error) => {
      process.stderr.write(`kafka-lab handler: cannot reach the engine at ${endpoint}: ${error.message}\n`);
      process.exit(69);
    });
    // The engine went away (the session stopped): nothing is left to do.
    this.socket.on('close', () => process.exit(0));
    process.on('uncaughtException', (error) =>
      this.log('error', `uncaught exception outside a handler call: ${describe(error)}`),
    );
    process.on('unhandledRejection', (reason) =>
      this.log('error', `unhandled rejection outside a handler call: ${describe(reason)}`),
    );
  }

  private onFrame(frame: EngineFrame): void {
    switch (frame.type) {
      case 'welcome':
        this.module = frame.module;
        this.exportName = frame.export || 'handle';
        void this.load();
        break;
      case 'reload':
        void this.load();
        break;
      case 'handle':
        for (const message of frame.messages) this.run(message);
        break;
      case 'cancel':
        for (const id of frame.ids)
          this.running
            .get(id)
            ?.abort(new Error('cancelled by the engine: the partition was revoked or the session stopped'));
        break;
      case 'shutdown':
        for (const controller of this.running.values()) controller.abort(new Error('the session stopped'));
        this.socket.end();
        setTimeout(() => process.exit(0), 200).unref();
        break;
    }
  }

  private async load(): Promise<void> {
    this.generation++;
    this.handler = undefined;
    try {
      const exports = await loadModule(this.module, this.generation);
      const candidate = pickExport(exports, this.exportName);
      if (typeof candidate !== 'function') {
        const names =
          exports && typeof exports === 'object' ? Object.keys(exports).join(', ') || 'nothing' : typeof exports;
        throw Object.assign(
          new TypeError(`${this.module} has no exported function "${this.exportName}" (it exports ${names})`),
          { name: 'MissingExport' },
        );
      }
      this.handler = candidate as Handler;
      this.send({ type: 'ready', module: this.module, export: this.exportName });
    } catch (error) {
      this.send({ type: 'loadFailed', error: errorInfo(error) });
    }
  }

  private run(frame: MessageFrame): void {
    const handler = this.handler;
    if (!handler)
      return this.result({
        id: frame.id,
        outcome: 'error',
        error: {
          type: 'HandlerNotLoaded',
          message: `the handler module ${this.module} is not loaded`,
          retriable: true,
        },
      });
    const context = new RunContext(frame, this);
    let returned: unknown;
    try {
      returned = handler(toHandlerMessage(frame), context);
    } catch (error) {
      return this.result({ id: frame.id, outcome: 'error', error: errorInfo(error) });
    }
    // A synchronous handler is done already: no promise, and nothing to cancel.
    if (!isThenable(returned)) return this.result(toResult(frame.id, returned, context.finish()));
    this.running.set(frame.id, context);
    returned.then(
      (value) => {
        this.running.delete(frame.id);
        this.result(toResult(frame.id, value, context.finish()));
      },
      (error: unknown) => {
        this.running.delete(frame.id);
        this.result({ id: frame.id, outcome: 'error', error: errorInfo(error) });
      },
    );
  }

  private result(result: ResultFrame): void {
    if (result.outcome === 'ok' && !result.outputs) this.ok.push(result.id);
    else this.results.push(result);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const { ok, results } = this;
      this.ok = [];
      this.results = [];
      this.send({ type: 'results', ok, results });
    });
  }

  log(level: LogLevel, message: string, id?: string): void {
    this.send({ type: 'log', level, message: message.slice(0, 16_384), ...(id ? { id } : {}) });
  }

  private send(frame: RuntimeFrame): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(frame));
  }
}

/**
 * The context of one call. Its signal is made on first read: most handlers never read it, and an
 * AbortController per message costs more than the rest of the call; a cancel before that read
 * makes it come already aborted.
 */
class RunContext implements HandlerContext {
  readonly attempt: number;
  readonly replay: boolean;
  #controller: AbortController | undefined;
  #abortedWith: unknown;

  readonly #id: string;
  readonly #sink: { log(level: LogLevel, message: string, id?: string): void };
  /** What context.send was given, encoded for the protocol. */
  outputs: OutputFrame[] | undefined;
  #done = false;

  constructor(frame: MessageFrame, sink: { log(level: LogLevel, message: string, id?: string): void }) {
    this.attempt = frame.attempt;
    this.replay = frame.replay === true;
    this.#id = frame.id;
    this.#sink = sink;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#abortedWith !== undefined) this.#controller.abort(this.#abortedWith);
    }
    return this.#controller.signal;
  }

  send(record: OutputRecord): void {
    if (this.#done) throw new Error('this call has already returned: send its outputs before it does');
    (this.outputs ??= []).push(toOutputFrame(record, this.outputs.length));
  }

  /** The call returned: a later send is an error (its outputs were already reported). */
  finish(): OutputFrame[] | undefined {
    this.#done = true;
    return this.outputs;
  }

  log(...args: unknown[]): void {
    this.#sink.log('info', args.map((a) => (typeof a === 'string' ? a : safeInspect(a))).join(' '), this.#id);
  }

  abort(reason: Error): void {
    this.#abortedWith ??= reason;
    this.#controller?.abort(reason);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function toResult(id: string, returned: unknown, sent: OutputFrame[] | undefined): ResultFrame {
  if (Array.isArray(returned)) {
    // Output records returned: after those passed to context.send.
    const outputs = sent ?? [];
    try {
      for (const record of returned) outputs.push(toOutputFrame(record as OutputRecord, outputs.length));
    } catch (error) {
      return { id, outcome: 'error', error: errorInfo(error) };
    }
    return { id, outcome: 'ok', outputs };
  }
  if (returned && typeof returned === 'object' && 'decision' in returned) {
    const { decision, reason } = returned as { decision: unknown; reason?: unknown };
    if (decision === 'skip' || decision === 'retry' || decision === 'deadLetter') {
      return {
        id,
        outcome: 'decision',
        decision,
        ...(typeof reason === 'string' ? { reason: reason.slice(0, 4096) } : {}),
      };
    }
    return {
      id,
      outcome: 'error',
      error: {
        type: 'InvalidDecision',
        message: `the handler returned decision ${JSON.stringify(decision)}; use "skip", "retry" or "deadLetter"`,
        retriable: false,
      },
    };
  }
  return sent?.length ? { id, outcome: 'ok', outputs: sent } : { id, outcome: 'ok' };
}

/** The handler export: the named one, else a default export that is (or holds) it, else the module itself. */
function pickExport(exports: unknown, name: string): unknown {
  if (typeof exports === 'function' && name === 'handle') return exports;
  const object = (exports ?? {}) as Record<string, unknown>;
  if (typeof object[name] === 'function') return object[name];
  const fallback = object.default as Record<string, unknown> | undefined;
  if (typeof fallback === 'function' && name === 'handle') return fallback;
  if (fallback && typeof fallback[name] === 'function') return fallback[name];
  return undefined;
}

let transpiler: { transformSync(code: string, options: object): { code: string } } | undefined;

function installTypeScriptHook(): void {
  const extensions = (
    Module as unknown as {
      _extensions: Record<string, (module: { _compile(code: string, file: string): void }, file: string) => void>;
    }
  )._extensions;
  for (const [ext, loader] of Object.entries(TS_EXTENSIONS)) {
    extensions[ext] = (module, filename) => {
      const source = fs.readFileSync(filename, 'utf8');
      transpiler ??= loadTranspiler();
      // Inline source map with the source itself: the debugger binds breakpoints in the .ts file.
      const { code } = transpiler.transformSync(source, {
        loader,
        format: 'cjs',
        sourcemap: 'inline',
        sourcesContent: true,
        sourcefile: filename,
        target: `node${process.versions.node.split('.')[0]}`,
      });
      module._compile(code, filename);
    };
  }
}

function loadTranspiler(): NonNullable<typeof transpiler> {
  const location = process.env.KAFKA_LAB_TRANSPILER;
  if (!location)
    throw Object.assign(
      new Error(
        'TypeScript handlers need the transpiler that ships with the extension (KAFKA_LAB_TRANSPILER is not set)',
      ),
      { name: 'TranspilerMissing' },
    );
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by path at run time, from the extension's own node_modules
  return require(location) as NonNullable<typeof transpiler>;
}

/** Drops the developer's own modules (not node_modules) from the require cache, so a reload runs the saved code. */
function forgetUserModules(): void {
  for (const key of Object.keys(require.cache)) {
    if (!key.includes(`${path.sep}node_modules${path.sep}`) && !key.startsWith(__dirname)) delete require.cache[key];
  }
}

async function loadModule(file: string, generation: number): Promise<unknown> {
  if (!fs.existsSync(file))
    throw Object.assign(new Error(`the handler module ${file} does not exist`), { name: 'ModuleNotFound' });
  forgetUserModules();
  const ext = path.extname(file);
  if (ext === '.mjs') return import(`${pathToFileURL(file).href}?v=${generation}`);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the developer's module, by path
    return require(file);
  } catch (error) {
    // An ES module under "type": "module": load it as one (a query defeats the ESM cache on reload).
    if ((error as { code?: string }).code === 'ERR_REQUIRE_ESM')
      return import(`${pathToFileURL(file).href}?v=${generation}`);
    throw error;
  }
}

function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const type =
      error.constructor &&
      error.constructor.name &&
      error.constructor.name !== 'Object' &&
      error.constructor.name !== 'Error'
        ? error.constructor.name
        : error.name || 'Error';
    const retriable = (error as { retriable?: unknown }).retriable;
    // The runtime's own frames (this file, Node's internals) say nothing about the developer's code.
    const stack = error.stack
      ?.split('\n')
      .filter((line) => !line.includes(__filename) && !/\(node:|^\s+at node:/.test(line))
      .join('\n');
    return {
      type,
      message: error.message,
      ...(stack ? { stack } : {}),
      ...(typeof retriable === 'boolean' ? { retriable } : {}),
    };
  }
  return { type: typeof error, message: safeInspect(error) };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : safeInspect(error);
}

function safeInspect(value: unknown): string {
  try {
    return typeof value === 'string'
      ? value
      : (JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value));
  } catch {
    return String(value);
  }
}

function splitEndpoint(endpoint: string): [string, number] {
  const at = endpoint.lastIndexOf(':');
  return [endpoint.slice(0, at), Number(endpoint.slice(at + 1))];
}

const endpoint = process.env[HANDLER_ENV.endpoint];
const token = process.env[HANDLER_ENV.token];
if (!endpoint || !token) {
  process.stderr.write(
    `kafka-lab handler: ${HANDLER_ENV.endpoint} and ${HANDLER_ENV.token} must be set; this process is started by Kafka Consumer Lab\n`,
  );
  process.exit(64);
}
// Stacks name the .ts lines the developer wrote, through the inline source maps.
process.setSourceMapsEnabled(true);
installTypeScriptHook();
new Runtime(endpoint, token);
