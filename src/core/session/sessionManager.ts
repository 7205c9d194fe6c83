import { EventEmitter } from 'node:events';
import type { PayloadDecoder } from '../codec/payloadDecoder';
import type { PayloadEncoder } from '../codec/payloadEncoder';
import type { MessageHandler } from '../engine/types';
import type { ClusterConnection } from '../kafka/connection';
import { type Logger, silentLogger } from '../logging';
import { builtInHandlers, type HandlerFactory } from './handlerFactory';
import type { TimestampType } from './messageView';
import { SessionController, type SessionProblem, type SessionSpec } from './sessionController';

export interface SessionManagerEvents {
  /** A session was added, removed, or changed what it shows. */
  changed: [SessionController | undefined];
  problem: [SessionController, SessionProblem];
}

/** What a session needs from its cluster, resolved when it starts (secrets included). */
export type SessionResources = (spec: SessionSpec) => Promise<{
  connection: ClusterConnection;
  decoder: PayloadDecoder;
  /** Encodes handler outputs through the cluster's registry (keySchema / valueSchema). */
  encoder?: PayloadEncoder;
  timestampTypes?: (topics: readonly string[]) => Promise<ReadonlyMap<string, TimestampType>>;
}>;

/** The running sessions, several at once (different groups or clusters), and their orderly end. */
export class SessionManager extends EventEmitter<SessionManagerEvents> {
  private readonly sessions = new Map<string, SessionController>();
  private counter = 0;
  private activeId: string | undefined;
  private readonly logger: Logger;
  private readonly handlers: HandlerFactory;

  constructor(
    private readonly resources: SessionResources,
    /** `handlers`: makes each session's running-mode handler; the composition root chooses it. */
    options: { logger?: Logger; handlers?: HandlerFactory } = {},
  ) {
    super();
    this.logger = (options.logger ?? silentLogger).child('sessions');
    this.handlers = options.handlers ?? builtInHandlers;
  }

  list(): SessionController[] {
    return [...this.sessions.values()];
  }

  get(id: string): SessionController | undefined {
    return this.sessions.get(id);
  }

  /** The session the status bar follows: the last one started or focused. */
  get active(): SessionController | undefined {
    return (this.activeId && this.sessions.get(this.activeId)) || this.list().at(-1);
  }

  focus(id: string): void {
    if (this.sessions.has(id) && this.activeId !== id) {
      this.activeId = id;
      this.emit('changed', this.sessions.get(id));
    }
  }

  /** Starts a session; it is listed while it starts. A session that fails to start is removed again. */
  async start(spec: SessionSpec, options: { handler?: MessageHandler } = {}): Promise<SessionController> {
    if (
      this.list().some(
        (s) => s.spec.clusterId === spec.clusterId && s.spec.groupId === spec.groupId && s.session.state !== 'stopped',
      )
    ) {
      throw new Error(
        `A session of group "${spec.groupId}" is already running on this cluster. Add a member to it instead, or stop it first.`,
      );
    }
    const { connection, decoder, encoder, timestampTypes } = await this.resources(spec);
    const id = `session-${++this.counter}`;
    const controller = new SessionController(id, spec, {
      connection,
      decoder,
      ...(encoder ? { encoder } : {}),
      logger: this.logger,
      handlers: this.handlers,
      ...(timestampTypes ? { timestampTypes } : {}),
      ...(options.handler ? { handler: options.handler } : {}),
    });
    controller.on('changed', () => this.emit('changed', controller));
    controller.on('problem', (problem) => this.emit('problem', controller, problem));
    this.sessions.set(id, controller);
    this.activeId = id;
    this.emit('changed', controller);
    try {
      await controller.start();
    } catch (error) {
      this.sessions.delete(id);
      this.emit('changed', undefined);
      throw error;
    }
    this.logger.info(
      `started ${id}: group ${spec.groupId} on ${spec.topics.join(', ')} (${spec.mode}, ${spec.members} member(s))`,
    );
    return controller;
  }

  /** Stops a session gracefully (commit what is done, leave the group) and forgets it. */
  async stop(id: string): Promise<void> {
    const controller = this.sessions.get(id);
    if (!controller) throw new Error(`No session ${id}.`);
    try {
      await controller.stop();
    } finally {
      this.sessions.delete(id);
      if (this.activeId === id) this.activeId = undefined;
      this.emit('changed', undefined);
    }
  }

  /** Stops every session, each bounded by `timeoutMs`; what was decided is committed, nothing else. */
  async stopAll(timeoutMs = 10_000): Promise<void> {
    await Promise.all(
      this.list().map(async (c) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.logger.warn(`${c.id} did not stop within ${timeoutMs} ms`);
            resolve();
          }, timeoutMs);
        });
        try {
          await Promise.race([
            this.stop(c.id).catch((error: unknown) => this.logger.warn(`stopping ${c.id}: ${String(error)}`)),
            late,
          ]);
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }
}
