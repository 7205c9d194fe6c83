// Creates and deletes many topics in few requests, for the explorer bench's 5,000 topics.
//
// librdkafka can put many topics in one CreateTopics request, but the Node binding's
// AdminClient.createTopic sends one topic per call and holds the client's lock until the answer
// (about 30 ms per topic on the local broker: 2.5 minutes for 5,000, and as long again to delete
// them). So this speaks the Kafka wire protocol directly (as scripts/lib/kafkaProbe.mjs does), over
// PLAINTEXT: CreateTopics v4 and DeleteTopics v3 (the newest non-flexible versions), hundreds of
// topics per request. Bench set-up only; the product never uses it.
import * as net from 'node:net';

const API_CREATE_TOPICS = 19;
const API_DELETE_TOPICS = 20;
const API_VERSIONS = 18;
const CREATE_TOPICS_VERSION = 4;
const DELETE_TOPICS_VERSION = 3;
const CLIENT_ID = 'kafka-consumer-lab-bench-topics';

/** Per topic: the Kafka error code (0 = done) and its message, if any. */
export type TopicResults = Map<string, { readonly code: number; readonly message: string | null }>;

class Writer {
  private readonly parts: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    this.parts.push(b);
    return this;
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    this.int16(bytes.length);
    this.parts.push(bytes);
    return this;
  }
  buffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('Kafka response truncated');
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new Error('Kafka response: null where a string was expected');
    return s;
  }
}

/** One PLAINTEXT connection to a broker; requests are answered in order. */
export class WireConnection {
  private pending = Buffer.alloc(0);
  private readonly waiters: Array<{ resolve: (frame: Buffer) => void; reject: (error: Error) => void }> = [];
  private correlationId = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly target: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(new Error(`${target}: ${error.message}`)));
    socket.on('close', () => this.fail(new Error(`${target} closed the connection`)));
  }

  static connect(bootstrapServer: string, timeoutMs = 10_000): Promise<WireConnection> {
    const [host, port] = bootstrapServer.split(',')[0].trim().split(':');
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port: Number(port) });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to ${bootstrapServer} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`${bootstrapServer}: ${error.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new WireConnection(socket, bootstrapServer));
      });
    });
  }

  close(): void {
    this.failure ??= new Error('connection closed');
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private receive(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 4 || size > 256 * 1024 * 1024) {
        this.fail(new Error(`bad frame size ${size} from ${this.target}`));
        this.socket.destroy();
        return;
      }
      if (this.pending.length < 4 + size) return;
      const frame = this.pending.subarray(4, 4 + size);
      this.pending = this.pending.subarray(4 + size);
      this.waiters.shift()?.resolve(frame);
    }
  }

  /** Sends a request (header v1) and returns a reader positioned after the response's correlation id. */
  async call(apiKey: number, apiVersion: number, body: Buffer, timeoutMs: number): Promise<Reader> {
    if (this.failure) throw this.failure;
    const id = ++this.correlationId;
    const header = new Writer().int16(apiKey).int16(apiVersion).int32(id).string(CLIENT_ID).buffer();
    const size = Buffer.alloc(4);
    size.writeInt32BE(header.length + body.length);
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to API ${apiKey} v${apiVersion} from ${this.target} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.write(Buffer.concat([size, header, body]));
    });
    const reader = new Reader(frame);
    const got = reader.int32();
    if (got !== id) throw new Error(`correlation id mismatch from ${this.target} (${got} != ${id})`);
    return reader;
  }

  /** Fails unless the broker accepts the CreateTopics and DeleteTopics versions used here. */
  async checkVersions(): Promise<void> {
    const r = await this.call(API_VERSIONS, 0, Buffer.alloc(0), 10_000);
    const error = r.int16();
    if (error !== 0) throw new Error(`ApiVersions error code ${error}`);
    const ranges = new Map<number, [number, number]>();
    for (let i = r.int32(); i > 0; i--) ranges.set(r.int16(), [r.int16(), r.int16()]);
    for (const [key, version, name] of [
      [API_CREATE_TOPICS, CREATE_TOPICS_VERSION, 'CreateTopics'],
      [API_DELETE_TOPICS, DELETE_TOPICS_VERSION, 'DeleteTopics'],
    ] as const) {
      const range = ranges.get(key);
      if (!range || version < range[0] || version > range[1])
        throw new Error(
          `${this.target} does not accept ${name} v${version} (it accepts ${range ? `v${range[0]}-v${range[1]}` : 'none'})`,
        );
    }
  }

  /** One CreateTopics request for all `names` (automatic assignment, no configs). */
  async createTopics(
    names: readonly string[],
    partitions: number,
    replicationFactor: number,
    timeoutMs: number,
  ): Promise<TopicResults> {
    const w = new Writer().int32(names.length);
    for (const name of names) w.string(name).int32(partitions).int16(replicationFactor).int32(0).int32(0);
    const body = w.int32(timeoutMs).int8(0).buffer();
    const r = await this.call(API_CREATE_TOPICS, CREATE_TOPICS_VERSION, body, timeoutMs + 10_000);
    r.int32(); // throttle_time_ms
    const results: TopicResults = new Map();
    for (let i = r.int32(); i > 0; i--) {
      const name = r.string();
      const code = r.int16();
      results.set(name, { code, message: r.nullableString() });
    }
    return results;
  }

  /** One DeleteTopics request for all `names`. */
  async deleteTopics(names: readonly string[], timeoutMs: number): Promise<TopicResults> {
    const w = new Writer().int32(names.length);
    for (const name of names) w.string(name);
    const r = await this.call(
      API_DELETE_TOPICS,
      DELETE_TOPICS_VERSION,
      w.int32(timeoutMs).buffer(),
      timeoutMs + 10_000,
    );
    r.int32(); // throttle_time_ms
    const results: TopicResults = new Map();
    for (let i = r.int32(); i > 0; i--) {
      const name = r.string();
      results.set(name, { code: r.int16(), message: null });
    }
    return results;
  }
}
