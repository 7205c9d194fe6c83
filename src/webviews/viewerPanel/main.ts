// The message viewer's webview: the state bar (viewer state, counts, pause/resume, export), the
// filters, the timeline, the virtualised list (rows asked from the host by scroll position) and the
// detail of the selected message. Every string from the topic is rendered as text only
// (shared/view/dom.ts); the channel, the payload rendering and the message section are the shared ones.
import type { ViewerFilter, ViewerState } from '../../core/viewer/types';
import { RpcError } from '../shared/protocol';
import { button, dataText, h, setButtonLabel } from '../shared/view/dom';
import { WebviewConnection } from '../shared/view/webviewApi';
import {
  ExportNotification,
  FirstRowsNotification,
  HistogramRequest,
  IsolationNotification,
  PageRequestType,
  PauseNotification,
  RedriveNotification,
  ResumeNotification,
  SetFilterRequest,
  SetSortNotification,
  VIEWER_ROOT_ID,
  type ViewerPanelState,
  ViewerPanelWebview,
} from './protocol';
import { createDeadLetterBar } from './view/deadLetterBar';
import { createDetailPane } from './view/detailPane';
import { createFilterBar } from './view/filterBar';
import { createHistogram } from './view/histogram';
import { renderRow, listHeader } from './view/rows';
import { createVirtualList } from './view/virtualList';
import type { SortOrder } from '../../core/viewer/types';

// The steps to the first rows, as performance marks (the extension test reads them; nothing else does).
performance.mark('kafka-lab:script');
let firstRowsPainted = false;

const connection = new WebviewConnection<ViewerPanelState>({
  descriptor: ViewerPanelWebview,
  render: (state) => render(state),
});
const root = connection.root;

/** The histogram is asked for at most this often while messages arrive (a filter change asks at once). */
const HISTOGRAM_INTERVAL_MS = 1_000;
const HISTOGRAM_BUCKETS = 80;

const ADVICE: Record<Extract<ViewerState, { kind: 'error' }>['reason'], string> = {
  topicNotFound: 'The topic does not exist (was it deleted?). Create it again, or close this viewer.',
  notAuthorized: 'The cluster refused access. Ask for Describe and Read on the topic (ACLs).',
  offsetOutOfRange:
    'The start offset is not in the partition (any more). Open the viewer again from the beginning or the end.',
  brokerUnreachable: 'No broker answered. Check the connection with "Kafka: Test Cluster Connection".',
  registryUnavailable:
    'The Schema Registry did not answer: values show as decode errors with their raw bytes until it is back.',
  other: 'See the Kafka Consumer Lab output (Kafka: Show Log) for details.',
};

const STATE_LABELS: Record<ViewerState['kind'], string> = {
  connecting: 'connecting',
  reading: 'reading',
  caughtUp: 'caught up',
  paused: 'paused',
  stopped: 'stopped',
  error: 'error',
};

let current: ViewerPanelState | undefined;
let lastRevision = -1;
let histogramAt = 0;
let histogramTimer: ReturnType<typeof setTimeout> | undefined;
let filterRevision = 0;

// ---- layout (built once; controls keep their focus across renders) ----

const title = h('h1', { className: 'title' });
const badge = h('span', { className: 'state-badge', role: 'status' });
const where = h('p', { className: 'where muted' });
const stateText = h('p', { className: 'viewer-state', attrs: { 'aria-live': 'polite' } });
const counts = h('p', { className: 'counts', attrs: { 'aria-label': 'Counts' } });
const pauseButton = button('Pause', { title: 'Pause or resume reading the topic', onClick: () => pauseOrResume() });
const exportButton = button('Export…', {
  title: 'Export the filtered messages to a file (JSON, NDJSON or CSV)',
  onClick: () => connection.notify(ExportNotification),
});
// read_uncommitted shows aborted transactions' records; the other level opens in a new viewer.
const isolationButton = button('Committed only', {
  className: 'isolation',
  title: 'Open this topic again reading only committed records (read_committed)',
  onClick: () =>
    connection.notify(IsolationNotification, {
      isolation: current?.isolation === 'read_committed' ? 'read_uncommitted' : 'read_committed',
    }),
});
const sortSelect = h(
  'select',
  { className: 'sort', attrs: { 'aria-label': 'Sort by' } },
  h('option', { attrs: { value: 'arrival' } }, 'Sort: as read'),
  h('option', { attrs: { value: 'time' } }, 'Sort: time'),
  h('option', { attrs: { value: 'partitionOffset' } }, 'Sort: partition, offset'),
);
sortSelect.addEventListener('change', () =>
  connection.notify(SetSortNotification, { order: sortSelect.value as SortOrder }),
);
const followBox = h('input', { className: 'follow', attrs: { type: 'checkbox', 'aria-label': 'Follow new messages' } });
followBox.addEventListener('change', () => list.setFollow(followBox.checked));
let followTouched = false;
followBox.addEventListener('change', () => (followTouched = true));

