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
  /** The error types chosen as a filter (empty: all). */
  readonly errorTypes: readonly string[];
}

export function createDeadLetterBar(options: {
  onFilter(errorTypes: readonly string[]): void;
  onRedrive(params: { scope: 'selected'; seq: number; edit?: boolean } | { scope: 'matching' }): void;
}): DeadLetterBar {
  let selected: number | undefined;
  let chosen: string[] = [];
  let last: DeadLetterCounts | undefined;
  const summary = h('span', { className: 'dlq-summary' });
  const types = h('span', {
    className: 'dlq-types',
    role: 'group',
    attrs: { 'aria-label': 'Dead letters by error type' },
  });
  const redriveSelected = button('Re-drive selected', {
    title: 'Send the selected dead letter back (to its original topic, or one you choose), as it was',
    onClick: () => selected !== undefined && options.onRedrive({ scope: 'selected', seq: selected }),
  });
  const redriveEdited = button('Edit and re-drive…', {
    title: 'Edit the selected dead letter’s value first, then send it back',
    onClick: () => selected !== undefined && options.onRedrive({ scope: 'selected', seq: selected, edit: true }),
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
    redriveSelected.disabled = selected === undefined;
    redriveEdited.disabled = selected === undefined;
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
      redriveSelected.disabled = seq === undefined;
      redriveEdited.disabled = seq === undefined;
    },
  };
}
