// A throw-away single-node KRaft broker (broker + controller) for tests that kill, restart or
// misconfigure a broker: its own free loopback ports and data dir, the jars of .lab/cache/kafka/libs.
// The shared broker on 19092 is never touched. The approach of brokerRestart.test.ts, with the
// server properties open to the test.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeLoopbackPort, waitFor } from '../../../support/services';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..', '..');
const kafkaLibs = path.join(repoRoot, '.lab', 'cache', 'kafka', 'libs');
const probeScript = path.join(repoRoot, 'scripts', 'lib', 'kafkaProbe.mjs');
const freePort = freeLoopbackPort;

export function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A throw-away single-node KRaft broker (broker + controller) on two free loopback ports. */
export class PrivateBroker {
  dir = '';
  private get logPath(): string {
    return path.join(this.dir, 'kafka.log');
  }
  private get conf(): string {
    return path.join(this.dir, 'server.properties');
  }
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  bootstrap = '';
  starts = 0;
  private readonly killOnExit = () => {
    if (this.proc?.pid && this.proc.exitCode === null && this.proc.signalCode === null) {
      try {
        process.kill(this.proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  /** `properties`: server.properties lines that replace or add to the defaults below. */
  constructor(private readonly properties: Readonly<Record<string, string | number>> = {}) {}

  async prepare(): Promise<void> {
    if (!fs.existsSync(kafkaLibs) || !fs.readdirSync(kafkaLibs).some((f) => /^kafka_2\.13-[\d.]+\.jar$/.test(f))) {
      throw new Error(`no Kafka jars in ${kafkaLibs}: run "bash scripts/services.sh install" first`);
    }
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-private-broker-'));
    const port = await freePort();
    let controller = await freePort();
    while (controller === port) controller = await freePort();
    this.bootstrap = `127.0.0.1:${port}`;
    fs.mkdirSync(path.join(this.dir, 'data'));
    const defaults: Record<string, string | number> = {
      'process.roles': 'broker,controller',
      'node.id': 1,
      'controller.quorum.bootstrap.servers': `127.0.0.1:${controller}`,
      'controller.listener.names': 'CONTROLLER',
      listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': path.join(this.dir, 'data'),
      'num.partitions': 1,
      'auto.create.topics.enable': 'false',
      'offsets.topic.replication.factor': 1,
      'offsets.topic.num.partitions': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'transaction.state.log.num.partitions': 1,
      'share.coordinator.state.topic.replication.factor': 1,
      'share.coordinator.state.topic.min.isr': 1,
      'group.initial.rebalance.delay.ms': 0,
      // A restarted broker registers again only once its previous registration expired (9 s by default).
      'broker.session.timeout.ms': 2000,
      'broker.heartbeat.interval.ms': 500,
    };
    const settings = { ...defaults, ...this.properties };
    fs.writeFileSync(
      this.conf,
      `${Object.entries(settings)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
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
        'logger.server.name = kafka.server.KafkaRaftServer',
        'logger.server.level = INFO',
        '',
      ].join('\n'),
    );
    const clusterId = randomBytes(16).toString('base64url').replace(/^-/, 'A');
    await new Promise<void>((resolve, reject) => {
      execFile(
        'java',
        [...this.jvm('128m'), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', this.conf, '--standalone'],
        { timeout: 60_000, killSignal: 'SIGKILL' },
        (error, stdout, stderr) =>
          error
            ? reject(new Error(`formatting the private broker failed: ${error.message}\n${stdout}${stderr}`))
            : resolve(),
      );
    });
  }

  private jvm(heap: string): string[] {
    // C1 only and the serial collector: a quicker start on a 2-core machine; throughput is not the point.
    return [
      `-Xmx${heap}`,
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Djava.io.tmpdir=${this.dir}`,
      `-Dlog4j2.configurationFile=${path.join(this.dir, 'log4j2.properties')}`,
      '-cp',
      path.join(kafkaLibs, '*'),
    ];
  }

  async start(readyTimeoutMs: number): Promise<number> {
    const t0 = Date.now();
    const out = fs.openSync(this.logPath, 'a');
    fs.writeSync(out, `==== ${new Date().toISOString()} start ${this.starts + 1}\n`);
    const proc = spawn('java', [...this.jvm('384m'), 'kafka.Kafka', this.conf], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.proc = proc;
    this.starts++;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    process.once('exit', this.killOnExit);
    // If this process dies without running its exit handlers (a native abort), the watchdog kills the broker.
    spawn(
      'sh',
      [
        '-c',
        'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -0 "$1" 2>/dev/null || kill -KILL "$2" 2>/dev/null',
        'watchdog',
        String(process.pid),
        String(proc.pid),
      ],
      {
        detached: true,
        stdio: 'ignore',
      },
    ).unref();
    await waitFor(`the private broker on ${this.bootstrap} to answer Metadata`, readyTimeoutMs, async () => {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(
          `the private broker exited during start-up (${proc.exitCode ?? proc.signalCode}); see ${this.logPath}:\n${this.tail()}`,
        );
      return (await this.probe()) ? true : undefined;
    });
    return Date.now() - t0;
  }

  private probe(): Promise<boolean> {
    return new Promise((resolve) =>
      execFile(process.execPath, [probeScript, this.bootstrap, '2000'], { timeout: 5000 }, (error) => resolve(!error)),
    );
  }

  /** Kills the broker with `signal` and waits (bounded) until it is gone. */
  async kill(signal: 'SIGKILL' | 'SIGTERM', timeoutMs = 30_000): Promise<number> {
    const t0 = Date.now();
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return 0;
    proc.kill(signal);
    try {
      await withTimeout(`the private broker to exit on ${signal}`, timeoutMs, this.exited);
    } catch (error) {
      proc.kill('SIGKILL');
      await withTimeout('the private broker to exit on SIGKILL', 10_000, this.exited);
      throw error;
    }
    process.off('exit', this.killOnExit);
    return Date.now() - t0;
  }

  tail(lines = 30): string {
    try {
      return fs.readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async destroy(keep: boolean): Promise<void> {
    await this.kill('SIGKILL', 10_000).catch(() => undefined);
    if (!keep && this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
