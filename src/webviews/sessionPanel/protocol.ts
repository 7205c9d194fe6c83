/**
 * The session panel's message protocol, imported by both sides: the host (sessionPanel.ts, in the
 * extension host) and the webview (main.ts, in the browser). It holds types and small pure checks
 * only — no vscode, no DOM. Everything the webview sends is validated with `isWebviewToHost` before
 * the host acts on it; everything the host sends may contain hostile strings from the topic.
 */
import { PANEL_ACTIONS, type PanelAction, type PanelState } from '../../core/session/panelState';
import { isRunUntilCondition, type RunUntilCondition } from '../../core/session/runUntil';

// The data model lives in core (the session controller builds it); this module is the one import
// both sides of the panel need.
export type { HeaderView, MessageView, PayloadView, SchemaView, TimestampType, ViolationView } from '../../core/session/messageView';
export type { RunUntilCondition } from '../../core/session/runUntil';
export type { CommitView, HistoryDecision, HistoryEntry, PanelAction, PanelNotice, PanelSessionState, PanelState } from '../../core/session/panelState';
export { allowedControls, HISTORY_LIMIT, PANEL_ACTIONS, skipNotice } from '../../core/session/panelState';

/** The id of the webview's root element (tests find the webview frame by it). */
export const PANEL_ROOT_ID = 'kafka-lab-session-panel';

/** Keyboard shortcuts, shown in titles and aria-keyshortcuts. */
export const SHORTCUTS = { next: 'n', commit: 'c', skip: 's', retry: 'r', deadLetter: 'd', pauseResume: 'p', runUntil: 'u' } as const;

// ---- messages ----

/** `seq` grows with every state the host posts; the webview echoes the last one it rendered in the DOM. */
export type HostToWebview = { readonly type: 'state'; readonly seq: number; readonly state: PanelState };

export type WebviewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'decide'; readonly messageId: string; readonly action: PanelAction }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'runUntil'; readonly condition: RunUntilCondition }
  | { readonly type: 'cancelRunUntil' };

/** Longest message id the host accepts (ids are member/topic/partition/offset). */
export const MAX_MESSAGE_ID = 1024;

/** The host's gate for everything the webview sends: a webview is untrusted content. */
export function isWebviewToHost(x: unknown): x is WebviewToHost {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const m = x as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'pause':
    case 'resume':
    case 'cancelRunUntil':
      return true;
    case 'decide':
      return typeof m.messageId === 'string' && m.messageId.length > 0 && m.messageId.length <= MAX_MESSAGE_ID && PANEL_ACTIONS.includes(m.action as PanelAction);
    case 'runUntil':
      return isRunUntilCondition(m.condition);
    default:
      return false;
  }
}

/** The webview's check of what arrives on its message channel (only the host posts there, but cheaply sure). */
export function isHostToWebview(x: unknown): x is HostToWebview {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  const state = m.state as Record<string, unknown> | undefined;
  return m.type === 'state' && typeof m.seq === 'number' && typeof state === 'object' && state !== null && Array.isArray(state.history) && Array.isArray(state.lastCommits);
}
