/**
 * The producer panel's methods, imported by both sides (producerPanel.ts and main.ts). The form's
 * record is validated here before the host acts on it; the host validates and encodes it again
 * against the schema (the webview is untrusted).
 */
import {
  type FieldProblem,
  PAYLOAD_FORMS,
  type PayloadForm,
  type PayloadInput,
  SCHEMA_FORMATS,
  type SchemaChoice,
  SUBJECT_STRATEGIES,
} from '../../core/produce/payloadForms';
import { MAX_GENERATE_COUNT, MAX_GENERATE_RATE } from '../../core/produce/generateLimits';
import { isRecord, NotificationType, RequestType, type WebviewDescriptor } from '../shared/protocol';

export const PRODUCER_ROOT_ID = 'kafka-lab-producer-panel';
/** A key or value typed in the form: at most this many characters. */
export const MAX_PAYLOAD_CHARS = 16 * 1024 * 1024;
export const MAX_HEADERS = 1000;
/** Sending waits for the broker's acknowledgement (bounded by the delivery timeout). */
export const SEND_TIMEOUT_MS = 120_000;

/** What the form holds; sent as is to validate or send. */
export interface ProducerDraft {
  readonly partition?: number;
  readonly key: PayloadInput;
  readonly value: PayloadInput;
  readonly headers: ReadonlyArray<{ readonly key: string; readonly value: string }>;
  readonly timestamp?: string;
}

export interface ProducerPanelState {
  readonly clusterName: string;
  readonly topic: string;
  /** Undefined until metadata answered (or when the topic does not exist). */
  readonly partitions?: number;
  readonly hasRegistry: boolean;
  /** "acks=all · idempotent · lz4 · linger 5 ms · retries 10". */
  readonly settings: string;
  /** A draft the form takes over (Produce Copy, generated values); its `seq` changes each time. */
  readonly prefill?: { readonly seq: number; readonly draft: ProducerDraft; readonly note?: string };
  /** The last (or running) Produce N: its progress, then its exact summary. */
  readonly generation?: GenerationState;
}

export type GenerationPhase = 'loading' | 'running' | 'complete' | 'stopped' | 'cancelled' | 'failed';
export const GENERATION_PHASES: readonly GenerationPhase[] = [
  'loading',
  'running',
  'complete',
  'stopped',
  'cancelled',
  'failed',
];

export interface GenerationState {
  /** Increases with each Produce N of this panel. */
  readonly run: number;
  readonly phase: GenerationPhase;
  readonly requested: number;
  /** Generated and handed to the producer. */
  readonly generated: number;
  /** Acknowledged by the broker. */
  readonly sent: number;
  readonly failed: number;
  readonly seed?: number;
  readonly subject?: string;
  readonly version?: number;
  /** The summary sentence when it ended, or what went wrong and what to do. */
  readonly message?: string;
  readonly partitions?: ReadonlyArray<{
    readonly partition: number;
    readonly count: number;
    readonly firstOffset: number;
    readonly lastOffset: number;
  }>;
}

/** Generate: one random valid value for the value's schema (the topic's value subject when none is chosen). */
export interface GenerateParams {
  readonly draft: ProducerDraft;
  readonly seed?: number;
}

export type GenerateResult =
  | {
      readonly ok: true;
      /** The value as pretty JSON, with the schema choice it was generated for. */
      readonly value: PayloadInput;
      readonly seed: number;
      readonly subject: string;
      readonly version: number;
    }
  | { readonly ok: false; readonly message: string; readonly reason: string };

/** Produce N: count generated values through the form's schema; the progress and summary come in the state. */
export interface ProduceGeneratedParams {
  readonly draft: ProducerDraft;
  readonly count: number;
  readonly seed?: number;
  readonly ratePerSecond?: number;
}

export type SendResult =
  | {
      readonly ok: true;
      readonly partition: number;
      readonly offset: number;
      readonly timestamp?: number;
      readonly valueSchema?: { readonly id: number; readonly subject?: string };
    }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

export interface ValidateResult {
  readonly problems: readonly FieldProblem[];
}

// ---- webview → host ----

export const SendRequest = new RequestType<ProducerDraft, SendResult>('producer/send', isProducerDraft, isSendResult);
export const ValidateRequest = new RequestType<ProducerDraft, ValidateResult>(
  'producer/validate',
  isProducerDraft,
  (x): x is ValidateResult => isRecord(x) && Array.isArray(x.problems),
);
export const GenerateRequest = new RequestType<GenerateParams, GenerateResult>(
  'producer/generate',
  (x): x is GenerateParams => isRecord(x) && isProducerDraft(x.draft) && isSeed(x.seed),
  isGenerateResult,
);
export const ProduceGeneratedNotification = new NotificationType<ProduceGeneratedParams>(
  'producer/produceGenerated',
  isProduceGeneratedParams,
);
export const CancelGeneratedNotification = new NotificationType<void>(
  'producer/cancelGenerated',
  (x): x is void => x === undefined || isRecord(x),
);
/** Opens the message viewer around a record the form sent. */
export interface ViewInViewerParams {
  readonly partition: number;
  readonly offset: number;
}
export const ViewInViewerNotification = new NotificationType<ViewInViewerParams>(
  'producer/viewInViewer',
  (x): x is ViewInViewerParams =>
    isRecord(x) &&
    Number.isSafeInteger(x.partition) &&
    (x.partition as number) >= 0 &&
    Number.isSafeInteger(x.offset) &&
    (x.offset as number) >= 0,
);
/** The topic does not exist: the host offers to create it. */
export const CreateTopicNotification = new NotificationType<void>(
  'producer/createTopic',
  (x): x is void => x === undefined || isRecord(x),
);

