import * as vscode from 'vscode';
import type { KafkaRecord } from '../../core/kafka/record';
import type { Logger } from '../../core/logging';
import type { TimestampType } from '../../core/session/messageView';
import type { SortOrder, ViewerFilter, ViewerIsolation } from '../../core/viewer/types';
import type { MessageViewer } from '../../core/viewer/viewerApi';
import { WebviewPanelHost } from '../shared/panelHost';
import { messageJson, payloadJsonText, rawBytesView, toDetailMessageView } from './detailView';
import {
  type CopyParams,
  CopyNotification,
  DetailRequest,
  ExportNotification,
  FirstRowsNotification,
  HistogramRequest,
  PageRequestType,
  PauseNotification,
  RedriveNotification,
  type RedriveParams,
  ProduceCopyNotification,
  ReplayNotification,
  ResumeNotification,
  SetFilterRequest,
  SetSortNotification,
  StartSessionHereNotification,
  IsolationNotification,
  type ViewerPanelState,
  ViewerPanelWebview,
} from './protocol';

/** At most ~10 repaints a second, however fast the topic is (one throttle: the panel host's). */
export const VIEWER_POST_INTERVAL_MS = 100;
/** Rows in the first screen sent unasked (a screen and its overscan). */
const FIRST_ROWS = 60;

/** What the panel asks its owner (the commands) to do for a message of this viewer. */
export interface ViewerPanelActions {
  /** Asks the format and the file, then streams the filtered messages there. */
  exportMessages(panel: ViewerPanel): Promise<unknown>;
  startSessionHere(record: KafkaRecord): Promise<unknown>;
  replayIntoHandler(record: KafkaRecord): Promise<unknown>;
  /** Opens the producer form with a copy of the message (Produce Copy…). */
  produceCopy(record: KafkaRecord): Promise<unknown>;
  /** Is a handler session running on this topic (Replay into Handler is offered then)? */
  canReplay(topic: string): boolean;
  /** Re-drives dead letters of this viewer (commands/dlqCommands.ts): preview, progress, summary. */
  redrive?(panel: ViewerPanel, params: RedriveParams): Promise<unknown>;
  /** Opens the same topic again, read at this isolation level (a new viewer); answers its id. */
  reopenWithIsolation?(isolation: ViewerIsolation): Promise<string>;
}

export interface ViewerPanelOptions {
  readonly extensionUri: vscode.Uri;
  readonly viewer: MessageViewer;
  readonly clusterId: string;
  readonly clusterName: string;
  /** How the viewer started, in words. */
  readonly startText: string;
  /** The topic's timestamp type; asked of the cluster while the panel opens (a detail waits for it). */
  readonly timestampType?: TimestampType | Promise<TimestampType>;
  readonly actions: ViewerPanelActions;
  readonly logger?: Logger;
  readonly viewColumn?: vscode.ViewColumn;
}

let nextPanelId = 1;
/** The longest ingest eases off for a loading page (it usually says ready in 0.3 to 1 s). */
const EASE_WHILE_LOADING_MS = 1_500;

/**
 * One message viewer tab, host side: it owns its MessageViewer (closing the tab stops it, freeing
 * its consumer and its buffer), posts the viewer's state and counts (throttled), and answers the
 * webview's page, detail, filter and histogram requests from the viewer's buffer.
 */