// Dead letters: counts by error type (a filter of its own, merged into the filter bar's), re-drive.
let barFilter: ViewerFilter = {};
const deadLetters = createDeadLetterBar({
  onFilter: () => applyFilter(barFilter),
  onRedrive: (params) =>
    params.scope === 'matching'
      ? connection.notify(RedriveNotification, { scope: 'matching' })
      : connection.notify(RedriveNotification, params),
});
const filters = createFilterBar({
  onChange: (filter) => {
    barFilter = filter;
    applyFilter(filter);
  },
});
const histogram = createHistogram({ onBrush: (range) => filters.setTime(range) });
const detail = createDetailPane({ connection, canReplay: () => current?.canReplay === true });

const list = createVirtualList({
  label: 'Messages',
  fetchPage: (start, count) => {
    if (!firstRowsPainted) performance.mark('kafka-lab:pageAsked');
    return connection.request(PageRequestType, { start, count }).then((page) => {
      if (!firstRowsPainted) performance.mark(page.rows.length > 0 ? 'kafka-lab:pageRows' : 'kafka-lab:pageEmpty');
      return page;
    });
  },
  onFirstRows: () => {
    firstRowsPainted = true;
    performance.mark('kafka-lab:firstRows');
  },
  renderRow,
  onSelect: (row) => {
    list.select(row.seq);
    root.dataset.selected = String(row.seq);
    deadLetters.select(row.seq);
    void detail.show(row.seq);
  },
  onMarked: (seqs) => {
    root.dataset.marked = String(seqs.length);
    deadLetters.mark(seqs);
  },
  onFollowOff: () => {
    followBox.checked = false;
    followTouched = true;
  },
});

root.replaceChildren(
  h('header', { className: 'bar' }, title, badge),
  where,
  h(
    'div',
    { className: 'toolbar', role: 'toolbar', attrs: { 'aria-label': 'Viewer' } },
    pauseButton,
    exportButton,
    isolationButton,
    sortSelect,
    h('label', { className: 'filter-check' }, followBox, ' Follow new messages'),
  ),
  stateText,
  counts,
  deadLetters.element,
  filters.element,
  histogram.element,
  h(
    'div',
    { className: 'viewer-content' },
    h('section', { className: 'list-pane', attrs: { 'aria-label': 'Message list' } }, listHeader(), list.element),
    detail.element,
  ),
);

// ---- rendering ----