export const ProducerPanelWebview: WebviewDescriptor<ProducerPanelState> = {
  viewType: 'kafkaLab.producerPanel',
  entry: 'producerPanel',
  rootId: PRODUCER_ROOT_ID,
  label: 'Produce message',
  loadingText: 'Opening the producer…',
  validateState: isProducerPanelState,
};

// ---- checks ----

export function isProducerPanelState(x: unknown): x is ProducerPanelState {
  return (
    isRecord(x) &&
    typeof x.clusterName === 'string' &&
    typeof x.topic === 'string' &&
    typeof x.hasRegistry === 'boolean' &&
    typeof x.settings === 'string' &&
    (x.partitions === undefined || Number.isSafeInteger(x.partitions)) &&
    (x.prefill === undefined ||
      (isRecord(x.prefill) && Number.isSafeInteger(x.prefill.seq) && isProducerDraft(x.prefill.draft))) &&
    (x.generation === undefined || isGenerationState(x.generation))
  );
}

const isCount = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;

function isGenerationState(x: unknown): x is GenerationState {
  return (
    isRecord(x) &&
    Number.isSafeInteger(x.run) &&
    GENERATION_PHASES.includes(x.phase as GenerationPhase) &&
    isCount(x.requested) &&
    isCount(x.generated) &&
    isCount(x.sent) &&
    isCount(x.failed) &&
    isSeed(x.seed) &&
    (x.subject === undefined || typeof x.subject === 'string') &&
    (x.version === undefined || Number.isSafeInteger(x.version)) &&
    (x.message === undefined || typeof x.message === 'string') &&
    (x.partitions === undefined ||
      (Array.isArray(x.partitions) &&
        x.partitions.every(
          (p: unknown) =>
            isRecord(p) && isCount(p.partition) && isCount(p.count) && isCount(p.firstOffset) && isCount(p.lastOffset),
        )))
  );
}

/** A seed: absent, or a whole number from 0 to 2^53 - 1. */
export function isSeed(x: unknown): x is number | undefined {
  return x === undefined || (Number.isSafeInteger(x) && (x as number) >= 0);
}

export function isGenerateCount(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 1 && (x as number) <= MAX_GENERATE_COUNT;
}

export function isGenerateRate(x: unknown): x is number | undefined {
  return x === undefined || (typeof x === 'number' && Number.isFinite(x) && x > 0 && x <= MAX_GENERATE_RATE);
}

function isProduceGeneratedParams(x: unknown): x is ProduceGeneratedParams {
  return (
    isRecord(x) &&
    isProducerDraft(x.draft) &&
    isGenerateCount(x.count) &&
    isSeed(x.seed) &&
    isGenerateRate(x.ratePerSecond)
  );
}

function isGenerateResult(x: unknown): x is GenerateResult {
  if (!isRecord(x)) return false;
  if (x.ok === true)
    return (
      isPayloadInput(x.value) && isSeed(x.seed) && typeof x.subject === 'string' && Number.isSafeInteger(x.version)
    );
  return x.ok === false && typeof x.message === 'string' && typeof x.reason === 'string';
}

function isSchemaChoice(x: unknown): x is SchemaChoice {
  if (!isRecord(x)) return false;
  const optionalName = (v: unknown): boolean => v === undefined || (typeof v === 'string' && v.length <= 1000);
  return (
    SCHEMA_FORMATS.includes(x.format as SchemaChoice['format']) &&
    SUBJECT_STRATEGIES.includes(x.strategy as SchemaChoice['strategy']) &&
    (x.version === 'latest' || (Number.isSafeInteger(x.version) && (x.version as number) > 0)) &&
    optionalName(x.recordName) &&
    optionalName(x.subject) &&
    optionalName(x.messageType)
  );
}

function isPayloadInput(x: unknown): x is PayloadInput {
  return (
    isRecord(x) &&
    PAYLOAD_FORMS.includes(x.form as PayloadForm) &&
    typeof x.text === 'string' &&
    x.text.length <= MAX_PAYLOAD_CHARS &&
    (x.form !== 'schema' || isSchemaChoice(x.schema))
  );
}

export function isProducerDraft(x: unknown): x is ProducerDraft {
  return (
    isRecord(x) &&
    (x.partition === undefined || (Number.isSafeInteger(x.partition) && (x.partition as number) >= 0)) &&
    isPayloadInput(x.key) &&
    isPayloadInput(x.value) &&
    Array.isArray(x.headers) &&
    x.headers.length <= MAX_HEADERS &&
    x.headers.every(
      (h: unknown) => isRecord(h) && typeof h.key === 'string' && typeof h.value === 'string' && h.key.length <= 10_000,
    ) &&
    (x.timestamp === undefined || (typeof x.timestamp === 'string' && x.timestamp.length <= 100))
  );
}

function isSendResult(x: unknown): x is SendResult {
  if (!isRecord(x)) return false;
  if (x.ok === true) return Number.isSafeInteger(x.partition) && Number.isSafeInteger(x.offset);
  return x.ok === false && Array.isArray(x.problems);
}
