import type * as RdKafka from '@confluentinc/kafka-javascript';
import { KafkaClientError } from '../errors';

export type NativeKafka = typeof RdKafka;

const MODULE_ID = '@confluentinc/kafka-javascript';
let loaded: NativeKafka | undefined;

/**
 * Loads the native client (librdkafka) on first use. Activation must stay cheap, and a machine
 * where the addon is missing or built for another platform should still get a working extension
 * with a clear error at the point of use.
 */
export function loadNativeClient(): NativeKafka {
  if (loaded) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(MODULE_ID) as NativeKafka;
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new KafkaClientError(
      'nativeClientUnavailable',
      `The native Kafka client (${MODULE_ID}) could not be loaded: ${detail}. Install the build of the extension for this platform (${process.platform}-${process.arch}), or run "npm run setup" in a development checkout.`,
      { cause: error },
    );
  }
  return loaded;
}

export function isNativeClientLoaded(): boolean {
  return loaded !== undefined;
}

export interface ClientInfo {
  readonly librdkafkaVersion: string;
  readonly clientVersion: string;
  /** librdkafka build features (e.g. ssl, sasl_scram, zstd, lz4). */
  readonly features: readonly string[];
  readonly platform: string;
  readonly nodeVersion: string;
}

export function getClientInfo(): ClientInfo {
  const kafka = loadNativeClient();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(`${MODULE_ID}/package.json`) as { version: string };
  return {
    librdkafkaVersion: kafka.librdkafkaVersion,
    clientVersion: pkg.version,
    features: [...kafka.features],
    platform: `${process.platform}-${process.arch}`,
    nodeVersion: process.versions.node,
  };
}
