/**
 * The producer's settings, per cluster (settings only, never secrets). The defaults follow the seed
 * guide's producer: acks=all, idempotence on, retries, lz4, a short linger.
 */
export type Acks = 'all' | '1' | '0';
export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export const ACKS: readonly Acks[] = ['all', '1', '0'];
export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export interface ProducerSettings {
  readonly acks: Acks;
  /** Idempotence needs acks=all; with acks 1 or 0 it is turned off (and the form says so). */
  readonly idempotence: boolean;
  readonly retries: number;
  readonly compression: Compression;
  readonly lingerMs: number;
  /** How long a record may wait for its acknowledgement, retries included (librdkafka `message.timeout.ms`). */
  readonly deliveryTimeoutMs: number;
}

export const DEFAULT_PRODUCER_SETTINGS: ProducerSettings = {
  acks: 'all',
  idempotence: true,
  retries: 10,
  compression: 'lz4',
  lingerMs: 5,
  deliveryTimeoutMs: 30_000,
};

const LIMITS = {
  retries: [0, 2_147_483_647],
  lingerMs: [0, 900_000],
  deliveryTimeoutMs: [1_000, 900_000],
} as const;

/**
 * Reads settings as they come from a settings file (anything): every field that is missing or
 * invalid falls back to its default, and each such field is named in `problems`.
 */
export function parseProducerSettings(raw: unknown): { settings: ProducerSettings; problems: string[] } {
  const problems: string[] = [];
  const input = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  if (raw !== undefined && raw !== null && input !== raw) problems.push('the producer settings are not an object');
  const pick = <T>(name: string, ok: (x: unknown) => x is T, fallback: T): T => {
    const value = input[name];
    if (value === undefined) return fallback;
    if (ok(value)) return value;
    problems.push(`${name}: ${JSON.stringify(value)} is not valid, using ${JSON.stringify(fallback)}`);
    return fallback;
  };
  const inRange =
    (name: keyof typeof LIMITS) =>
    (x: unknown): x is number =>
      Number.isSafeInteger(x) && (x as number) >= LIMITS[name][0] && (x as number) <= LIMITS[name][1];
  const d = DEFAULT_PRODUCER_SETTINGS;
  const acks = pick('acks', (x): x is Acks => ACKS.includes(x as Acks), d.acks);
  const settings: ProducerSettings = {
    acks,
    idempotence: pick('idempotence', (x): x is boolean => typeof x === 'boolean', d.idempotence) && acks === 'all',
    retries: pick('retries', inRange('retries'), d.retries),
    compression: pick('compression', (x): x is Compression => COMPRESSIONS.includes(x as Compression), d.compression),
    lingerMs: pick('lingerMs', inRange('lingerMs'), d.lingerMs),
    deliveryTimeoutMs: pick('deliveryTimeoutMs', inRange('deliveryTimeoutMs'), d.deliveryTimeoutMs),
  };
  return { settings, problems };
}

/** The librdkafka properties for these settings. */
export function producerConfig(settings: ProducerSettings): Record<string, string | number | boolean> {
  const idempotent = settings.idempotence && settings.acks === 'all';
  return {
    acks: settings.acks === 'all' ? -1 : Number(settings.acks),
    'enable.idempotence': idempotent,
    retries: settings.retries,
    'compression.codec': settings.compression,
    'linger.ms': settings.lingerMs,
    'message.timeout.ms': settings.deliveryTimeoutMs,
    // The broker's max.message.bytes of the topic is the limit that counts; the client's own
    // default (1 MB) would refuse earlier with a less precise message.
    'message.max.bytes': 1_000_000_000,
  };
}
