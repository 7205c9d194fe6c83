import { StringDecoder } from 'node:string_decoder';
import { findJsonSyntaxError, positionIn } from './jsonPosition';

/** One entry of an import file, as text, with where it starts (1-based line and column). */
export interface SourceEntry {
  /** 0-based: the entry's number in the file. */
  readonly index: number;
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

/** The file itself is broken at this point; nothing after it can be read. */
export interface SourceFault {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type FileFormat = 'ndjson' | 'jsonArray';

/** Entries longer than this are refused (each is held in memory once). */
export const MAX_ENTRY_CHARS = 64 * 1024 * 1024;

/** `.json` files and text that starts with `[` are arrays; anything else is one JSON value per line. */
export function detectFormat(fileName: string | undefined, firstText: string): FileFormat {
  if (fileName && /\.(ndjson|jsonl)$/i.test(fileName)) return 'ndjson';
  const start = /\S/.exec(firstText);
  return start && start[0] === '[' ? 'jsonArray' : 'ndjson';
}

/**
 * Splits a stream of text into entries, without holding more than one entry (and one chunk) in
 * memory: NDJSON by line (blank lines skipped), a JSON array by its top-level elements (found by a
 * scanner that tracks strings and nesting, so the elements are parsed one at a time). Yields a
 * SourceFault, and stops, where the array's own structure is broken.
 */
export async function* readEntries(
  chunks: AsyncIterable<Buffer | string>,
  format: FileFormat,
): AsyncGenerator<SourceEntry | SourceFault> {
  const decoder = new StringDecoder('utf8');
  const texts = (async function* () {
    for await (const chunk of chunks) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (text) yield text;
    }
    const rest = decoder.end();
    if (rest) yield rest;
  })();
  if (format === 'ndjson') yield* ndjsonEntries(texts);
  else yield* arrayEntries(texts);
}

async function* ndjsonEntries(texts: AsyncIterable<string>): AsyncGenerator<SourceEntry | SourceFault> {
  let carry = '';
  let line = 1;
  let index = 0;
  let first = true;
  for await (let text of texts) {
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl < 0) {
      carry += text;
      if (carry.length > MAX_ENTRY_CHARS) {
        yield { line, column: 1, message: `Line ${line} is longer than ${MAX_ENTRY_CHARS} characters.` };
        return;
      }
      continue;
    }
    while (nl >= 0) {
      let body = carry ? carry + text.slice(start, nl) : text.slice(start, nl);
      carry = '';
      if (body.endsWith('\r')) body = body.slice(0, -1);
      if (body.trim()) yield { index: index++, line, column: 1, text: body };
      line++;
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    carry = text.slice(start);
  }
  if (carry.endsWith('\r')) carry = carry.slice(0, -1);
  if (carry.trim()) yield { index, line, column: 1, text: carry };
}

async function* arrayEntries(texts: AsyncIterable<string>): AsyncGenerator<SourceEntry | SourceFault> {
  // Scanner state, carried across chunks.
  let phase: 'beforeArray' | 'beforeElement' | 'inElement' | 'done' = 'beforeArray';
  let line = 1;
  let column = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  let elementLine = 0;
  let elementColumn = 0;
  let index = 0;
  let sawComma = false;
  let first = true;
  const fault = (message: string): SourceFault => ({ line, column, message });

  for await (let text of texts) {
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let segmentStart = 0;
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (phase === 'inElement') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          if (depth === 0) {
            // the array's closing bracket ends an element without a comma
            element += text.slice(segmentStart, k);
            yield { index: index++, line: elementLine, column: elementColumn, text: element };
            element = '';
            phase = 'done';
            advance(c);
            continue;
          }
          depth--;
        } else if (c === 0x2c && depth === 0) {
          element += text.slice(segmentStart, k);
          yield { index: index++, line: elementLine, column: elementColumn, text: element };
          element = '';
          phase = 'beforeElement';
          sawComma = true;
          advance(c);
          continue;
        }
        advance(c);
        continue;
      }
      const ws = c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
      if (ws) {
        advance(c);
        continue;
      }
      if (phase === 'beforeArray') {
        if (c !== 0x5b) {
          yield fault('The file does not start with "[": a .json import is an array of records.');
          return;
        }
        phase = 'beforeElement';
        sawComma = false;
      } else if (phase === 'beforeElement') {
        if (c === 0x5d && !sawComma) {
          phase = 'done';
        } else if (c === 0x5d || c === 0x2c) {
          yield fault(sawComma ? 'A record was expected after ","' : 'Unexpected ","');
          return;
        } else {
          phase = 'inElement';
          elementLine = line;
          elementColumn = column;
          segmentStart = k;
          depth = 0;
          inString = false;
          escaped = false;
          // re-examine this character as part of the element
          k--;
          continue;
        }
      } else if (phase === 'done') {
        yield fault('Unexpected text after the closing "]" of the array.');
        return;
      }
      advance(c);
    }
    if (phase === 'inElement') {
      element += text.slice(segmentStart);
      if (element.length > MAX_ENTRY_CHARS) {
        yield {
          line: elementLine,
          column: elementColumn,
          message: `The record is longer than ${MAX_ENTRY_CHARS} characters.`,
        };
        return;
      }
    }
  }
  const ended = phase as string;
  if (ended === 'beforeArray') {
    yield fault('The file is empty: a .json import is an array of records.');
  } else if (ended !== 'done') {
    if (ended === 'inElement' && element.trim()) {
      yield { index: index++, line: elementLine, column: elementColumn, text: element };
    }
    yield fault('Unexpected end of the file: the array is not closed with "]".');
  }

  function advance(c: number): void {
    if (c === 0x0a) {
      line++;
      column = 1;
    } else column++;
  }
}

/** Where in the file a parse error of an entry is: JSON.parse only said no; the scanner says where. */
export function locateEntryError(entry: SourceEntry): { line: number; column: number; message: string } {
  const problem = findJsonSyntaxError(entry.text) ?? { index: 0, message: 'The record is not valid JSON' };
  const at = positionIn(entry.text, problem.index, entry.line, entry.column);
  return { ...at, message: problem.message };
}

export function isFault(x: SourceEntry | SourceFault): x is SourceFault {
  return !('text' in x);
}
