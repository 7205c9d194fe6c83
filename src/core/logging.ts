/**
 * The logger the core writes to. The extension adapts VS Code's LogOutputChannel to it; tests pass
 * a recording or silent logger. Nothing reaches a sink before it has gone through `redact`.
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  trace(message: string, ...details: unknown[]): void;
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
  /** A logger whose messages are prefixed with `[scope]`, for one component. */
  child(scope: string): Logger;
}

/** Where formatted, redacted lines go. */
export type LogSink = (level: LogLevel, line: string) => void;

const levelRank: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

export const REDACTED = '***';

/** Keys whose values are secrets wherever they appear (librdkafka properties, registry auth, forms). */
const secretKey =
  /(pass(word)?|secret|token|credential|jaas|private[._-]?key|key[._-]?password|authorization|api[._-]?key)/i;

/** `key=value` and `key: value` pairs in free text whose key names a secret. */
const secretPair =
  /\b([\w.-]*(?:pass(?:word)?|secret|token|credential|authorization|api[._-]?key)[\w.-]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)/gi;

/** Userinfo in URLs: scheme://user:password@host. */
const urlUserinfo = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)([^@\s/]+)(@)/gi;

export function redactText(text: string): string {
  return text.replace(urlUserinfo, `$1${REDACTED}$3`).replace(secretPair, `$1$2${REDACTED}`);
}

/** A deep copy of `value` with secret-looking fields and text replaced by `***`. Handles cycles. */
export function redact(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message) };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, seen));
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      secretKey.test(key) && item !== undefined && item !== null && item !== '' ? REDACTED : redact(item, seen);
  }
  return out;
}

function formatDetail(detail: unknown): string {
  const clean = redact(detail);
  if (typeof clean === 'string') return clean;
  try {
    return JSON.stringify(clean);
  } catch {
    return String(clean);
  }
}

/** A logger that formats, redacts and filters by level before handing lines to a sink. */
export function createLogger(sink: LogSink, options: { minLevel?: () => LogLevel; scope?: string } = {}): Logger {
  const minLevel = options.minLevel ?? (() => 'trace' as LogLevel);
  const prefix = options.scope ? `[${options.scope}] ` : '';
  const write = (level: LogLevel, message: string, details: unknown[]): void => {
    if (levelRank[level] < levelRank[minLevel()]) return;
    const tail = details.length ? ' ' + details.map(formatDetail).join(' ') : '';
    sink(level, prefix + redactText(message) + tail);
  };
  return {
    trace: (m, ...d) => write('trace', m, d),
    debug: (m, ...d) => write('debug', m, d),
    info: (m, ...d) => write('info', m, d),
    warn: (m, ...d) => write('warn', m, d),
    error: (m, ...d) => write('error', m, d),
    child: (scope) => createLogger(sink, { minLevel, scope: options.scope ? `${options.scope}/${scope}` : scope }),
  };
}

export const silentLogger: Logger = createLogger(() => undefined);
