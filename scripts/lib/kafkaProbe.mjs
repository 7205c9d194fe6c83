#!/usr/bin/env node
// Readiness probe for a Kafka broker, with no dependencies (plain node:net).
//
// Usage: node scripts/lib/kafkaProbe.mjs HOST:PORT [timeoutMs]
//
// Speaks the real Kafka wire protocol: sends ApiVersions v0, picks a
// non-flexible Metadata version (1..8) that the broker supports, sends a
// Metadata request for no topics and parses the broker list.
// Exit 0 (and prints the brokers) when a valid answer with >= 1 broker comes
// back; exit 1 otherwise (with the reason on stderr). Never waits longer
// than timeoutMs (default 5000).

import net from 'node:net';

const API_METADATA = 3;
const API_VERSIONS = 18;
const CLIENT_ID = 'kafka-lab-probe';

function fail(msg) {
  process.stderr.write(`kafkaProbe: ${msg}\n`);
  process.exit(1);
}

const target = process.argv[2];
const timeoutMs = Number(process.argv[3] ?? 5000);
if (!target || !/^[^:]+:\d+$/.test(target) || !(timeoutMs > 0)) {
  fail('usage: kafkaProbe.mjs HOST:PORT [timeoutMs]');
}
const [host, portText] = target.split(':');
const port = Number(portText);

/** Encodes a request: size | api_key | api_version | correlation_id | client_id | body (header v1). */
function request(apiKey, apiVersion, correlationId, body) {
  const clientId = Buffer.from(CLIENT_ID, 'utf8');
  const header = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length, 0);
  return Buffer.concat([size, header, body]);
}

/** Minimal bounds-checked reader over a response payload. */
class Reader {
  constructor(buf) {
    this.buf = buf;
    this.pos = 0;
  }
  need(n) {
    if (this.pos + n > this.buf.length) throw new Error('response truncated');
  }
  int8() {
    this.need(1);
    const v = this.buf.readInt8(this.pos);
    this.pos += 1;
    return v;
  }
  int16() {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32() {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  nullableString() {
    const len = this.int16();
    if (len < 0) return null;
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

const socket = net.connect({ host, port });
const timer = setTimeout(() => {
  socket.destroy();
  fail(`no valid Kafka Metadata answer from ${target} within ${timeoutMs} ms`);
}, timeoutMs);

let pending = Buffer.alloc(0);
const waiters = [];
socket.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 4) {
    const size = pending.readInt32BE(0);
    if (size < 4 || size > 64 * 1024 * 1024) {
      socket.destroy();
      fail(`bad frame size ${size} from ${target} (not Kafka?)`);
    }
    if (pending.length < 4 + size) break;
    const frame = pending.subarray(4, 4 + size);
    pending = pending.subarray(4 + size);
    const waiter = waiters.shift();
    if (waiter) waiter(frame);
  }
});
socket.on('error', (err) => {
  clearTimeout(timer);
  fail(`${target}: ${err.code ?? err.message}`);
});
socket.on('close', () => {
  if (waiters.length) {
    clearTimeout(timer);
    fail(`${target} closed the connection (not a Kafka listener, or SASL required?)`);
  }
});

function call(apiKey, apiVersion, correlationId, body) {
  return new Promise((resolve) => {
    waiters.push((frame) => {
      const r = new Reader(frame);
      const got = r.int32();
      if (got !== correlationId) fail(`correlation id mismatch (${got} != ${correlationId})`);
      resolve(r);
    });
    socket.write(request(apiKey, apiVersion, correlationId, body));
  });
}

socket.once('connect', async () => {
  try {
    // 1. ApiVersions v0: empty body; response: error_code, [api_key, min, max].
    const av = await call(API_VERSIONS, 0, 1, Buffer.alloc(0));
    const avError = av.int16();
    if (avError !== 0) fail(`ApiVersions error code ${avError}`);
    const count = av.int32();
    let range = null;
    for (let i = 0; i < count; i++) {
      const key = av.int16();
      const min = av.int16();
      const max = av.int16();
      if (key === API_METADATA) range = { min, max };
    }
    if (!range) fail('broker does not advertise the Metadata API');
    const version = Math.min(range.max, 8);
    if (version < Math.max(range.min, 1))
      fail(`no common non-flexible Metadata version (broker supports v${range.min}-v${range.max})`);

    // 2. Metadata vN (1..8): topics = [] (no topics, just brokers)
    //    v4+: allow_auto_topic_creation=false; v8+: two include_*_authorized_operations=false.
    const parts = [Buffer.from([0, 0, 0, 0])];
    if (version >= 4) parts.push(Buffer.from([0]));
    if (version >= 8) parts.push(Buffer.from([0, 0]));
    const md = await call(API_METADATA, version, 2, Buffer.concat(parts));
    if (version >= 3) md.int32(); // throttle_time_ms
    const brokerCount = md.int32();
    if (brokerCount < 1 || brokerCount > 100000)
      fail(`Metadata v${version} from ${target} lists ${brokerCount} brokers`);
    const brokers = [];
    for (let i = 0; i < brokerCount; i++) {
      const nodeId = md.int32();
      const bhost = md.nullableString();
      const bport = md.int32();
      md.nullableString(); // rack (v1+)
      brokers.push(`${nodeId}@${bhost}:${bport}`);
    }
    const clusterId = version >= 2 ? md.nullableString() : null;
    const controllerId = md.int32();
    clearTimeout(timer);
    socket.end();
    process.stdout.write(
      `kafka ready at ${target}: Metadata v${version} brokers=[${brokers.join(', ')}] controller=${controllerId}${clusterId ? ` cluster=${clusterId}` : ''}\n`,
    );
    process.exit(0);
  } catch (err) {
    fail(`invalid response from ${target}: ${err.message}`);
  }
});
