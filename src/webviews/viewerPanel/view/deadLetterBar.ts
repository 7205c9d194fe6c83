/**
 * The dead-letter bar of the viewer: shown when the buffer holds dead letters. It counts them by
 * error type (each count a toggle that filters by that type), and offers re-drive of the selected
 * message (as it was, or edited first) or of every message the filters match. The host previews,
 * asks and reports; error types from the topic are rendered as text only.
 */
import type { DeadLetterCounts } from '../../../core/dlq/deadLetterTypes';
import { button, dataText, h, setButtonLabel } from '../../shared/view/dom';

export interface DeadLetterBar {
  readonly element: HTMLElement;
  render(counts: DeadLetterCounts | undefined, matched: number): void;
  /** The selected message (re-drive selected needs one). */
  select(seq: number | undefined): void;
  /** The messages marked in the list (re-drive selected sends them all; edit needs exactly one). */
  mark(seqs: readonly number[]): void;
  /** The error types chosen as a filter (empty: all). */
  readonly errorTypes: readonly string[];
}

export function createDeadLetterBar(options: {
  onFilter(errorTypes: readonly string[]): void;
  onRedrive(params: { scope: 'selected'; seq: number; seqs?: number[]; edit?: boolean } | { scope: 'matching' }): void;
}): DeadLetterBar {
  let selected: number | undefined;
  let marked: number[] = [];
  /** What "Re-drive selected" sends: the marked rows, or the selected one. */
  const chosenSeqs = (): number[] => (marked.length ? marked : selected !== undefined ? [selected] : []);
  let chosen: string[] = [];
  let last: DeadLetterCounts | undefined;
  const summary = h('span', { className: 'dlq-summary' });
  const types = h('span', {
    className: 'dlq-types',
    role: 'group',
    attrs: { 'aria-label': 'Dead letters by error type' },
  });
  const redriveSelected = button('Re-drive selected', {
    title:
      'Send the selected dead letters back (to their original topic, or one you choose), as they were; ctrl/cmd-click or shift-click rows to select several',
    onClick: () => {
      const seqs = chosenSeqs();
      if (seqs.length) options.onRedrive({ scope: 'selected', seq: seqs[0]!, seqs });
    },
  });
  const redriveEdited = button('Edit and re-drive…', {
    title:
      'Open the producer form with the original key, value and headers, to its original topic: change it, then Send',
    onClick: () => {
      const seqs = chosenSeqs();
      if (seqs.length === 1) options.onRedrive({ scope: 'selected', seq: seqs[0]!, edit: true });
    },
  });
  const redriveMatching = button('Re-drive all matching', {
    title: 'Send back every message the filters match (a preview says how many and where to first)',
    onClick: () => options.onRedrive({ scope: 'matching' }),
  });
  const element = h(
    'div',
    { className: 'toolbar dlq-bar', role: 'toolbar', attrs: { 'aria-label': 'Dead letters' } },
    summary,
    types,
    h('span', { className: 'separator', attrs: { 'aria-hidden': 'true' } }),
    redriveSelected,
    redriveEdited,
    redriveMatching,
  );
  element.hidden = true;

  const toggle = (errorType: string) => {
    chosen = chosen.includes(errorType) ? chosen.filter((t) => t !== errorType) : [...chosen, errorType];
    options.onFilter(chosen);
    paint();
  };

  function paint(): void {
    const counts = last;
    if (!counts) return;
    summary.replaceChildren(
      `${counts.deadLetters.toLocaleString()} dead letter${counts.deadLetters === 1 ? '' : 's'}:`,
    );
    types.replaceChildren(
      ...counts.byErrorType.map((t) => {
        const on = chosen.includes(t.errorType);
        const chip = button('', {
          title: on ? 'Show every error type again' : `Show only ${t.errorType}`,
          onClick: () => toggle(t.errorType),
        });
        chip.className = `dlq-type${on ? ' chosen' : ''}`;
        chip.setAttribute('aria-pressed', String(on));
        chip.dataset.errorType = t.errorType;
        chip.replaceChildren(dataText(t.errorType), ` ${t.count.toLocaleString()}`);
        return chip;
      }),
    );
    paintSelection();
  }

  function paintSelection(): void {
    const n = chosenSeqs().length;
    setButtonLabel(redriveSelected, n > 1 ? `Re-drive selected (${n.toLocaleString()})` : 'Re-drive selected');
    redriveSelected.disabled = n === 0;
    redriveEdited.disabled = n !== 1;
  }

  return {
    element,
    get errorTypes() {
      return chosen;
    },
    render(counts, matched) {
      last = counts;
      element.hidden = counts === undefined;
      document.body.classList.toggle('has-dlq', counts !== undefined);
      if (!counts) return;
      setButtonLabel(redriveMatching, `Re-drive all matching (${matched.toLocaleString()})`);
      redriveMatching.disabled = matched === 0;
      paint();
    },
    select(seq) {
      selected = seq;
      paintSelection();
    },
    mark(seqs) {
      marked = [...seqs];
      paintSelection();
    },
  };
}
