/**
 * A fixed-size set of small integers (the ring buffer's slots) in 32-bit words: one bit per
 * message, so a filter's result over a million messages costs 125 KiB and a membership test is a
 * shift and a mask.
 */
export class Bitset {
  private readonly words: Uint32Array;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 0)
      throw new RangeError(`a bitset's size must be a whole number (got ${size})`);
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  has(index: number): boolean {
    return (this.words[index >>> 5]! & (1 << (index & 31))) !== 0;
  }

  set(index: number): void {
    this.words[index >>> 5]! |= 1 << (index & 31);
  }

  clear(index: number): void {
    this.words[index >>> 5]! &= ~(1 << (index & 31));
  }

  /** Sets or clears the bit; returns whether it was set before. */
  assign(index: number, value: boolean): boolean {
    const word = index >>> 5;
    const mask = 1 << (index & 31);
    const before = (this.words[word]! & mask) !== 0;
    if (value) this.words[word]! |= mask;
    else this.words[word]! &= ~mask;
    return before;
  }

  clearAll(): void {
    this.words.fill(0);
  }

  /** The number of bits set (population count, word by word). */
  count(): number {
    let total = 0;
    for (let i = 0; i < this.words.length; i++) {
      let v = this.words[i]!;
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      total += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return total;
  }
}
