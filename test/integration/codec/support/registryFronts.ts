// Local stand-ins in front of the real registry, so tests can take it away, make it hang, ask for
// credentials or speak TLS without touching the shared registry. All listen on 127.0.0.1 only.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** A TCP proxy to the registry that can be stopped (connection refused), restarted, or made to hang. */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** When true, connections are accepted and then left without an answer (a black hole). */
  hang = false;

  private constructor(
    private readonly target: URL,
    private port: number,
  ) {}

  static async start(registryUrl: string): Promise<TcpProxy> {
    const proxy = new TcpProxy(new URL(registryUrl), 0);
    await proxy.listen();
    return proxy;
  }

  /** The registry URL through this proxy (same path). */
  get url(): string {
    const url = new URL(this.target.href);
    url.host = `127.0.0.1:${this.port}`;
    return url.href.replace(/\/$/, '');
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  private listen(): Promise<void> {
    const server = net.createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => undefined);
      if (this.hang) return;
      const upstream = net.connect(Number(this.target.port), this.target.hostname);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as net.AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
  }

  /** The registry "goes away": the port refuses connections and open ones are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The registry "comes back" on the same port. */
  async restart(): Promise<void> {
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    await this.stop();
  }
}

export interface FrontOptions {
  /** Accepted credentials: basic user → password, and bearer tokens. */
  readonly users?: Readonly<Record<string, string>>;
  readonly tokens?: readonly string[];
  /** Users that may read but get 403 on writes. */
  readonly readOnlyUsers?: readonly string[];
  /** Serve HTTPS with this key and certificate. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

/** An HTTP(S) front to the registry that checks credentials the way a secured registry does. */
export class RegistryFront {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly seenAuthorization: string[],
  ) {}

  static async start(registryUrl: string, options: FrontOptions): Promise<RegistryFront> {
    const target = new URL(registryUrl);
    const seen: string[] = [];
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const auth = req.headers.authorization ?? '';
      seen.push(auth);
      const deny = (status: number, message: string): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error_code: status, message }));
      };
      if (options.users || options.tokens) {
        let user: string | undefined;
        if (auth.startsWith('Basic ')) {
          const [name, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
          if (options.users?.[name] !== undefined && options.users[name] === rest.join(':')) user = name;
        } else if (auth.startsWith('Bearer ') && options.tokens?.includes(auth.slice(7))) {
          user = 'token';
        }
        if (!user) return deny(401, 'Unauthorized');
        if (req.method !== 'GET' && options.readOnlyUsers?.includes(user))
          return deny(403, 'User is denied operation Write on Subject');
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const upstreamPath = target.pathname.replace(/\/$/, '') + (req.url ?? '/').replace(/^\/registry/, '');
        const upstream = http.request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: upstreamPath,
            headers: { ...req.headers, host: target.host, authorization: '' },
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => deny(502, 'upstream failed'));
        upstream.end(Buffer.concat(chunks));
      });
    };
    const server = options.tls
      ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler)
      : http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    return new RegistryFront(server, `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/registry`, seen);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A private CA and a server certificate for 127.0.0.1, made with the system's openssl; undefined without it. */
export function makeTestCertificates(): { ca: string; key: string; cert: string; otherCa: string } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-tls-'));
  const run = (...args: string[]): void =>
    void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore', timeout: 20_000 });
  try {
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=Kafka Lab Test CA',
    );
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'other.key',
      '-out',
      'other.pem',
      '-days',
      '2',
      '-subj',
      '/CN=Some Other CA',
    );
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    );
    fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    run(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'san.ext',
    );
    const read = (name: string): string => fs.readFileSync(path.join(dir, name), 'utf8');
    return { ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem'), otherCa: read('other.pem') };
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
