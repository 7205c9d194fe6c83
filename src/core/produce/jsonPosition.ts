/**
 * Where JSON text stops being valid: an iterative scanner (never recursion, so a hostile 100,000-deep
 * line cannot overflow the stack), run only after JSON.parse refused the text, to give the line and
 * column of the first error and what was expected there.
 */
export interface JsonSyntaxProblem {
  /** Offset of the offending character (text.length at an unexpected end). */
  readonly index: number;
  readonly message: string;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export function findJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  // The stack holds what closes each open container: ']' or '}'.
  const stack: string[] = [];
  let i = 0;
  const n = text.length;
  const skipWs = (): void => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  const fail = (message: string): JsonSyntaxProblem => ({ index: i, message });
  const describe = (): string => (i >= n ? 'the end of the text' : `"${text[i]}"`);
  // state: 'value' expects a value; 'after' expects , or a closer; 'key' expects a string key or }
  let state: 'value' | 'after' | 'key' | 'firstValue' | 'firstKey' = 'value';
  for (;;) {
    skipWs();
    if (state === 'value' || state === 'firstValue') {
      if (i >= n) return fail('Unexpected end: a value was expected');
      const c = text[i];
      if (c === ']' && state === 'firstValue') {
        stack.pop();
        i++;
        state = 'after';
      } else if (c === '{') {
        stack.push('}');
        i++;
        state = 'firstKey';
        continue;
      } else if (c === '[') {
        stack.push(']');
        i++;
        state = 'firstValue';
        continue;
      } else if (c === '"') {
        const end = scanString();
        if (typeof end !== 'number') return end;
        i = end;
        state = 'after';
      } else if (c === '-' || (c >= '0' && c <= '9')) {
        const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
        if (!m) return fail(`Invalid number at ${describe()}`);
        i += m[0].length;
        state = 'after';
      } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
        i += 4;
        state = 'after';
      } else if (text.startsWith('false', i)) {
        i += 5;
        state = 'after';
      } else {
        return fail(`Unexpected ${describe()}: a value was expected`);
      }
    } else if (state === 'key' || state === 'firstKey') {
      if (i >= n) return fail('Unexpected end: a property name was expected');
      if (text[i] === '}' && state === 'firstKey') {
        stack.pop();
        i++;
        state = 'after';
        continue;
      }
      if (text[i] !== '"') return fail(`Unexpected ${describe()}: a property name in double quotes was expected`);
      const end = scanString();
      if (typeof end !== 'number') return end;
      i = end;
      skipWs();
      if (text[i] !== ':') return fail(`Unexpected ${describe()}: ":" was expected after the property name`);
      i++;
      state = 'value';
      continue;
    }
    // after a value
    skipWs();
    const closer = stack[stack.length - 1];
    if (closer === undefined) {
      if (i < n) return fail(`Unexpected ${describe()} after the end of the JSON value`);
      return undefined;
    }
    if (i >= n) return fail(`Unexpected end: "${closer}" or "," was expected`);
    if (text[i] === ',') {
      i++;
      state = closer === '}' ? 'key' : 'value';
    } else if (text[i] === closer) {
      stack.pop();
      i++;
      state = 'after';
    } else {
      return fail(`Unexpected ${describe()}: "," or "${closer}" was expected`);
    }
  }

  function scanString(): number | JsonSyntaxProblem {
    let j = i + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 0x22) return j + 1;
      if (c < 0x20) return { index: j, message: 'A control character inside a string must be escaped' };
      if (c === 0x5c) {
        const e = text[j + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6)))
            return { index: j, message: 'Invalid \\u escape: four hex digits were expected' };
          j += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j += 2;
        else return { index: j, message: 'Invalid escape in a string' };
      } else j++;
    }
    return { index: n, message: 'Unexpected end inside a string: the closing quote is missing' };
  }
}

/** 1-based line and column of `index` in `text`, starting from `line`/`column` at index 0. */
export function positionIn(text: string, index: number, line = 1, column = 1): { line: number; column: number } {
  let l = line;
  let c = column;
  const end = Math.min(index, text.length);
  for (let k = 0; k < end; k++) {
    if (text.charCodeAt(k) === 0x0a) {
      l++;
      c = 1;
    } else c++;
  }
  return { line: l, column: c };
}
