/** The longest a caller may ask ingest to ease off for. */
export const MAX_EASE_MS = 2_000;

/**
 * Whether a viewer's ingest should ease off: until a promise settles (at most `maxMs`, capped at
 * MAX_EASE_MS). A viewer panel asks for it while its page loads, so that decoding a big topic does
 * not take the CPU the page needs to show the first rows (2 cores are shared with the browser, the
 * workbench and the broker). While eased, the reader waits 8 ms after each 8 ms slice.
 */
export class IngestEasing {
  private until = 0;

  easeUntil(done: Promise<unknown>, maxMs: number): void {
    const until = Date.now() + Math.min(maxMs, MAX_EASE_MS);
    this.until = Math.max(this.until, until);
    const end = (): void => {
      if (this.until === until) this.until = 0;
    };
    done.then(end, end);
  }

  get active(): boolean {
    return this.until !== 0 && Date.now() < this.until;
  }
}
