import { isUtf8 } from 'node:buffer';
import { DecodeError } from './codecErrors';
import type {
  BinaryDecoded,
  BinaryPreview,
  DecodeFailure,
  JsonDecoded,
  PlainDecoded,
  TextDecoded,
} from './decodeResult';
import type { CodecError } from './codecErrors';
import { parseJsonExact } from './losslessJson';

/** How many bytes a binary preview shows by default; the full size is always stated. */
export const DEFAULT_PREVIEW_BYTES = 1024;

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function previewBinary(raw: Buffer, limit = DEFAULT_PREVIEW_BYTES): BinaryPreview {
  const shown = raw.length > limit ? raw.subarray(0, limit) : raw;
  return {
    size: raw.length,
    shownBytes: shown.length,
    truncated: shown.length < raw.length,
    hex: shown.toString('hex'),
    base64: shown.toString('base64'),
  };
}

/**
 * Bytes shown as binary. The preview (hex and base64 strings of up to `limit` bytes) is made on first
 * read: a handler call or a filter never reads it, and making it costs more than the decode.
 */
export function binary(raw: Buffer, limit = DEFAULT_PREVIEW_BYTES): BinaryDecoded {
  return new LazyBinary(raw, limit);
}

class LazyBinary implements BinaryDecoded {
  readonly ok = true;
  readonly format = 'binary';
  #preview: BinaryPreview | undefined;
  readonly #limit: number;

  constructor(
    readonly raw: Buffer,
    limit: number,
  ) {
    this.#limit = limit;
  }

  get preview(): BinaryPreview {
    return (this.#preview ??= previewBinary(this.raw, this.#limit));
  }

  /** What a webview message or a log gets: the same fields as a plain object. */
  toJSON(): object {
    return { ok: true, format: 'binary', preview: this.preview, raw: this.raw };
  }
}

/**
 * True for bytes a person would call text: valid UTF-8 without control characters other than tab,
 * line feed, carriage return, form feed and escape (coloured logs). UTF-8 multi-byte sequences
 * never contain bytes below 0x80, so scanning bytes is enough.
 */
export function isPrintableUtf8(raw: Buffer): boolean {
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) || b === 0x7f) return false;
  }
  return isUtf8(raw);
}

/** What a failure shows instead: printable text as text, anything else as binary. */
export function fallbackFor(raw: Buffer, limit = DEFAULT_PREVIEW_BYTES): TextDecoded | BinaryDecoded {
  return raw.length > 0 && isPrintableUtf8(raw)
    ? { ok: true, format: 'text', text: raw.toString('utf8'), raw }
    : binary(raw, limit);
}

export function failure(
  raw: Buffer,
  error: CodecError,
  attempted: DecodeFailure['attempted'],
  schemaId?: number,
  limit = DEFAULT_PREVIEW_BYTES,
): DecodeFailure {
  return new LazyFailure(raw, error, attempted, schemaId, limit);
}

/** A failure whose fallback (text, or a binary preview) is made on first read: most callers never show it. */
class LazyFailure implements DecodeFailure {
  readonly ok = false;
  readonly schemaId?: number;
  #fallback: TextDecoded | BinaryDecoded | undefined;
  readonly #limit: number;

  constructor(
    readonly raw: Buffer,
    readonly error: CodecError,
    readonly attempted: DecodeFailure['attempted'],
    schemaId: number | undefined,
    limit: number,
  ) {
    if (schemaId !== undefined) this.schemaId = schemaId;
    this.#limit = limit;
  }

  get fallback(): TextDecoded | BinaryDecoded {
    return (this.#fallback ??= fallbackFor(this.raw, this.#limit));
  }

  toJSON(): object {
    const { ok, error, attempted, schemaId, raw, fallback } = this;
    return { ok, error, attempted, ...(schemaId !== undefined ? { schemaId } : {}), raw, fallback };
  }
}

function firstNonSpace(raw: Buffer): number {
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return -1;
}

/** Text decoding when the format is forced: anything not valid UTF-8 is a typed error. */
export function decodeText(raw: Buffer, limit = DEFAULT_PREVIEW_BYTES): TextDecoded | DecodeFailure {
  if (!isUtf8(raw)) {
    return failure(
      raw,
      new DecodeError(
        'invalidUtf8',
        `The ${raw.length}-byte payload is not valid UTF-8 text, but the topic's format rule says text. It is shown as binary; set the rule to auto or binary if the topic carries binary data.`,
      ),
      'text',
      undefined,
      limit,
    );
  }
  return { ok: true, format: 'text', text: raw.toString('utf8'), raw };
}

/** JSON decoding when the format is forced: any JSON value (integers beyond 2^53 as BigInt); errors are typed. */
export function decodeJson(raw: Buffer, limit = DEFAULT_PREVIEW_BYTES): JsonDecoded | DecodeFailure {
  if (!isUtf8(raw)) {
    return failure(
      raw,
      new DecodeError(
        'invalidUtf8',
        "The payload is not valid UTF-8, so it cannot be JSON. It is shown as binary; check the topic's format rule.",
      ),
      'json',
      undefined,
      limit,
    );
  }
  try {
    return { ok: true, format: 'json', value: parseJsonExact(raw.toString('utf8')), raw };
  } catch (error) {
    return failure(
      raw,
      new DecodeError(
        'invalidJson',
        `The payload is not valid JSON (${(error as Error).message}). It is shown as text; set the topic's format rule to text or auto if it is not JSON.`,
      ),
      'json',
      undefined,
      limit,
    );
  }
}

/**
 * Auto-detection without the wire format: JSON (an object or array), then printable UTF-8 text,
 * then binary. Bare JSON scalars (`123`, `true`) are shown as text: they read the same, and a long
 * number keeps all its digits.
 */
export function detectPlain(raw: Buffer, limit = DEFAULT_PREVIEW_BYTES): PlainDecoded {
  if (raw.length === 0) return { ok: true, format: 'text', text: '', raw };
  if (!isPrintableUtf8(raw)) return binary(raw, limit);
  const text = raw.toString('utf8');
  const first = firstNonSpace(raw);
  if (first === 0x7b /* { */ || first === 0x5b /* [ */) {
    try {
      return { ok: true, format: 'json', value: parseJsonExact(text), raw };
    } catch {
      // Looked like JSON but is not: it is text.
    }
  }
  return { ok: true, format: 'text', text, raw };
}
