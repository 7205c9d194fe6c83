import type * as vscode from 'vscode';
import type { Logger } from '../../core/logging';
import { GenerateError } from '../../core/produce/generateErrors';
import { describeGeneratedSummary, type ProduceGeneratedSummary } from '../../core/produce/generateProduce';
import type { RecordGenerator } from '../../core/produce/generateRecords';
import type { FieldProblem, PayloadInput } from '../../core/produce/payloadForms';
import type { ProduceOutcome, ProduceRequest } from '../../core/produce/produceService';
import { WebviewPanelHost } from '../shared/panelHost';
import {
  CancelGeneratedNotification,
  CreateTopicNotification,
  GenerateRequest,
  type GenerateResult,
  type GenerationState,
  ProduceGeneratedNotification,
  type ProduceGeneratedParams,
  type ProducerDraft,
  type ProducerPanelState,
  ProducerPanelWebview,
  SendRequest,
  type SendResult,
  ValidateRequest,
  ViewInViewerNotification,
} from './protocol';

/** A generator for the form's value, with the schema it was built for. */
export interface FormGenerator extends RecordGenerator {
  readonly subject: string;
  readonly version: number;
  /** The value's payload form as generated: the schema form with the choice that was used. */
  readonly value: PayloadInput;
}

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
  /**
   * A generator for the draft's value: its schema choice, or the topic's value subject (latest)
   * when the value is not in the schema form. Throws GenerateError when it cannot generate.
   */
  generator(value: PayloadInput, seed: number | undefined): Promise<FormGenerator>;
  /** Produce N: the request's key, headers and partition with generated values. */
  produceGenerated(
    request: ProduceRequest,
    generator: RecordGenerator,
    run: {
      readonly count: number;
      readonly ratePerSecond?: number;
      readonly signal: AbortSignal;
      readonly onProgress: (progress: { generated: number; sent: number; failed: number }) => void;
    },
  ): Promise<ProduceGeneratedSummary>;
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
  /** The last Produce N's summary (tests read it). */
  lastGenerated: ProduceGeneratedSummary | undefined;
  private generation: GenerationState | undefined;
  private generationRuns = 0;
  private running: AbortController | undefined;

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
        ...(this.generation ? { generation: this.generation } : {}),
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
    this.host.onRequest(GenerateRequest, ({ draft, seed }) => this.generateOne(draft, seed));
    this.host.onNotification(ProduceGeneratedNotification, (params) => this.produceGenerated(params));
    this.host.onNotification(CancelGeneratedNotification, () => this.running?.abort());
    this.host.onDidDispose(() => this.running?.abort());
    void this.refreshPartitions();
  }

  /** The current Produce N, or the last one (tests read it). */
  get generationState(): GenerationState | undefined {
    return this.generation;
  }

  private async generateOne(draft: ProducerDraft, seed: number | undefined): Promise<GenerateResult> {
    try {
      const generator = await this.options.generator(draft.value, seed);
      return {
        ok: true,
        value: { ...generator.value, text: JSON.stringify(generator.next(), null, 2) },
        seed: generator.seed,
        subject: generator.subject,
        version: generator.version,
      };
    } catch (error) {
      if (error instanceof GenerateError) return { ok: false, message: error.message, reason: error.reason };
      throw error;
    }
  }

  /** Produce N, one run at a time per form: progress in the state, then the exact summary. */
  async produceGenerated(params: ProduceGeneratedParams): Promise<void> {
    if (this.running) return;
    const controller = new AbortController();
    this.running = controller;
    const base = {
      run: ++this.generationRuns,
      requested: params.count,
      generated: 0,
      sent: 0,
      failed: 0,
    };
    this.setGeneration({ ...base, phase: 'loading' });
    let last = { generated: 0, sent: 0, failed: 0 };
    try {
      const generator = await this.options.generator(params.draft.value, params.seed);
      const identity = { seed: generator.seed, subject: generator.subject, version: generator.version };
      this.setGeneration({ ...base, ...identity, phase: 'running' });
      const summary = await this.options.produceGenerated(
        this.requestOf({ ...params.draft, value: generator.value }),
        generator,
        {
          count: params.count,
          ...(params.ratePerSecond !== undefined ? { ratePerSecond: params.ratePerSecond } : {}),
          signal: controller.signal,
          onProgress: (progress) => {
            last = progress;
            this.setGeneration({ ...base, ...identity, phase: 'running', ...progress });
          },
        },
      );
      this.lastGenerated = summary;
      this.setGeneration({
        ...base,
        ...identity,
        phase: summary.outcome,
        generated: summary.attempted,
        sent: summary.sent,
        failed: summary.failed,
        message: describeGeneratedSummary(summary),
        partitions: summary.partitions,
      });
      this.options.logger?.info(
        `Produce N to ${this.options.topic}: ${describeGeneratedSummary(summary)}${summary.partitions
          .map((p) => ` partition ${p.partition}: ${p.count} records, offsets ${p.firstOffset}–${p.lastOffset}.`)
          .join('')}`,
      );
    } catch (error) {
      const message =
        error instanceof GenerateError
          ? error.message
          : `Produce N failed after ${last.sent} acknowledged record(s): ${error instanceof Error ? error.message : String(error)}. Check the Kafka Consumer Lab log, then try again.`;
      this.setGeneration({ ...base, ...last, phase: 'failed', message });
      if (!(error instanceof GenerateError)) this.options.logger?.error(message);
    } finally {
      this.running = undefined;
    }
  }

  private setGeneration(state: GenerationState): void {
    this.generation = state;
    this.host.invalidate();
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
    this.running?.abort();
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
