// The session panel's list of recent decisions, newest first: each with its time, position and
// outcome, and its actions (Replay into Handler, View around this offset, and Re-drive for a
// dead-lettered message, whose answer is kept beside the entry across renders). Browser code: every
// string in an entry is data, rendered as text only.
import type { HistoryEntry, PanelState } from '../../../core/session/panelState';
import { button, clear, dataText, h } from '../../shared/view/dom';
import { formatClock } from '../../shared/view/format';
import type { WebviewConnection } from '../../shared/view/webviewApi';
import { REDRIVE_TIMEOUT_MS, RedriveRequest, ReplayNotification, ViewAroundNotification } from '../protocol';

export interface HistoryList {
  readonly section: HTMLElement;
  render(entries: readonly HistoryEntry[], canReplay: boolean): void;
}

const DECISION_LABELS: Record<HistoryEntry['decision'], string> = {
  next: 'done',
  commit: 'committed',
  skip: 'skipped',
  retry: 'retried',
  deadLetter: 'dead-lettered',
  handled: 'handled',
  failed: 'failed',
};

export function createHistoryList(
  connection: Pick<WebviewConnection<PanelState, object>, 'notify' | 'request'>,
): HistoryList {
  const history = h('ol', { className: 'history', attrs: { 'aria-label': 'Recent decisions, newest first' } });
  const section = h('section', {}, h('h2', {}, 'Recent decisions'), history);
  let shown: { entries: readonly HistoryEntry[]; canReplay: boolean } = { entries: [], canReplay: false };

  function renderHistory(entries: readonly HistoryEntry[], canReplay: boolean): void {
    shown = { entries, canReplay };
    clear(history);
    if (entries.length === 0) {
      history.append(h('li', { className: 'muted' }, 'Nothing decided yet.'));
      return;
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      history.append(
        h(
          'li',
          { className: `decision-${e.decision}` },
          h('span', { className: 'time' }, formatClock(e.at)),
          h('span', { className: 'where' }, `[${e.partition}] @ ${e.offset}`),
          h('span', { className: 'decision' }, DECISION_LABELS[e.decision] ?? String(e.decision)),
          dataText(e.topic, 'data topic'),
          e.detail !== undefined ? dataText(e.detail, 'data detail') : null,
          canReplay ? replayButton(e) : null,
          viewAroundButton(connection, e),
          e.decision === 'deadLetter' ? redriveControl(e) : null,
        ),
      );
    }
  }

  /** What each re-drive from this panel came to, by position: kept across renders of the history. */
  const redrives = new Map<string, { readonly outcome: string; readonly text: string }>();
  const positionOf = (e: { topic: string; partition: number; offset: number }): string =>
    `${e.partition}\u0000${e.offset}\u0000${e.topic}`;

  /** Sends a dead-lettered message back to its source topic; the answer is shown beside the entry. */
  function redriveControl(e: HistoryEntry): HTMLElement {
    const key = positionOf(e);
    const known = redrives.get(key);
    const status = h('span', {
      className: 'redrive-status',
      role: 'status',
      attrs: { 'data-outcome': known?.outcome ?? '' },
    });
    if (known) status.appendChild(dataText(known.text));
    const control = h(
      'button',
      {
        className: 'redrive',
        attrs: {
          type: 'button',
          title: `Re-drive: send this message back to ${e.topic} from the dead-letter topic, with kafka-lab.redriven-from and -at headers`,
          'data-partition': String(e.partition),
          'data-offset': String(e.offset),
        },
      },
      known?.outcome === 'running' ? 'Re-driving…' : 'Re-drive',
    );
    control.disabled = known?.outcome === 'running';
    control.addEventListener('click', () => void redrive(e));
    return h('span', { className: 'redrive-control' }, control, status);
  }

  async function redrive(e: HistoryEntry): Promise<void> {
    const key = positionOf(e);
    if (redrives.get(key)?.outcome === 'running') return;
    const show = (outcome: string, text: string): void => {
      redrives.set(key, { outcome, text });
      renderHistory(shown.entries, shown.canReplay);
    };
    show('running', 'Re-driving…');
    try {
      const result = await connection.request(
        RedriveRequest,
        { topic: e.topic, partition: e.partition, offset: e.offset },
        { timeoutMs: REDRIVE_TIMEOUT_MS },
      );
      show(result.outcome, result.text);
    } catch (error) {
      show('error', `Not re-driven: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Runs the handler on this record again; the host reports the outcome, and nothing is committed. */
  function replayButton(e: HistoryEntry): HTMLElement {
    return button('Replay', {
      className: 'replay',
      title: 'Replay into Handler: run your handler on this message again (nothing is committed)',
      onClick: () =>
        connection.notify(ReplayNotification, { topic: e.topic, partition: e.partition, offset: e.offset }),
    });
  }

  return { section, render: renderHistory };
}

/** Opens the message viewer on this record's partition, a little before its offset (never joins the group). */
export function viewAroundButton(
  connection: Pick<WebviewConnection<PanelState, object>, 'notify'>,
  e: { topic: string; partition: number; offset: number },
): HTMLElement {
  return button('View around this offset', {
    className: 'link-button view-around',
    title: 'View around this offset: open the message viewer on this partition, a little before it',
    onClick: () =>
      connection.notify(ViewAroundNotification, { topic: e.topic, partition: e.partition, offset: e.offset }),
  });
}
