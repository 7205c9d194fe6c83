/**
 * Case-insensitive search in raw UTF-8 bytes, without making strings: the text filter runs over a
 * million stored messages, so it compares bytes in place. ASCII letters fold to lower case; any
 * other byte (so any non-ASCII character, as its UTF-8 sequence) must match exactly. A needle
 * with non-ASCII letters is folded with toLowerCase per message instead (see `TextNeedle`).
 */
const fold = new Uint8Array(256);
for (let b = 0; b < 256; b++) fold[b] = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;

export class TextNeedle {
  /** The needle's UTF-8 bytes, folded; undefined when it needs Unicode case folding. */
  readonly folded: Uint8Array | undefined;
  readonly lower: string;
  /** The first byte of the needle in each case it can appear in. */
  private readonly firstBytes: readonly number[];

  constructor(readonly text: string) {
    this.lower = text.toLowerCase();
    // Bytes compare right when every character outside ASCII has no case ("€", "日本"); "é" has
    // ("É"), so such a needle is compared as lowercased text.
    const caseless = [...text].every((c) => c.charCodeAt(0) < 0x80 || (c.toLowerCase() === c && c.toUpperCase() === c));
    const bytes = Buffer.from(text, 'utf8');
    const folded = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) folded[i] = fold[bytes[i]!]!;
    this.folded = caseless ? folded : undefined;
    const first = folded[0] ?? 0;
    this.firstBytes = first >= 0x61 && first <= 0x7a ? [first, first - 0x20] : [first];
  }

  get empty(): boolean {
    return this.text.length === 0;
  }

  /** Whether bytes[start, end) contain the needle, ignoring case. */
  inBytes(bytes: Uint8Array, start: number, end: number): boolean {
    const needle = this.folded;
    if (!needle) return this.inText(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8'));
    const n = needle.length;
    if (n === 0) return true;
    if (end - start < n) return false;
    // The first byte is found by the native search (memchr-like), in each case of it; only its
    // hits are compared byte by byte.
    const view = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
    const last = view.length - n;
    for (const variant of this.firstBytes) {
      outer: for (let i = view.indexOf(variant, 0); i >= 0 && i <= last; i = view.indexOf(variant, i + 1)) {
        for (let j = 1; j < n; j++) if (fold[view[i + j]!] !== needle[j]) continue outer;
        return true;
      }
    }
    return false;
  }

  inText(text: string): boolean {
    return text.toLowerCase().includes(this.lower);
  }
}
