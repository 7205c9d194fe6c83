import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { type Logger, silentLogger } from '../logging';
import { type CallOptions, HandlerCalls, type ResultMap, toErrorInfo } from './handlerCalls';
import { HandlerProcessError } from './handlerErrors';
import {
  type EngineFrame,
  type ErrorInfo,
  FrameError,
  FrameReader,
  HANDLER_ENV,
  HANDLER_PROTOCOL_VERSION,
  type LogLevel,
  type MessageFrame,
  type ResultFrame,
  encodeFrame,
} from './protocol';

export type HandlerChannelState = 'waiting' | 'loading' | 'ready' | 'loadFailed' | 'closed';

export interface HandlerChannelEvents {
  state: [HandlerChannelState];
  /** The process went away or broke the protocol while connected: what is in flight was failed. */
  lost: [HandlerProcessError];
  log: [{ level: LogLevel; message: string; id?: string }];
}

export interface HandlerChannelOptions {
  /** Absolute path of the developer's module. */
  readonly module: string;
  /** The exported function; default `handle`. */
  readonly exportName?: string;
  readonly logger?: Logger;
  /** How long a connected process has to say hello and load the module. */
  readonly loadTimeoutMs?: number;
}

/**
 * The engine's end of the handler protocol: a loopback listener that one handler process at a time
 * connects to (authenticated by a random token), the hello/welcome/ready handshake, and calls that
 * are batched into one `handle` frame per turn of the event loop. It outlives the process: a new
 * process (a restart, a new debug session) connects to the same endpoint and takes over.
 */
export class HandlerChannel extends EventEmitter<HandlerChannelEvents> {
  private readonly server: net.Server;
  private readonly token = randomBytes(24).toString('hex');
  private readonly logger: Logger;
  private socket: net.Socket | undefined;
  private stateValue: HandlerChannelState = 'waiting';
  private loadError: ErrorInfo | undefined;
  private readonly calls = new HandlerCalls((frame) => this.send(frame));
  private readonly waiters = new Set<() => void>();
  private port = 0;
  private pid: number | undefined;

  private constructor(private readonly options: HandlerChannelOptions) {
    super();
    this.logger = (options.logger ?? silentLogger).child('handler');
    this.server = net.createServer((socket) => this.onConnection(socket));
    this.on('lost', () => undefined);
  }

  /** Listens on 127.0.0.1 on a free port. */
  static async open(options: HandlerChannelOptions): Promise<HandlerChannel> {
    const channel = new HandlerChannel(options);
    await new Promise<void>((resolve, reject) => {
      channel.server.once('error', reject);
      channel.server.listen(0, '127.0.0.1', () => {
        channel.server.off('error', reject);
        resolve();
      });
    });
    channel.port = (channel.server.address() as net.AddressInfo).port;
    return channel;
  }

  /** What a handler process needs in its environment to connect. */
  get env(): Record<string, string> {
    return { [HANDLER_ENV.endpoint]: `127.0.0.1:${this.port}`, [HANDLER_ENV.token]: this.token };
  }

  get state(): HandlerChannelState {
    return this.stateValue;
  }

  /** The connected handler process's pid, as it said in its hello. */
  get processId(): number | undefined {
    return this.socket ? this.pid : undefined;
  }

  get module(): string {
    return this.options.module;
  }

  /** Why the module did not load, when the state is `loadFailed`. */
  get lastLoadError(): ErrorInfo | undefined {
    return this.loadError;
  }

