/**
 * One throttle per stream: a value source that changes fast (a running session changes with every
 * message) is flushed at most once per interval, always with its latest value, and never left
 * behind: the last change is flushed within one interval. No vscode, no DOM, no Node.
 */
export interface ThrottleClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: ThrottleClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Throttle {
  private timer: unknown;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private disposed = false;

  /** `flush` runs at most every `intervalMs`, after `schedule()` asked for it. */
  constructor(
    private readonly intervalMs: number,
    private readonly flush: () => void,
    private readonly clock: ThrottleClock = realClock,
  ) {}

  /** Asks for a flush: at once if the last one is an interval ago, otherwise when the interval ends. */
  schedule(): void {
    if (this.disposed || this.timer !== undefined) return;
    const wait = Math.max(0, this.lastFlushAt + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  /** Flushes now (a reloaded webview has nothing: it gets the latest at once), cancelling a scheduled flush. */
  now(): void {
    if (this.disposed) return;
    this.cancel();
    this.run();
  }

  get scheduled(): boolean {
    return this.timer !== undefined;
  }

  dispose(): void {
    this.cancel();
    this.disposed = true;
  }

  private cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    this.lastFlushAt = this.clock.now();
    this.flush();
  }
}