export class ViewerPanel implements vscode.Disposable {
  /** Unique per panel (several viewers of one topic may be open). */
  readonly id = `viewer-${nextPanelId++}`;
  readonly host: WebviewPanelHost<ViewerPanelState>;
  private revision = 0;
  private sort: SortOrder = 'arrival';
  private filterValue: ViewerFilter = {};
  private lastCounts = '';
  private firstRowsSent = false;
  private readonly subscription: { dispose(): void };
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: ViewerPanelOptions) {
    const { viewer } = options;
    this.host = new WebviewPanelHost<ViewerPanelState>({
      descriptor: ViewerPanelWebview,
      title: this.title,
      extensionUri: options.extensionUri,
      source: () => this.snapshot(),
      titleOf: (state) => state.title,
      postIntervalMs: VIEWER_POST_INTERVAL_MS,
      // A hidden viewer keeps its scroll position and selection (its rows live in the host anyway).
      retainContextWhenHidden: true,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.viewColumn !== undefined ? { viewColumn: options.viewColumn } : {}),
    });
    this.subscription = viewer.onChange(({ counts }) => {
      if (!this.firstRowsSent && counts.matched > 0) this.sendFirstRows();
      const key = `${counts.read}/${counts.dropped}/${counts.matched}/${counts.buffered}`;
      if (key !== this.lastCounts) {
        this.lastCounts = key;
        this.revision++;
      }
      this.host.invalidate();
    });
    const opening = viewer.opening;
    opening?.mark('panel');
    const ready = this.host.whenReady();
    ready.then(
      () => opening?.mark('ready'),
      () => undefined, // closed before it loaded, or never loaded: the panel host logs nothing more to add
    );
    // While the page loads, a big topic's decoding leaves it half the CPU (its first rows are already on the way).
    viewer.easeIngestUntil(ready, EASE_WHILE_LOADING_MS);
    this.host.onRequest(PageRequestType, (p) => {
      const page = viewer.page(p);
      if (opening && opening.at('firstRows') === undefined) {
        opening.mark('firstPageAsked');
        if (page.rows.length > 0) {
          opening.mark('firstRows');
          options.logger?.debug(`viewer of ${viewer.options.topic}: first rows after ${opening.describe()}`);
        }
      }
      return page;
    });
    this.host.onRequest(DetailRequest, async ({ seq }) => {
      const timestampType = await options.timestampType;
      const detail = viewer.detail(seq);
      return detail
        ? {
            seq,
            message: toDetailMessageView(detail, timestampType),
            raw: { key: rawBytesView(detail.key), value: rawBytesView(detail.value) },
          }
        : { seq };
    });
    this.host.onRequest(SetFilterRequest, async ({ filter }) => {
      const counts = await viewer.setFilter(filter);
      this.filterValue = filter;
      this.changed();
      return counts;
    });
    this.host.onRequest(HistogramRequest, ({ buckets }) => viewer.histogram({ buckets }));
    this.host.onNotification(SetSortNotification, ({ order }) => {
      viewer.setSort(order);
      this.sort = order;
      this.changed();
    });
    this.host.onNotification(PauseNotification, () => {
      viewer.pause();
      this.host.invalidate();
    });
    this.host.onNotification(ResumeNotification, () => {
      viewer.resume();
      this.host.invalidate();
    });
    this.host.onNotification(ExportNotification, () => options.actions.exportMessages(this));
    this.host.onNotification(CopyNotification, (p) => this.copy(p));
    this.host.onNotification(StartSessionHereNotification, ({ seq }) =>
      options.actions.startSessionHere(this.record(seq)),
    );
    this.host.onNotification(ReplayNotification, ({ seq }) => options.actions.replayIntoHandler(this.record(seq)));
    this.host.onNotification(ProduceCopyNotification, ({ seq }) => options.actions.produceCopy(this.record(seq)));
    this.host.onNotification(RedriveNotification, (p) => options.actions.redrive?.(this, p));
    this.host.onNotification(IsolationNotification, ({ isolation }) =>
      options.actions.reopenWithIsolation?.(isolation),
    );
    this.host.onDidDispose(() => void this.stop());
  }

  /** The first rows go to the webview as soon as there are any; it may not have loaded yet (VS Code holds them). */
  private sendFirstRows(): void {
    this.firstRowsSent = true;
    const page = this.options.viewer.page({ start: 0, count: FIRST_ROWS });
    if (page.rows.length === 0) return;
    this.host.notify(FirstRowsNotification, page);
    this.options.viewer.opening?.mark('firstRowsSent');
  }

  get clusterId(): string {
    return this.options.clusterId;
  }

  get viewer(): MessageViewer {
    return this.options.viewer;
  }

  /** The filter the webview last applied (exports write what it matches). */
  get filter(): ViewerFilter {
    return this.filterValue;
  }

  get title(): string {
    const { topic, partitions } = this.options.viewer.options;
    return `View: ${topic}${partitions?.length === 1 ? ` [${partitions[0]}]` : ''}`;
  }

  get isDisposed(): boolean {
    return this.host.isDisposed;
  }

  readonly onDidDispose = (listener: () => void): vscode.Disposable => this.host.onDidDispose(listener);

  reveal(): void {
    this.host.reveal();
  }

  /** Resolves once the viewer has stopped (its consumer closed); the same promise every time. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.subscription.dispose();
      try {
        await this.options.viewer.stop();
      } catch (error) {
        this.options.logger?.warn(`viewer of ${this.options.viewer.options.topic}: stopping failed`, error);
      }
    })();
    return this.stopped;
  }

  dispose(): void {
    this.host.dispose();
    void this.stop();
  }

  private changed(): void {
    this.revision++;
    this.host.invalidate();
  }

  private snapshot(): ViewerPanelState {
    const { viewer } = this.options;
    const { topic, partitions } = viewer.options;
    return {
      title: this.title,
      cluster: this.options.clusterName,
      topic,
      ...(partitions ? { partitions: [...partitions] } : {}),
      start: this.options.startText,
      viewer: viewer.state,
      counts: viewer.counts,
      sort: this.sort,
      revision: this.revision,
      canReplay: this.options.actions.canReplay(topic),
      ...deadLettersOf(viewer),
      tail: viewer.options.start.kind === 'end',
      isolation: viewer.options.isolation ?? 'read_uncommitted',
    };
  }

  /** The stored record of a row (a copy), or an error that says why it is gone. */
  record(seq: number): KafkaRecord {
    const record = this.options.viewer.record(seq);
    if (!record)
      throw new Error(
        'That message has left the viewer’s buffer (the oldest are dropped to keep the bound). Select a newer one, or raise kafkaLab.viewer.capacity.',
      );
    return record;
  }

  private async copy(params: CopyParams): Promise<void> {
    let text: string;
    if (params.what === 'path') text = params.path;
    else {
      const detail = this.options.viewer.detail(params.seq);
      if (!detail) throw new Error('That message has left the viewer’s buffer; select it again.');
      text =
        params.what === 'message'
          ? messageJson(detail)
          : payloadJsonText(params.what === 'key' ? detail.key : detail.value);
    }
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(
      `Kafka: copied the ${params.what === 'path' ? 'path' : params.what === 'message' ? 'message' : params.what} to the clipboard`,
      3000,
    );
  }
}

/** The dead-letter counts, only when the buffer holds any (an ordinary topic's state stays as it was). */
function deadLettersOf(viewer: MessageViewer): Pick<ViewerPanelState, 'deadLetters'> {
  const counts = viewer.deadLetterCounts();
  return counts.deadLetters > 0 ? { deadLetters: counts } : {};
}
