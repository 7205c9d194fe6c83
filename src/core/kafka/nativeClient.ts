import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import type * as RdKafka from '@confluentinc/kafka-javascript';
import { KafkaClientError } from '../errors';

export type NativeKafka = typeof RdKafka;

const MODULE_ID = '@confluentinc/kafka-javascript';
const ADDON_FILE = 'confluent-kafka-javascript.node';
let loaded: NativeKafka | undefined;

/**
 * The addon is a NAN module, so a build loads only in a Node with the same NODE_MODULE_VERSION:
 * VS Code 1.100's server runs Node 20 (115), today's runs Node 24 (137). Builds for other Nodes sit
 * beside the default one under node-pre-gyp's folder name, lib/binding/node-v<abi>-<platform>-<arch>/.
 */
export function abiBindingFolder(
  modules: string = process.versions.modules,
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  return `node-v${modules}-${platform}-${arch}`;
}

/** Where the addon for this runtime would be, and the default build the package itself loads. */
export function addonPaths(
  packageRoot: string,
  folder: string = abiBindingFolder(),
): { specific: string; generic: string } {
  return {
    specific: path.join(packageRoot, 'lib', 'binding', folder, ADDON_FILE),
    generic: path.join(packageRoot, 'build', 'Release', ADDON_FILE),
  };
}

/**
 * The package loads build/Release/<addon> through `bindings`, which throws on an ABI mismatch
 * instead of looking further. When a build for this runtime's ABI is present, it is loaded first
 * and registered in the module cache under the default path, so that `bindings` gets it.
 * Returns the file loaded, or undefined when the default build is to be used.
 */
function preferAbiSpecificAddon(): string | undefined {
  let root: string;
  try {
    root = path.dirname(require.resolve(`${MODULE_ID}/package.json`));
  } catch {
    return undefined; // not installed: the require below reports it
  }
  const { specific, generic } = addonPaths(root);
  if (!fs.existsSync(specific) || !fs.existsSync(generic)) return undefined;
  const cacheKey = fs.realpathSync(generic);
  const cache = require.cache;
  if (cache[cacheKey]) return undefined;
  const addon = new Module(cacheKey);
  addon.filename = cacheKey;
  process.dlopen(addon, fs.realpathSync(specific));
  addon.loaded = true;
  cache[cacheKey] = addon;
  return specific;
}

/**
 * Loads the native client (librdkafka) on first use. Activation must stay cheap, and a machine
 * where the addon is missing or built for another platform should still get a working extension
 * with a clear error at the point of use.
 */
export function loadNativeClient(): NativeKafka {
  if (loaded) return loaded;
  try {
    preferAbiSpecificAddon();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(MODULE_ID) as NativeKafka;
  } catch (error) {
    throw new KafkaClientError('nativeClientUnavailable', nativeLoadFailure(error), { cause: error });
  }
  return loaded;
}

/** What went wrong loading the addon, and what to do about it. */
export function nativeLoadFailure(
  error: unknown,
  runtime: { node: string; modules: string; platform: string; arch: string } = {
    node: process.versions.node,
    modules: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
  },
): string {
  const text = error instanceof Error ? error.message : String(error);
  const built = /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(text);
  if (built) {
    return (
      `The native Kafka client (${MODULE_ID}) was built for another Node.js (NODE_MODULE_VERSION ${built[1]}) ` +
      `than this VS Code's extension host (Node ${runtime.node}, NODE_MODULE_VERSION ${runtime.modules}), and ` +
      `no build for it is installed (lib/binding/${abiBindingFolder(runtime.modules, runtime.platform, runtime.arch)}). ` +
      `Install the build of the extension made for this VS Code, or in a development checkout run ` +
      `"KAFKA_LAB_CODE_SERVER=latest bash scripts/codeServer.sh install" (it builds the client for Node 24).`
    );
  }
  return (
    `The native Kafka client (${MODULE_ID}) could not be loaded: ${text.split('\n')[0]}. Install the build of ` +
    `the extension for this platform (${runtime.platform}-${runtime.arch}), or run "npm run setup" in a development checkout.`
  );
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
