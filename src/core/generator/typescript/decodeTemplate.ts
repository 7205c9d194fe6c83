import { ENV, usesRegistry } from '../common';
import type { GeneratorInput } from '../generatorInput';

const q = (text: string): string => JSON.stringify(text);

/** src/decode.ts: the message as the handler sees it, its value decoded by the chosen format. */
export function decodeTs(input: GeneratorInput): string {
  const registry = usesRegistry(input);
  const decodeValue =
    input.valueFormat === 'json'
      ? `    try {
      return { value: JSON.parse(raw.toString('utf8')) as Value, info: { format: 'json' } };
    } catch (error) {
      throw new MessageDecodeError('the value is not JSON: ' + (error as Error).message);
    }`
      : input.valueFormat === 'text'
        ? `    return { value: raw.toString('utf8') as Value, info: { format: 'text' } };`
        : `    const decoded = await this.registry.decode(raw);
    return { value: decoded.value as Value, info: decoded.info };`;
  return `import type { Message } from '@confluentinc/kafka-javascript';
import { type HandlerMessage, MessageDecodeError, type PayloadInfo } from './contract';
${registry ? "import { RegistryDecoder } from './registry';\n" : ''}import type { Value } from './types';

/** Turns a fetched record into the handler's message: a decode failure is a MessageDecodeError (dead-lettered at once). */
export class ValueDecoder {
${registry ? '  private readonly registry: RegistryDecoder;\n\n  constructor(registry: { url: string; userInfo?: string } | undefined) {\n    if (!registry) throw new Error(' + q(`${ENV.registryUrl} is not set; the ${input.valueFormat} values need the Schema Registry`) + ');\n    this.registry = new RegistryDecoder(registry);\n  }\n' : '  constructor(_registry?: unknown) {}\n'}
  async decode(message: Message): Promise<HandlerMessage<Value | null>> {
    const raw = message.value ?? null;
    const { value, info }: { value: Value | null; info: PayloadInfo } =
      raw === null ? { value: null, info: { format: 'null' } } : await this.decodeValue(raw);
    const rawHeaders = (message.headers ?? []).flatMap((h) =>
      Object.entries(h).map(([key, v]) => ({ key, value: Buffer.isBuffer(v) ? v : Buffer.from(String(v)) })),
    );
    const headers: Record<string, string> = {};
    for (const h of rawHeaders) headers[h.key] = h.value.toString('utf8');
    const key = (message.key as Buffer | null | undefined) ?? null;
    return {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      timestamp: message.timestamp,
      key: key === null ? null : key.toString('utf8'),
      value,
      headers,
      raw: { key, value: raw, headers: rawHeaders },
      format: { key: { format: key === null ? 'null' : 'text' }, value: info },
    };
  }

  private async decodeValue(raw: Buffer): Promise<{ value: Value; info: PayloadInfo }> {
${decodeValue}
  }
}
`;
}
