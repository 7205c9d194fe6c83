/**
 * The message viewer panel's methods, imported by both sides: the host (viewerPanel.ts) and the
 * webview (main.ts). Descriptors and pure checks only; the wire format, validation and RPC are the
 * shared ones (../shared/protocol.ts). Rows and details carry hostile strings from the topic; every
 * message the webview sends is validated here before the host acts on it.
 */
import type { MessageView, PayloadView } from '../../core/session/messageView';
import type { DeadLetterCounts } from '../../core/dlq/deadLetterTypes';
import type {
  HistogramBucket,
  Page,
  SortOrder,
  ViewerCounts,
  ViewerFilter,
  ViewerIsolation,
  ViewerState,
} from '../../core/viewer/types';
import { isNoParams, isRecord, NotificationType, RequestType, type WebviewDescriptor } from '../shared/protocol';

/** The id of the webview's root element (tests find the webview frame by it). */
export const VIEWER_ROOT_ID = 'kafka-lab-viewer-panel';

/** The most rows one page request may ask for (a screen is ~50; overscan included). */
export const MAX_PAGE_ROWS = 500;
/** The most histogram buckets the webview may ask for. */
export const MAX_BUCKETS = 400;
/** Longest filter text, key, header name or value, and expression the host accepts. */
export const MAX_FILTER_TEXT = 4096;
/** Longest tree path the webview may ask to copy. */
export const MAX_PATH = 16 * 1024;
/** The most partitions a filter names. */
export const MAX_FILTER_PARTITIONS = 10_000;

export const SORT_ORDERS: readonly SortOrder[] = ['arrival', 'time', 'partitionOffset'];

/** What the panel shows besides the rows: posted at most ~10 times a second. */
export interface ViewerPanelState {
  readonly title: string;
  readonly cluster: string;
  readonly topic: string;
  /** The partitions read; undefined for all. */
  readonly partitions?: readonly number[];
  /** How the viewer started, in words ("from the beginning", "last 100 per partition"). */
  readonly start: string;
  readonly viewer: ViewerState;
  readonly counts: ViewerCounts;
  readonly sort: SortOrder;
  /** Grows whenever the rows may have changed (messages read or dropped, a filter, a sort): the list asks again. */
  readonly revision: number;
  /** A running handler session reads this topic: "Replay into Handler" is offered. */
  readonly canReplay: boolean;
  /** The dead letters in the buffer by error type (core/dlq): the DLQ columns, filter and re-drive show when there are any. */
  readonly deadLetters?: DeadLetterCounts;
  /** Started at the end (live tail): the list follows new messages until scrolled up. */
  readonly tail: boolean;
  /** What this viewer reads: every record on the log, or only committed ones. */
  readonly isolation: ViewerIsolation;
}

/** The detail of one message as the shared message section shows it, with the viewer's sequence number. */
export interface DetailResult {
  readonly seq: number;
  /** Undefined when the message has left the buffer (dropped to keep the bound). */
  readonly message?: MessageView;
  /** The key's and the value's raw bytes (hex and text, bounded), whatever they decoded to. */
  readonly raw?: { readonly key: PayloadView; readonly value: PayloadView };
}

export interface PageParams {
  readonly start: number;
  readonly count: number;
}

export interface SeqParams {
  readonly seq: number;
}

export type CopyParams =
  | { readonly what: 'value' | 'key' | 'message'; readonly seq: number }
  | { readonly what: 'path'; readonly path: string };

export interface FilterParams {
  readonly filter: ViewerFilter;
}

export interface SortParams {
  readonly order: SortOrder;
}

export interface HistogramParams {
  readonly buckets: number;
}

// ---- webview → host ----

const isPage = (x: unknown): x is Page =>
  isRecord(x) && isIndex(x.start) && isIndex(x.total) && Array.isArray(x.rows) && x.rows.length <= MAX_PAGE_ROWS;

