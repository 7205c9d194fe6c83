/**
 * When each step of opening a viewer happened, once each, in milliseconds since the viewer was
 * created: where the time to the first rows goes (the reader's connect, metadata and first fetch on
 * one side, the panel's webview handshake and first page on the other). Logged when the first rows
 * are answered; the extension test and the bench read it. No vscode, no Node types.
 */
export const OPENING_MILESTONES = [
  /** start() was called: the reader begins to connect. */
  'connecting',
  'connected',
  /** The topic's partitions are known (metadata). */
  'partitions',
  /** The partitions are assigned at their start offsets: fetching begins. */
  'assigned',
  /** The panel exists (its webview loads from here). */
  'panel',
  /** The webview said ready. */
  'ready',
  /** The first consume call that returned records. */
  'firstBatch',
  /** The first records are in the buffer and the listeners were told (the panel posts its state). */
  'firstNotify',
  /** The panel sent the first screen of rows unasked (the webview gets it as soon as it loads). */
  'firstRowsSent',
  /** Every partition reached its end (an empty topic has no rows to wait for). */
  'caughtUp',
  /** The webview asked its first page. */
  'firstPageAsked',
  /** A page with rows was answered (the webview paints them). */
  'firstRows',
] as const;

export type OpeningMilestone = (typeof OPENING_MILESTONES)[number];

export class OpeningTimeline {
  private readonly marks = new Map<OpeningMilestone, number>();
  /** The clock's reading when the viewer was created (Date.now(): comparable with other processes' wall clocks). */
  readonly origin: number;

  constructor(private readonly clock: () => number = Date.now) {
    this.origin = clock();
  }

  /** Records `name` the first time only; later calls are ignored. */
  mark(name: OpeningMilestone): void {
    if (this.marks.has(name)) return;
    this.marks.set(name, this.clock() - this.origin);
  }

  /** Milliseconds from the viewer's creation to `name`, if it happened. */
  at(name: OpeningMilestone): number | undefined {
    return this.marks.get(name);
  }

  /** Every milestone reached, in the order they happened. */
  snapshot(): Array<{ readonly name: OpeningMilestone; readonly ms: number }> {
    return [...this.marks].map(([name, ms]) => ({ name, ms })).sort((a, b) => a.ms - b.ms);
  }

  /** "connecting 0 ms, connected 85 ms, ..." */
  describe(): string {
    const marks = this.snapshot();
    return marks.length === 0 ? 'nothing yet' : marks.map((m) => `${m.name} ${Math.round(m.ms)} ms`).join(', ');
  }
}
