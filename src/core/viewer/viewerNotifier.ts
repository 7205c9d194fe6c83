import type { Logger } from '../logging';
import type { ViewerChange } from './viewerApi';

/**
 * A viewer's change notifications: its listeners, told at most once per interval while messages
 * arrive, the first time at once (the first rows, or a message after a quiet spell, show without
 * waiting for an interval), and always with the latest state and counts; the last change is never
 * left behind (it is sent when the interval ends). A state change is sent at once (`flush`).
 */
export class ViewerNotifier {
  private readonly listeners = new Set<(change: ViewerChange) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    /** The change to send: the viewer's state and counts now. */
    private readonly snapshot: () => ViewerChange,
    private readonly logger: Logger,
    /** Called with each change sent to at least one listener. */
    private readonly onSent?: (change: ViewerChange) => void,
  ) {}

  add(listener: (change: ViewerChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Counts changed: sent now if the last notification is an interval ago, else when the interval ends. */
  changed(): void {
    if (this.timer !== undefined || this.listeners.size === 0) return;
    const wait = this.lastFlushAt + this.intervalMs - performance.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Sends the latest change now (cancelling a scheduled one). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlushAt = performance.now();
    if (this.listeners.size === 0) return;
    const change = this.snapshot();
    this.onSent?.(change);
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.logger.warn(`a viewer listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Sends the last change, then forgets every listener. */
  close(): void {
    this.flush();
    this.listeners.clear();
  }
}
