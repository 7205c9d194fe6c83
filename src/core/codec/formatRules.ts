import type { PayloadRole } from './decodeResult';

/**
 * How to decode a topic's keys or values. The settings UI writes these; the codec only reads them.
 *
 * - `auto` (default): wire format, then JSON, then text, then binary.
 * - `json` / `text` / `binary`: force a plain format (errors are typed: invalid JSON, invalid UTF-8).
 * - `avro` / `protobuf` / `jsonSchema` without a subject: the record must be in the wire format
 *   and its schema of that format.
 * - with a `subject`: the body is raw (no wire-format header) and is decoded with that subject's
 *   schema (`version`, default latest). For Protobuf, `messageType` picks the message (default:
 *   the first).
 */
export type FormatChoice =
  | { readonly format: 'auto' }
  | { readonly format: 'json' | 'text' | 'binary' }
  | {
      readonly format: 'avro' | 'protobuf' | 'jsonSchema';
      readonly subject?: string;
      readonly version?: number | 'latest';
      readonly messageType?: string;
    };

export interface TopicFormatRule {
  /** A topic name or glob: `*` matches any run of characters, `?` one character. */
  readonly topic: string;
  readonly key?: FormatChoice;
  readonly value?: FormatChoice;
}

export interface CodecFormatConfig {
  /** The first rule whose glob matches the topic and that sets the role decides. */
  readonly rules?: readonly TopicFormatRule[];
}

export const AUTO: FormatChoice = Object.freeze({ format: 'auto' });

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Resolves rules per topic and role, memoized per topic (matching globs is per topic, not per
 * record).
 */
export class FormatRules {
  private readonly compiled: readonly { readonly pattern: RegExp; readonly rule: TopicFormatRule }[];
  private readonly memo = new Map<string, readonly [FormatChoice, FormatChoice]>();
  // The topic asked for last: records come in runs of one topic, and a string compare beats the map.
  private lastTopic: string | undefined;
  private lastPair: readonly [FormatChoice, FormatChoice] | undefined;

  constructor(config: CodecFormatConfig = {}) {
    this.compiled = (config.rules ?? []).map((rule) => ({ pattern: globToRegExp(rule.topic), rule }));
  }

  choiceFor(topic: string, role: PayloadRole): FormatChoice {
    let pair = topic === this.lastTopic ? this.lastPair : this.memo.get(topic);
    if (!pair) {
      if (this.memo.size > 10_000) this.memo.clear();
      pair = [this.find(topic, 'key'), this.find(topic, 'value')];
      this.memo.set(topic, pair);
    }
    this.lastTopic = topic;
    this.lastPair = pair;
    return role === 'key' ? pair[0] : pair[1];
  }

  private find(topic: string, role: PayloadRole): FormatChoice {
    for (const { pattern, rule } of this.compiled) {
      const choice = rule[role];
      if (choice && pattern.test(topic)) return choice;
    }
    return AUTO;
  }
}
