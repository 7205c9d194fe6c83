import type * as vscode from 'vscode';
import type { Logger } from '../../core/logging';
import type { FieldProblem } from '../../core/produce/payloadForms';
import type { ProduceOutcome, ProduceRequest } from '../../core/produce/produceService';
import { WebviewPanelHost } from '../shared/panelHost';
import {
  CreateTopicNotification,
  type ProducerDraft,
  type ProducerPanelState,
  ProducerPanelWebview,
  SendRequest,
  type SendResult,
  ValidateRequest,
  ViewInViewerNotification,
} from './protocol';

export interface ProducerPanelOptions {
  readonly extensionUri: vscode.Uri;
  readonly clusterName: string;
  readonly topic: string;
  readonly hasRegistry: boolean;
  readonly settings: string;
  /** Checks and encodes without sending. */
  validate(request: ProduceRequest): Promise<readonly FieldProblem[]>;
  send(request: ProduceRequest): Promise<ProduceOutcome>;
  /** The topic's partition count; undefined when it does not exist (yet). */
  partitions(): Promise<number | undefined>;
  /** Opens the message viewer around a record of this topic. */
  viewInViewer(partition: number, offset: number): Promise<unknown>;
  /** Asks to create the missing topic; true once it exists. */
  createTopic(): Promise<boolean>;
  readonly logger?: Logger;
}

/**
 * The producer form, host side: one panel per cluster and topic, on the shared panel host (strict
 * CSP page, validated messages). What is its own: a draft becomes a ProduceRequest for this topic
 * only, and the last outcome is kept for the tests and the output log.
 */
export class ProducerPanel implements vscode.Disposable {
  readonly host: WebviewPanelHost<ProducerPanelState>;
  private partitionCount: number | undefined;
  private prefill: ProducerPanelState['prefill'];
  private prefillSeq = 0;
  /** The last send's outcome (tests read it). */
  lastOutcome: ProduceOutcome | undefined;

  constructor(private readonly options: ProducerPanelOptions) {
    this.host = new WebviewPanelHost<ProducerPanelState>({
      descriptor: ProducerPanelWebview,
      title: `Produce: ${options.topic}`,
      extensionUri: options.extensionUri,
      source: () => ({
        clusterName: options.clusterName,
        topic: options.topic,
        ...(this.partitionCount !== undefined ? { partitions: this.partitionCount } : {}),
        hasRegistry: options.hasRegistry,
        settings: options.settings,
        ...(this.prefill ? { prefill: this.prefill } : {}),
      }),
      retainContextWhenHidden: true,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.host.onRequest(ValidateRequest, async (draft) => ({
      problems: await options.validate(this.requestOf(draft)),
    }));
    this.host.onRequest(SendRequest, (draft) => this.send(draft));
    this.host.onNotification(ViewInViewerNotification, ({ partition, offset }) =>
      options.viewInViewer(partition, offset),
    );
    this.host.onNotification(CreateTopicNotification, async () => {
      if (await options.createTopic()) await this.refreshPartitions();
    });
    void this.refreshPartitions();
  }

  /** Puts a draft into the form (Produce Copy); the webview takes it over on its next state. */
  fill(draft: ProducerDraft, note?: string): void {
    this.prefill = { seq: ++this.prefillSeq, draft, ...(note ? { note } : {}) };
    this.host.invalidate();
  }

  async refreshPartitions(): Promise<void> {
    this.partitionCount = await this.options.partitions().catch(() => undefined);
    this.host.invalidate();
  }

  get isDisposed(): boolean {
    return this.host.isDisposed;
  }

  readonly onDidDispose = (listener: () => void): vscode.Disposable => this.host.onDidDispose(listener);

  reveal(): void {
    this.host.reveal();
  }

  dispose(): void {
    this.host.dispose();
  }

  private requestOf(draft: ProducerDraft): ProduceRequest {
    return {
      topic: this.options.topic,
      ...(draft.partition !== undefined ? { partition: draft.partition } : {}),
      key: draft.key,
      value: draft.value,
      headers: draft.headers,
      ...(draft.timestamp?.trim() ? { timestamp: draft.timestamp.trim() } : {}),
    };
  }

  private async send(draft: ProducerDraft): Promise<SendResult> {
    const outcome = await this.options.send(this.requestOf(draft));
    this.lastOutcome = outcome;
    if (!outcome.ok) return { ok: false, problems: outcome.problems };
    const { delivered, value } = outcome;
    return {
      ok: true,
      partition: delivered.partition,
      offset: delivered.offset,
      ...(delivered.timestamp !== undefined ? { timestamp: delivered.timestamp } : {}),
      ...(value?.schema
        ? { valueSchema: { id: value.schema.id, ...(value.subject ? { subject: value.subject } : {}) } }
        : {}),
    };
  }
}
