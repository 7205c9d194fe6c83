/**
 * JSON with integers beyond 2^53 kept exact (as BigInt). JSON.parse reads every number as a
 * double, so 9007199254740993 would show as ...992. `parseJsonExact` parses with JSON.parse first
 * (fast, and the judge of validity), and only when the text holds a run of 16 or more digits
 * parses it again here, keeping big integers. This second parser is iterative (an explicit stack),
 * so no nesting depth can overflow it, and it only ever sees text JSON.parse accepted.
 */

const LONG_DIGIT_RUN = /\d{16}/;

/** Parses JSON text; throws JSON.parse's SyntaxError for invalid text. */
export function parseJsonExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return LONG_DIGIT_RUN.test(text) ? parseValidJson(text) : value;
}

/** True when the value (or anything in it) is a BigInt; iterative. */
export function containsBigInt(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const item = stack.pop();
    if (typeof item === 'bigint') return true;
    if (item !== null && typeof item === 'object') {
      if (Array.isArray(item)) for (const child of item) stack.push(child);
      else if (!Buffer.isBuffer(item))
        for (const key of Object.keys(item)) stack.push((item as Record<string, unknown>)[key]);
    }
  }
  return false;
}

/** The same value with every BigInt as a (possibly rounded) number: for validators that know only numbers. */
export function withNumbers(value: unknown): unknown {
  return transform(value, (item) => (typeof item === 'bigint' ? Number(item) : item));
}

/**
 * JSON text for a value that may hold BigInts, written as exact integer literals. JSON.stringify
 * cannot write them, so they go through a marker that the digits then replace.
 */
export function stringifyExact(value: unknown): string | undefined {
  if (!containsBigInt(value)) return JSON.stringify(value);
  const marker = `\u0000bigint:${Math.random().toString(36).slice(2)}:`;
  const text = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? `${marker}${item.toString()}` : item,
  );
  return text?.replace(new RegExp(`"${marker.replace('\u0000', '\\\\u0000')}(-?\\d+)"`, 'g'), '$1');
}

function transform(value: unknown, leaf: (item: unknown) => unknown): unknown {
  if (value === null || typeof value !== 'object') return leaf(value);
  const root: { v: unknown } = { v: undefined };
  const stack: { source: unknown; into: Record<string | number, unknown>; key: string | number }[] = [
    { source: value, into: root as unknown as Record<string, unknown>, key: 'v' },
  ];
  while (stack.length) {
    const { source, into, key } = stack.pop()!;
    if (source === null || typeof source !== 'object' || Buffer.isBuffer(source)) {
      into[key] = leaf(source);
    } else if (Array.isArray(source)) {
      const out = new Array<unknown>(source.length);
      into[key] = out;
      for (let i = 0; i < source.length; i++)
        stack.push({ source: source[i], into: out as unknown as Record<number, unknown>, key: i });
    } else {
      const out: Record<string, unknown> = {};
      into[key] = out;
      for (const k of Object.keys(source)) {
        out[k] = undefined;
        stack.push({ source: (source as Record<string, unknown>)[k], into: out, key: k });
      }
    }
  }
  return root.v;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

interface Frame {
  readonly container: unknown[] | Record<string, unknown>;
  key: string | undefined;
}

/** Parses text that JSON.parse accepted, keeping integers beyond 2^53 as BigInt. */
function parseValidJson(text: string): unknown {
  let pos = 0;
  const stack: Frame[] = [];
  let result: unknown;
  const skipSpace = (): void => {
    while (pos < text.length && WS.has(text.charCodeAt(pos))) pos++;
  };
  const place = (value: unknown): void => {
    const top = stack[stack.length - 1];
    if (!top) result = value;
    else if (Array.isArray(top.container)) top.container.push(value);
    else {
      // defineProperty: a "__proto__" key is data here, as it is for JSON.parse.
      Object.defineProperty(top.container, top.key as string, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      top.key = undefined;
    }
  };
  const readString = (): string => {
    const start = pos;
    pos++; // opening quote
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x5c) pos += 2;
      else if (c === 0x22) break;
      else pos++;
    }
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  for (;;) {
    skipSpace();
    const top = stack[stack.length - 1];
    const c = text.charCodeAt(pos);
    if (c === 0x2c /* , */) {
      pos++;
      continue;
    }
    if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      pos++;
      const done = stack.pop()!;
      place(done.container);
      if (!stack.length) return result;
      continue;
    }
    if (top && !Array.isArray(top.container) && top.key === undefined) {
      top.key = readString();
      skipSpace();
      pos++; // the colon
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      pos++;
      stack.push({ container: c === 0x7b ? {} : [], key: undefined });
      continue;
    }
    if (c === 0x22) place(readString());
    else if (c === 0x74 /* t */) {
      place(true);
      pos += 4;
    } else if (c === 0x66 /* f */) {
      place(false);
      pos += 5;
    } else if (c === 0x6e /* n */) {
      place(null);
      pos += 4;
    } else {
      const start = pos;
      let integer = true;
      while (pos < text.length) {
        const d = text.charCodeAt(pos);
        if (d === 0x2e || d === 0x65 || d === 0x45) integer = false;
        else if (!(d === 0x2d || d === 0x2b || (d >= 0x30 && d <= 0x39))) break;
        pos++;
      }
      const literal = text.slice(start, pos);
      const n = Number(literal);
      place(integer && !Number.isSafeInteger(n) ? BigInt(literal) : n);
    }
    if (!stack.length) return result;
  }
}