  /** Resolves once a process has connected and loaded the module; rejects with why not, within the bound. */
  waitReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.stateValue === 'ready') resolve();
        else if (this.stateValue === 'loadFailed')
          reject(HandlerProcessError.loadFailed(this.options.module, this.loadError));
        else if (this.stateValue === 'closed')
          reject(
            new HandlerProcessError('closed', 'the handler channel was closed before a handler process was ready'),
          );
        else return false;
        return true;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new HandlerProcessError(
            'notReady',
            `no handler process ${this.stateValue === 'loading' ? 'finished loading' : 'connected'} within ${timeoutMs} ms (${this.options.module}). Check the handler's output (Kafka Consumer Lab log, or the debug console) and start it again.`,
          ),
        );
      }, timeoutMs);
      const waiter = () => {
        if (check()) {
          clearTimeout(timer);
          this.waiters.delete(waiter);
        }
      };
      this.waiters.add(waiter);
    });
  }

  /**
   * Runs the handler on one message. Resolves with its result; rejects with a HandlerProcessError
   * when no process is ready or it goes away, and with the abort reason when `signal` aborts (a
   * cancel is sent: the handler's own context.signal aborts too).
   */
  call(message: Omit<MessageFrame, 'id'>, options?: CallOptions): Promise<ResultFrame>;
  /** The same, settling with `map`'s value for the result or the failure (it may throw). */
  call<T>(message: Omit<MessageFrame, 'id'>, options: CallOptions, map: ResultMap<T>): Promise<T>;
  call(message: Omit<MessageFrame, 'id'>, options: CallOptions = {}, map?: ResultMap<unknown>): Promise<unknown> {
    const refused = this.refusal();
    if (refused) {
      if (!map) return Promise.reject(refused);
      try {
        return Promise.resolve(map.failure(refused));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return map ? this.calls.add(message, options, map) : this.calls.add(message, options);
  }

  /** Why a call cannot be made now, or undefined when a process is ready. */
  private refusal(): HandlerProcessError | undefined {
    if (this.stateValue !== 'ready' || !this.socket) {
      if (this.stateValue === 'loadFailed') return HandlerProcessError.loadFailed(this.options.module, this.loadError);
      if (this.stateValue === 'loading')
        return new HandlerProcessError(
          'notReady',
          `the handler process is still loading ${this.options.module}; try again in a moment (a debugger may be paused in its top-level code)`,
        );
      return new HandlerProcessError(
        'notConnected',
        `no handler process is running for ${this.options.module}; start it (Run or Debug Handler) to go on`,
      );
    }
    return undefined;
  }

  /** Reloads the module in the running process (after a save). Resolves when it has loaded again. */
  async reload(timeoutMs = 30_000): Promise<void> {
    if (!this.socket || (this.stateValue !== 'ready' && this.stateValue !== 'loadFailed'))
      throw new HandlerProcessError('notConnected', 'no handler process is running to reload');
    this.setState('loading');
    this.send({ type: 'reload' });
    await this.waitReady(timeoutMs);
  }

  /** Asks the process to exit, fails what is in flight, and stops listening. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    if (this.socket) {
      try {
        this.send({ type: 'shutdown' });
      } catch {
        // The socket is already gone.
      }
      this.socket.end();
    }
    this.calls.failAll(new HandlerProcessError('closed', 'the session stopped; the handler call was abandoned'));
    this.setState('closed');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.socket?.destroy();
  }

  // ---------------------------------------------------------------- connection

  private onConnection(socket: net.Socket): void {
    if (this.stateValue === 'closed') return void socket.destroy();
    const reader = new FrameReader();
    let greeted = false;
    const helloTimer = setTimeout(() => {
      if (!greeted) {
        this.logger.warn('a connection to the handler endpoint sent no hello within 10 s; closed');
        socket.destroy();
      }
    }, 10_000);
    socket.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch (error) {
        clearTimeout(helloTimer);
        const reason = error instanceof FrameError ? error.message : String(error);
        if (socket === this.socket) {
          this.socket = undefined;
          this.lose(
            new HandlerProcessError(
              'malformedFrame',
              `the handler process broke the protocol: ${reason}. It was disconnected; fix or restart it.`,
            ),
          );
        }
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (!greeted) {
          greeted = this.onHello(socket, frame);
          clearTimeout(helloTimer);
          if (!greeted) return void socket.destroy();
          continue;
        }
        if (socket === this.socket) this.onFrame(frame);
      }
    });
    socket.on('error', (error) => this.logger.debug(`handler socket: ${error.message}`));
    socket.on('close', () => {
      clearTimeout(helloTimer);
      if (socket === this.socket) {
        this.socket = undefined;
        if (this.stateValue !== 'closed')
          this.lose(
            new HandlerProcessError(
              'exited',
              `the handler process for ${this.options.module} went away. Nothing it had not finished was committed; start it again to go on.`,
            ),
          );
      }
    });
  }

  private onHello(socket: net.Socket, frame: { type: string } & Record<string, unknown>): boolean {
    if (frame.type !== 'hello' || typeof frame.token !== 'string' || !sameToken(frame.token, this.token)) {
      this.logger.warn('a connection to the handler endpoint did not authenticate; closed');
      return false;
    }
    if (frame.protocol !== HANDLER_PROTOCOL_VERSION) {
      this.logger.error(
        `a handler runtime speaks protocol ${String(frame.protocol)}, this extension ${HANDLER_PROTOCOL_VERSION}`,
      );
      this.loadError = {
        type: 'ProtocolMismatch',
        message: `the handler runtime speaks protocol version ${String(frame.protocol)}; this extension speaks ${HANDLER_PROTOCOL_VERSION}`,
      };
      this.setState('loadFailed');
      return false;
    }
    if (this.socket) {
      // A new process replaces the old one (a restart): what the old one had in flight is failed.
      const old = this.socket;
      this.socket = undefined;
      old.destroy();
      this.lose(
        new HandlerProcessError(
          'exited',
          'a new handler process replaced the previous one; its unfinished calls were abandoned',
        ),
      );
    }
    this.socket = socket;
    this.pid = typeof frame.pid === 'number' ? frame.pid : undefined;
    socket.setNoDelay(true);
    this.logger.info(`handler process ${String(frame.pid)} (${String(frame.runtime)}) connected`);
    this.setState('loading');
    this.send({
      type: 'welcome',
      protocol: HANDLER_PROTOCOL_VERSION,
      module: this.options.module,
      export: this.options.exportName ?? 'handle',
    });
    return true;
  }

  private onFrame(frame: { type: string } & Record<string, unknown>): void {
    switch (frame.type) {
      case 'ready':
        this.loadError = undefined;
        this.setState('ready');
        break;
      case 'loadFailed':
        this.loadError = toErrorInfo(frame.error);
        this.logger.warn(`the handler module did not load: ${this.loadError.message}`);
        this.setState('loadFailed');
        break;
      case 'results':
        if (Array.isArray(frame.ok)) this.calls.returned(frame.ok);
        if (Array.isArray(frame.results)) this.calls.results(frame.results);
        break;
      case 'log': {
        const level = (['debug', 'info', 'warn', 'error'] as const).find((l) => l === frame.level) ?? 'info';
        const message = typeof frame.message === 'string' ? frame.message.slice(0, 16_384) : String(frame.message);
        this.logger[level](message);
        this.emit('log', { level, message, ...(typeof frame.id === 'string' ? { id: frame.id } : {}) });
        break;
      }
      default:
        this.logger.debug(`ignored a handler frame of type ${JSON.stringify(frame.type).slice(0, 40)}`);
    }
  }

  private lose(error: HandlerProcessError): void {
    this.calls.failAll(error);
    if (this.stateValue !== 'closed') this.setState('waiting');
    this.emit('lost', error);
  }

  private send(frame: EngineFrame): void {
    this.socket?.write(encodeFrame(frame));
  }

  private setState(state: HandlerChannelState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
    for (const waiter of [...this.waiters]) waiter();
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