export const PageRequestType = new RequestType<PageParams, Page>(
  'viewer/page',
  (x): x is PageParams => isRecord(x) && isIndex(x.start) && isIndex(x.count) && (x.count as number) <= MAX_PAGE_ROWS,
  isPage,
);

export const DetailRequest = new RequestType<SeqParams, DetailResult>(
  'viewer/detail',
  isSeqParams,
  (x): x is DetailResult => isRecord(x) && isIndex(x.seq) && (x.message === undefined || isRecord(x.message)),
);

/** Applies a filter over the buffer (never re-reads); answered with the counts, or an error (a bad expression says where). */
export const SetFilterRequest = new RequestType<FilterParams, ViewerCounts>(
  'viewer/setFilter',
  (x): x is FilterParams => isRecord(x) && isViewerFilter(x.filter),
  (x): x is ViewerCounts => isRecord(x) && isIndex(x.matched) && isIndex(x.buffered),
);

export const HistogramRequest = new RequestType<HistogramParams, readonly HistogramBucket[]>(
  'viewer/histogram',
  (x): x is HistogramParams =>
    isRecord(x) && isIndex(x.buckets) && (x.buckets as number) >= 1 && (x.buckets as number) <= MAX_BUCKETS,
  (x): x is readonly HistogramBucket[] => Array.isArray(x),
);

export const SetSortNotification = new NotificationType<SortParams>(
  'viewer/setSort',
  (x): x is SortParams => isRecord(x) && SORT_ORDERS.includes(x.order as SortOrder),
);
export const PauseNotification = new NotificationType<void>('viewer/pause', isNoParams);
export const ResumeNotification = new NotificationType<void>('viewer/resume', isNoParams);
/** Export the filtered messages: the host asks for the format and the file. */
export const ExportNotification = new NotificationType<void>('viewer/export', isNoParams);
export const CopyNotification = new NotificationType<CopyParams>('viewer/copy', isCopyParams);
/** A group session seeked to this message's offset (the host asks for the group). */
export const StartSessionHereNotification = new NotificationType<SeqParams>('viewer/startSessionHere', isSeqParams);
/** Runs the running handler on this message again (never committed). */
export const ReplayNotification = new NotificationType<SeqParams>('viewer/replay', isSeqParams);
/** Opens the producer form filled with a copy of this message. */
export const ProduceCopyNotification = new NotificationType<SeqParams>('viewer/produceCopy', isSeqParams);

export interface IsolationParams {
  readonly isolation: ViewerIsolation;
}
/** Opens the topic again in a new viewer, read at this isolation level. */
export const IsolationNotification = new NotificationType<IsolationParams>(
  'viewer/isolation',
  (x): x is IsolationParams => isRecord(x) && (x.isolation === 'read_committed' || x.isolation === 'read_uncommitted'),
);

/** The most error types one filter names. */
export const MAX_ERROR_TYPES = 1000;

/** The most messages one "Re-drive selected" names. */
export const MAX_REDRIVE_SELECTION = 10_000;

/**
 * Re-drive dead letters: the selected ones (`seqs`, ctrl/shift-click in the list; `seq` alone for
 * one, which may be edited first in the producer form), or every one matching the filter.
 */
export type RedriveParams =
  | { readonly scope: 'selected'; readonly seq: number; readonly seqs?: readonly number[]; readonly edit?: boolean }
  | { readonly scope: 'matching' };

/** The host previews (how many, where to), asks, shows progress and the summary. */
export const RedriveNotification = new NotificationType<RedriveParams>(
  'viewer/redrive',
  (x): x is RedriveParams =>
    isRecord(x) &&
    ((x.scope === 'selected' &&
      isIndex(x.seq) &&
      (x.edit === undefined || typeof x.edit === 'boolean') &&
      (x.seqs === undefined ||
        (Array.isArray(x.seqs) &&
          x.seqs.length > 0 &&
          x.seqs.length <= MAX_REDRIVE_SELECTION &&
          x.seqs.every(isIndex)))) ||
      (x.scope === 'matching' && Object.keys(x).length === 1)),
);

