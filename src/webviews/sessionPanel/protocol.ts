/**
 * The session panel's methods, imported by both sides: the host (sessionPanel.ts) and the webview
 * (main.ts). Descriptors and small pure checks only; the wire format, validation and RPC are the
 * shared ones (../shared/protocol.ts). Everything the host sends may contain hostile strings from
 * the topic; everything the webview sends is validated before the host acts on it.
 */
import { PANEL_ACTIONS, type PanelAction, type PanelState } from '../../core/session/panelState';
import { isRunUntilCondition, type RunUntilCondition } from '../../core/session/runUntil';
import { isNoParams, isRecord, NotificationType, RequestType, type WebviewDescriptor } from '../shared/protocol';

/** The id of the webview's root element (tests find the webview frame by it). */
export const PANEL_ROOT_ID = 'kafka-lab-session-panel';

/** Keyboard shortcuts, shown in titles and aria-keyshortcuts. */
export const SHORTCUTS = {
  next: 'n',
  commit: 'c',
  skip: 's',
  retry: 'r',
  deadLetter: 'd',
  pauseResume: 'p',
  runUntil: 'u',
} as const;

/** Longest message id the host accepts (ids are member/topic/partition/offset). */
export const MAX_MESSAGE_ID = 1024;

export interface DecideParams {
  readonly messageId: string;
  readonly action: PanelAction;
}

/** What became of a decision: forwarded to the session, or why not (then the webview's buttons come back). */
export type DecideOutcome = 'decided' | 'notOnScreen' | 'alreadyDecided' | 'cancelled';
const DECIDE_OUTCOMES: readonly DecideOutcome[] = ['decided', 'notOnScreen', 'alreadyDecided', 'cancelled'];

export interface DecideResult {
  readonly outcome: DecideOutcome;
}

/** How long the webview waits for a decision's answer (a dead-letter reason is typed meanwhile). */
export const DECIDE_TIMEOUT_MS = 10 * 60_000;

/** A record to run the developer's handler on again (never committed). */
export interface ReplayParams {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface RunUntilParams {
  readonly condition: RunUntilCondition;
}

// ---- webview → host ----

/** A decision for the message on screen (the host asks for a dead-letter reason); answered once it is made, or refused. */
export const DecideRequest = new RequestType<DecideParams, DecideResult>(
  'session/decide',
  isDecideParams,
  (x): x is DecideResult => isRecord(x) && DECIDE_OUTCOMES.includes(x.outcome as DecideOutcome),
);
export const PauseNotification = new NotificationType<void>('session/pause', isNoParams);
export const ResumeNotification = new NotificationType<void>('session/resume', isNoParams);
export const RunUntilNotification = new NotificationType<RunUntilParams>(
  'session/runUntil',
  (x): x is RunUntilParams => isRecord(x) && isRunUntilCondition(x.condition),
);
export const CancelRunUntilNotification = new NotificationType<void>('session/cancelRunUntil', isNoParams);
export const ReplayNotification = new NotificationType<ReplayParams>('session/replay', isReplayParams);
/** Opens the message viewer on this record's partition, a little before its offset (reads without the group). */
export const ViewAroundNotification = new NotificationType<ReplayParams>('session/viewAround', isReplayParams);

/** What a re-drive from the panel came to: the summary in one sentence, or why nothing was sent. */
export interface RedriveResult {
  readonly outcome: 'completed' | 'failed' | 'cancelled' | 'notRedriven';
  readonly text: string;
}
const REDRIVE_OUTCOMES: ReadonlyArray<RedriveResult['outcome']> = ['completed', 'failed', 'cancelled', 'notRedriven'];
/** How long the webview waits for a re-drive (finding the dead letter, then one acknowledged write). */
export const REDRIVE_TIMEOUT_MS = 3 * 60_000;
/** Re-drive a message this session dead-lettered back to the topic it was consumed from. */
export const RedriveRequest = new RequestType<ReplayParams, RedriveResult>(
  'session/redrive',
  isReplayParams,
  (x): x is RedriveResult =>
    isRecord(x) && REDRIVE_OUTCOMES.includes(x.outcome as RedriveResult['outcome']) && typeof x.text === 'string',
);

// ---- host → webview: the shared `state` notification, with this check ----

/** The webview's check of a state (only the host posts it, but cheaply sure). */
export function isPanelState(x: unknown): x is PanelState {
  return (
    isRecord(x) &&
    typeof x.title === 'string' &&
    typeof x.state === 'string' &&
    Array.isArray(x.history) &&
    Array.isArray(x.lastCommits)
  );
}

/** The session panel, as both sides know it. */
export const SessionPanelWebview: WebviewDescriptor<PanelState> = {
  viewType: 'kafkaLab.sessionPanel',
  entry: 'sessionPanel',
  rootId: PANEL_ROOT_ID,
  label: 'Consumer session',
  loadingText: 'Waiting for the session…',
  validateState: isPanelState,
};

function isReplayParams(x: unknown): x is ReplayParams {
  // A topic name is at most 249 characters; partitions and offsets are non-negative integers.
  return (
    isRecord(x) &&
    typeof x.topic === 'string' &&
    x.topic.length > 0 &&
    x.topic.length <= 249 &&
    Number.isSafeInteger(x.partition) &&
    (x.partition as number) >= 0 &&
    Number.isSafeInteger(x.offset) &&
    (x.offset as number) >= 0
  );
}

function isDecideParams(x: unknown): x is DecideParams {
  return (
    isRecord(x) &&
    typeof x.messageId === 'string' &&
    x.messageId.length > 0 &&
    x.messageId.length <= MAX_MESSAGE_ID &&
    PANEL_ACTIONS.includes(x.action as PanelAction)
  );
}
