// A throw-away single-node KRaft broker with authorisation: the StandardAuthorizer, a SASL_PLAINTEXT
// PLAIN listener with an admin super user and a normal user, and ACLs written with Kafka's own
// AclCommand (the jars of .lab/cache/kafka/libs, as scripts/services.sh installs them). Its own ports
// and data dir: the shared broker on 19092/19093 is never touched. The broker dies with the test
// process (an exit hook and a watchdog), and `destroy()` removes its files.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ClusterConnection } from '../../src/core/kafka/connection';
import { kafkaClient, withAdmin } from './kafka';
import { freeLoopbackPort, waitFor } from './services';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const kafkaLibs = path.join(repoRoot, '.lab', 'cache', 'kafka', 'libs');

export interface AclUser {
  readonly username: string;
  readonly password: string;
}

export type AclOperation = 'Read' | 'Write' | 'Describe' | 'Create' | 'Delete' | 'Alter' | 'All';

export class AclBroker {
  readonly admin: AclUser = { username: 'lab-admin', password: `admin-${randomBytes(6).toString('hex')}` };
  readonly user: AclUser = { username: 'lab-user', password: `user-${randomBytes(6).toString('hex')}` };
  bootstrap = '';
  private dir = '';
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly killOnExit = (): void => {
    const pid = this.proc?.pid;
    if (pid && this.proc?.exitCode === null && this.proc.signalCode === null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  private get logPath(): string {
    return path.join(this.dir, 'kafka.log');
  }

  /** The connection of `who` (the normal user by default), as the extension builds it. */
  connection(who: 'user' | 'admin' = 'user'): ClusterConnection {
    const u = who === 'admin' ? this.admin : this.user;
    return {
      bootstrapServers: this.bootstrap,
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'PLAIN', username: u.username, password: u.password },
    };
  }

  /** Formats the storage and starts the broker; resolves once the admin gets an answer (bounded). */
  async start(readyTimeoutMs = 90_000): Promise<void> {
    if (!fs.existsSync(kafkaLibs) || !fs.readdirSync(kafkaLibs).some((f) => /^kafka_2\.13-[\d.]+\.jar$/.test(f)))
      throw new Error(`no Kafka jars in ${kafkaLibs}: run "bash scripts/services.sh install" first`);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-acl-'));
    const port = await freeLoopbackPort();
    const controller = await freeLoopbackPort();
    this.bootstrap = `127.0.0.1:${port}`;
    fs.mkdirSync(path.join(this.dir, 'data'));
    const conf = path.join(this.dir, 'server.properties');
    const jaas =
      `org.apache.kafka.common.security.plain.PlainLoginModule required ` +
      `username="${this.admin.username}" password="${this.admin.password}" ` +
      `user_${this.admin.username}="${this.admin.password}" user_${this.user.username}="${this.user.password}";`;
    fs.writeFileSync(
      conf,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
        'controller.listener.names=CONTROLLER',
        `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}`,
        'listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name=SASL_PLAINTEXT',
        'sasl.enabled.mechanisms=PLAIN',
        'sasl.mechanism.inter.broker.protocol=PLAIN',
        `listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas}`,
        'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'allow.everyone.if.no.acl.found=true',
        // The controller listener is PLAINTEXT on loopback: its principal (the broker itself) is ANONYMOUS.
        `super.users=User:${this.admin.username};User:ANONYMOUS`,
        `log.dirs=${path.join(this.dir, 'data')}`,
        'num.partitions=1',
        'auto.create.topics.enable=false',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(this.dir, 'admin.properties'),
      [
        'security.protocol=SASL_PLAINTEXT',
        'sasl.mechanism=PLAIN',
        `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${this.admin.username}" password="${this.admin.password}";`,
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(this.dir, 'log4j2.properties'),
      [
        'status = warn',
        'appender.out.type = Console',
        'appender.out.name = OUT',
        'appender.out.layout.type = PatternLayout',
        'appender.out.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = WARN',
        'rootLogger.appenderRef.out.ref = OUT',
        '',
      ].join('\n'),
    );
    const clusterId = randomBytes(16).toString('base64url').replace(/^-/, 'A');
    await this.java(['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', conf, '--standalone'], 'formatting');
    const out = fs.openSync(this.logPath, 'a');
    const proc = spawn('java', [...this.jvm('384m'), 'kafka.Kafka', conf], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    process.once('exit', this.killOnExit);
    // If this process dies without its exit handlers (a native abort), the watchdog kills the broker.
    spawn(
      'sh',
      [
        '-c',
        'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -0 "$1" 2>/dev/null || kill -KILL "$2" 2>/dev/null',
        'watchdog',
        String(process.pid),
        String(proc.pid),
      ],
      { detached: true, stdio: 'ignore' },
    ).unref();
    await waitFor(`the private ACL broker on ${this.bootstrap} to accept connections`, readyTimeoutMs, async () => {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(
          `the private ACL broker exited during start-up (${proc.exitCode ?? proc.signalCode}); see ${this.logPath}:\n${this.tail()}`,
        );
      return (await listening(port)) ? true : undefined;
    });
    // Listening is not serving: the admin lists topics once the broker has registered.
    await waitFor(`the private ACL broker on ${this.bootstrap} to answer the admin`, readyTimeoutMs, async () => {
      try {
        await this.withAdmin((admin) => admin.listTopics());
        return true;
      } catch {
        return undefined;
      }
    });
  }

  /** The KafkaJS-compatible admin of the real client, as the super user. */
  withAdmin<T>(fn: Parameters<typeof withAdmin<T>>[0]): Promise<T> {
    return withAdmin(
      fn,
      kafkaClient({
        brokers: this.bootstrap,
        sasl: { mechanism: 'plain', username: this.admin.username, password: this.admin.password },
      }),
    );
  }

  /** Creates the topics (as the admin) and waits (bounded) until every partition has a leader. */
  async createTopics(topics: ReadonlyArray<{ topic: string; partitions: number }>): Promise<void> {
    await this.withAdmin(async (admin) => {
      await admin.createTopics({
        topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: 1 })),
        timeout: 15_000,
      });
      await waitFor(`topics ${topics.map((t) => t.topic).join(', ')} served`, 20_000, async () => {
        const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) }).catch(() => []);
        const led = metadata.reduce((n, m) => n + m.partitions.filter((p) => p.leader >= 0).length, 0);
        return led >= topics.reduce((n, t) => n + t.partitions, 0) ? true : undefined;
      });
    });
  }

  /** Adds ACLs for the normal user on these topics with Kafka's AclCommand (as the admin). */
  async acl(kind: 'allow' | 'deny', operations: readonly AclOperation[], topics: readonly string[]): Promise<void> {
    await this.java(
      [
        'org.apache.kafka.tools.AclCommand',
        '--bootstrap-server',
        this.bootstrap,
        '--command-config',
        path.join(this.dir, 'admin.properties'),
        '--add',
        `--${kind}-principal`,
        `User:${this.user.username}`,
        ...operations.flatMap((op) => ['--operation', op]),
        ...topics.flatMap((topic) => ['--topic', topic]),
        '--force',
      ],
      `adding ${kind} ${operations.join(',')} on ${topics.join(', ')}`,
    );
  }

  /** Removes the normal user's ACLs on one topic. */
  async removeAcls(topic: string): Promise<void> {
    await this.java(
      [
        'org.apache.kafka.tools.AclCommand',
        '--bootstrap-server',
        this.bootstrap,
        '--command-config',
        path.join(this.dir, 'admin.properties'),
        '--remove',
        '--topic',
        topic,
        '--force',
      ],
      `removing the ACLs on ${topic}`,
    );
  }

  tail(lines = 40): string {
    try {
      return fs.readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Kills the broker (bounded) and removes its files. Safe to call when it never started. */
  async destroy(): Promise<void> {
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    }
    process.off('exit', this.killOnExit);
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private jvm(heap: string): string[] {
    // C1 only and the serial collector: a quicker start on a 2-core machine; throughput is not the point.
    return [
      `-Xmx${heap}`,
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xshare:auto',
      '-Djava.awt.headless=true',
      `-Djava.io.tmpdir=${this.dir}`,
      `-Dlog4j2.configurationFile=${path.join(this.dir, 'log4j2.properties')}`,
      '-cp',
      path.join(kafkaLibs, '*'),
    ];
  }

  private java(args: string[], what: string): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      execFile(
        'java',
        [...this.jvm('128m'), ...args],
        { timeout: 60_000, killSignal: 'SIGKILL' },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${what} failed: ${error.message}\n${stdout}${stderr}`)) : resolve(),
      ),
    );
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