// ---- host → webview ----

/**
 * The first screen of rows, sent once as soon as the buffer has any, even before the webview has
 * loaded (VS Code holds messages until it has): the list shows them without a round trip.
 */
export const FirstRowsNotification = new NotificationType<Page>('viewer/firstRows', isPage);

// ---- host → webview: the shared `state` notification, with this check ----

export function isViewerPanelState(x: unknown): x is ViewerPanelState {
  return (
    isRecord(x) &&
    typeof x.title === 'string' &&
    typeof x.topic === 'string' &&
    isRecord(x.viewer) &&
    typeof x.viewer.kind === 'string' &&
    isRecord(x.counts) &&
    SORT_ORDERS.includes(x.sort as SortOrder) &&
    isIndex(x.revision)
  );
}

/** The viewer panel, as both sides know it. */
export const ViewerPanelWebview: WebviewDescriptor<ViewerPanelState> = {
  viewType: 'kafkaLab.viewerPanel',
  entry: 'viewerPanel',
  rootId: VIEWER_ROOT_ID,
  label: 'Message viewer',
  loadingText: 'Opening the viewer…',
  validateState: isViewerPanelState,
};

// ---- checks ----

function isIndex(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isSeqParams(x: unknown): x is SeqParams {
  return isRecord(x) && isIndex(x.seq);
}

function isCopyParams(x: unknown): x is CopyParams {
  if (!isRecord(x)) return false;
  if (x.what === 'path') return typeof x.path === 'string' && x.path.length > 0 && x.path.length <= MAX_PATH;
  return (x.what === 'value' || x.what === 'key' || x.what === 'message') && isIndex(x.seq);
}

const isText = (x: unknown): x is string => typeof x === 'string' && x.length <= MAX_FILTER_TEXT;
const isOptional = <T>(x: unknown, check: (v: unknown) => v is T): boolean => x === undefined || check(x);
/** A timestamp or offset bound: a whole number (a time may be before 1970). */
const isBound = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);

function isRange(x: unknown): boolean {
  return isRecord(x) && isOptional(x.from, isBound) && isOptional(x.to, isBound);
}

/** Every field optional, every one checked; nothing else is accepted silently as a filter. */
export function isViewerFilter(x: unknown): x is ViewerFilter {
  if (!isRecord(x)) return false;
  const known = [
    'text',
    'key',
    'header',
    'partitions',
    'offsets',
    'time',
    'decodeErrorsOnly',
    'expression',
    'errorTypes',
  ];
  if (Object.keys(x).some((k) => !known.includes(k))) return false;
  if (!isOptional(x.text, isText) || !isOptional(x.expression, isText)) return false;
  if (
    x.key !== undefined &&
    !(isRecord(x.key) && isOptional(x.key.equals, isText) && isOptional(x.key.contains, isText))
  )
    return false;
  if (
    x.header !== undefined &&
    !(isRecord(x.header) && isText(x.header.name) && x.header.name.length > 0 && isOptional(x.header.equals, isText))
  )
    return false;
  if (
    x.partitions !== undefined &&
    !(
      Array.isArray(x.partitions) &&
      x.partitions.length <= MAX_FILTER_PARTITIONS &&
      x.partitions.every((p) => isIndex(p))
    )
  )
    return false;
  if (x.offsets !== undefined && !isRange(x.offsets)) return false;
  if (x.time !== undefined && !isRange(x.time)) return false;
  if (x.decodeErrorsOnly !== undefined && typeof x.decodeErrorsOnly !== 'boolean') return false;
  if (
    x.errorTypes !== undefined &&
    !(Array.isArray(x.errorTypes) && x.errorTypes.length <= MAX_ERROR_TYPES && x.errorTypes.every((t) => isText(t)))
  )
    return false;
  return true;
}
