/**
 * A small seeded pseudo-random source (mulberry32) for generated records: the same seed gives the
 * same records, so a test or a bug report can reproduce them. Not for anything secret.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max] (both within the safe integer range). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A bigint in [min, max], uniform over 64 bits at most. */
  bigint(min: bigint, max: bigint): bigint {
    const span = max - min + 1n;
    const draw = (BigInt(this.int(0, 0xffffffff)) << 32n) | BigInt(this.int(0, 0xffffffff));
    return min + (draw % span);
  }

  bool(): boolean {
    return this.next() < 0.5;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** Printable, readable text: a few lowercase words. */
  words(maxWords = 3): string {
    const count = this.int(1, maxWords);
    const parts: string[] = [];
    for (let i = 0; i < count; i++) parts.push(this.pick(WORDS));
    return parts.join(' ');
  }

  uuid(): string {
    const b = this.bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

/** A seed for when none is given: shown to the user so the run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff) + 1;
}

const WORDS = [
  'order',
  'payment',
  'customer',
  'invoice',
  'parcel',
  'refund',
  'basket',
  'ticket',
  'account',
  'shipment',
  'alpha',
  'bravo',
  'delta',
  'echo',
  'kilo',
  'lima',
  'oscar',
  'sierra',
  'tango',
  'zulu',
];

/** Milliseconds in a recent, readable window: 2020-01-01 to 2030-01-01 (UTC). */
export const RECENT_FROM_MS = Date.UTC(2020, 0, 1);
export const RECENT_TO_MS = Date.UTC(2030, 0, 1);
