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
