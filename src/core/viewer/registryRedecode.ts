import type { DecodeResult } from '../codec/decodeResult';
import { RegistryError } from '../registry/registryErrors';
import { formatOf, statusOf } from './payloadView';
import type { ViewerContext } from './viewerContext';

/**
 * Registry re-decoding: a message whose schema could not be fetched because the registry is down is
 * kept (shown as its bytes); it is decoded again, and its format and status corrected, once the
 * registry answers (retried with a backoff).
 */
export class RegistryRedecoder {
  /** Messages whose schema could not be fetched (registry down): decoded again when it answers. */
  private readonly undecided: number[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;

  /** `refilter` tests the buffer again against the current filter, which may depend on what is now decoded. */
  constructor(
    private readonly ctx: ViewerContext,
    private readonly refilter: () => Promise<void>,
  ) {}

  /** A registry outage: the message is kept (shown as its bytes) and decoded again when the registry answers. */
  note(seq: number, key: DecodeResult, value: DecodeResult): void {
    const outage = registryOutage(key) ?? registryOutage(value);
    if (!outage) return;
    this.undecided.push(seq);
    if (!this.ctx.facts().registryProblem) {
      this.ctx.update({
        registryProblem: {
          reason: 'registryUnavailable',
          message: `The schema registry cannot be reached (${outage.message}). Messages go on arriving and are shown as their bytes; they are decoded when the registry answers again (retrying). Check the registry URL and credentials of the connection.`,
          retrying: true,
        },
      });
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.ctx.facts().stopped) return;
    const delay = Math.min(this.ctx.timings.retryCapMs, this.ctx.timings.retryBaseMs * 2 ** Math.min(this.attempt, 10));
    this.retryTimer = setTimeout(() => void this.retry(), delay);
    this.retryTimer.unref?.();
  }

  private async retry(): Promise<void> {
    this.retryTimer = undefined;
    const { store, decoder, keyTarget, valueTarget } = this.ctx;
    while (this.undecided.length > 0 && !store.has(this.undecided[0]!)) this.undecided.shift();
    if (this.undecided.length === 0 || this.ctx.facts().stopped) {
      this.attempt = 0;
      this.ctx.update({ registryProblem: undefined });
      return;
    }
    const probeSlot = store.slotOf(this.undecided[0]!);
    const k = await decoder.decode(store.key(probeSlot), keyTarget);
    const v = await decoder.decode(store.value(probeSlot), valueTarget);
    if (this.ctx.facts().stopped) return;
    if (registryOutage(k) || registryOutage(v)) {
      this.attempt++;
      this.scheduleRetry();
      return;
    }
    // The registry answers: decode the waiting messages again and correct their format and status.
    const waiting = this.undecided.splice(0, this.undecided.length);
    for (const seq of waiting) {
      if (!store.has(seq)) continue;
      const slot = store.slotOf(seq);
      const key = await decoder.decode(store.key(slot), keyTarget);
      const value = await decoder.decode(store.value(slot), valueTarget);
      if (this.ctx.facts().stopped) return;
      if (!store.has(seq)) continue;
      store.update(seq, { keyFormat: formatOf(key), valueFormat: formatOf(value), status: statusOf(key, value) });
      if (registryOutage(key) ?? registryOutage(value)) this.undecided.push(seq);
    }
    this.attempt = 0;
    this.ctx.logger.info(`the schema registry answers again; ${waiting.length} message(s) decoded again`);
    // A filter may depend on what is now decoded: test the buffer again.
    await this.refilter();
    if (this.undecided.length === 0) this.ctx.update({ registryProblem: undefined });
    else this.scheduleRetry();
    this.ctx.changed();
  }

  /** No retry after the viewer stops. */
  stop(): void {
    clearTimeout(this.retryTimer);
  }

  clear(): void {
    this.undecided.length = 0;
  }
}

/** The registry-wide failure behind a decode result, if that is why it failed. */
function registryOutage(result: DecodeResult): RegistryError | undefined {
  return !result.ok && result.error instanceof RegistryError && result.error.isRegistryWide ? result.error : undefined;
}