function render(state: ViewerPanelState): void {
  const first = current === undefined;
  if (first) performance.mark('kafka-lab:firstState');
  current = state;
  title.replaceChildren(dataText(state.topic));
  where.replaceChildren(
    dataText(state.cluster),
    ` · ${state.partitions ? `partition${state.partitions.length === 1 ? '' : 's'} ${state.partitions.join(', ')}` : 'all partitions'} · ${state.start}`,
    ` · ${state.isolation === 'read_committed' ? 'committed records only (read_committed)' : 'all records, aborted transactions too (read_uncommitted)'}`,
  );
  const committedOnly = state.isolation === 'read_committed';
  setButtonLabel(isolationButton, committedOnly ? 'All records' : 'Committed only');
  isolationButton.title = committedOnly
    ? 'Open this topic again reading every record, those of aborted or open transactions too (read_uncommitted)'
    : 'Open this topic again reading only committed records (read_committed)';
  root.dataset.isolation = state.isolation;
  const v = state.viewer;
  badge.textContent = STATE_LABELS[v.kind] ?? v.kind;
  badge.className = `state-badge viewer-${v.kind}`;
  if (v.kind === 'error') {
    stateText.className = 'viewer-state error-text';
    stateText.replaceChildren(
      dataText(v.message),
      ' ',
      ADVICE[v.reason] ?? ADVICE.other,
      v.retrying ? ' It keeps trying and recovers by itself when the cause goes away.' : '',
    );
  } else {
    stateText.className = 'viewer-state muted';
    stateText.textContent =
      v.kind === 'connecting'
        ? 'Connecting to the cluster…'
        : v.kind === 'caughtUp'
          ? 'Caught up with the end of every partition; new messages appear as they arrive.'
          : v.kind === 'paused'
            ? 'Paused: nothing is read until you resume; the buffer stays.'
            : v.kind === 'stopped'
              ? 'Stopped.'
              : 'Reading…';
  }
  const c = state.counts;
  counts.replaceChildren(
    count('read', c.read),
    count('buffered', c.buffered),
    count('dropped', c.dropped),
    count('matched', c.matched),
  );
  const paused = v.kind === 'paused';
  setButtonLabel(pauseButton, paused ? 'Resume' : 'Pause');
  pauseButton.disabled = v.kind === 'stopped';
  if (sortSelect.value !== state.sort) sortSelect.value = state.sort;
  if (first && state.tail && !followTouched) {
    followBox.checked = true;
    list.setFollow(true);
  }
  detail.setCanReplay(state.canReplay);
  deadLetters.render(state.deadLetters, c.matched);
  root.dataset.total = String(c.matched);
  if (state.revision !== lastRevision) {
    lastRevision = state.revision;
    list.update(c.matched, state.revision);
    scheduleHistogram(false);
  }
}

function count(label: string, n: number): HTMLElement {
  return h(
    'span',
    { className: `count count-${label}` },
    h('span', { className: 'count-value' }, n.toLocaleString()),
    ` ${label}`,
  );
}

function pauseOrResume(): void {
  if (current?.viewer.kind === 'paused') connection.notify(ResumeNotification);
  else connection.notify(PauseNotification);
}

function applyFilter(filter: ViewerFilter): void {
  const mine = ++filterRevision;
  const errorTypes = deadLetters.errorTypes;
  const withTypes: ViewerFilter = errorTypes.length > 0 ? { ...filter, errorTypes: [...errorTypes] } : filter;
  connection.request(SetFilterRequest, { filter: withTypes }, { timeoutMs: 60_000 }).then(
    (result) => {
      if (mine !== filterRevision) return;
      filters.showResult(result);
      scheduleHistogram(true);
    },
    (error: unknown) => {
      if (mine !== filterRevision) return;
      filters.showResult({
        error: error instanceof RpcError || error instanceof Error ? error.message : String(error),
      });
    },
  );
}

function scheduleHistogram(now: boolean): void {
  if (histogramTimer !== undefined) {
    if (!now) return;
    clearTimeout(histogramTimer);
  }
  const wait = now ? 0 : Math.max(0, histogramAt + HISTOGRAM_INTERVAL_MS - Date.now());
  histogramTimer = setTimeout(() => {
    histogramTimer = undefined;
    histogramAt = Date.now();
    connection.request(HistogramRequest, { buckets: HISTOGRAM_BUCKETS }).then(
      (buckets) => {
        histogram.render(buckets, filters.time);
        root.dataset.histogram = String(buckets.length);
      },
      (error: unknown) => console.warn('kafka-lab viewer: the histogram failed', error),
    );
  }, wait);
}

// The root names itself for tests: the list's rendered row count is read from the DOM, not from here.
root.setAttribute('data-viewer', VIEWER_ROOT_ID);
// The host sends the first screen as soon as it has rows, maybe before this page loaded.
connection.onNotification(FirstRowsNotification, (page) => {
  performance.mark('kafka-lab:firstRowsReceived');
  list.seed(page);
});
performance.mark('kafka-lab:ready');
connection.start();
// The first rows are asked together with the first state, not after it: one round trip less.
list.prime();
