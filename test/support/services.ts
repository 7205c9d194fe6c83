// What the integration tests know about the local services: test/services.json is the one place
// for their addresses and the fixed test credentials (never used outside tests).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ServicesConfig {
  kafka: { plaintext: string; saslPlaintext: string; controller: string };
  users: {
    scram: { mechanism: 'SCRAM-SHA-512'; username: string; password: string };
    plain: { mechanism: 'PLAIN'; username: string; password: string };
  };
  registry: { url: string };
}

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** KAFKA_LAB_SERVICES_JSON points the tests at a second set of services (scripts/testMatrix.sh --private). */
export const servicesJsonPath = process.env.KAFKA_LAB_SERVICES_JSON || path.join(repoRoot, 'test', 'services.json');

export const services: ServicesConfig = JSON.parse(fs.readFileSync(servicesJsonPath, 'utf8'));

/** A topic or group name no other test run uses, so runs never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Polls `check` until it returns a value, bounded; the error names what was awaited. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A loopback port nothing listens on, below the kernel's ephemeral range (32768 and up here). A
 * client reconnecting to a closed port in that range can be given the same port as its own source
 * and connect to itself (a TCP simultaneous open), which then holds the port: a broker restarted on
 * it cannot bind, and an "unreachable" test reaches something. Below the range that cannot happen.
 */
const handedOut = new Set<number>();

export async function freeLoopbackPort(): Promise<number> {
  const net = await import('node:net');
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    // Two calls before either port is bound must not get the same one.
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port found between 20000 and 32000');
}
