import * as vscode from 'vscode';
import type { CommitPolicy } from '../core/engine/commitPolicy';
import type { SeekTarget, SessionMode } from '../core/engine/types';
import type { Logger } from '../core/logging';
import type { PanelAction } from '../core/session/panelState';
import { describeRunUntil, isRunUntilCondition, type RunUntilCondition } from '../core/session/runUntil';
import type { SessionController } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';
import type { ClusterClients } from '../platform/clusterClients';
import type { ClusterStore } from '../platform/clusterStore';
import { MemberNode, type SessionNode, SessionPartitionNode } from '../views/sessionsView';
import type { CommandTable } from './commandTable';
import { withProgress } from './progress';
import type { SessionPanels } from './sessionPanels';
import { askCommitPolicy, askDeadLetterReason, askRunUntilCondition, askSeekTarget } from './sessionPrompts';
import { startSession } from './sessionStart';
import { reachMilestone } from '../platform/walkthrough';

export interface SessionCommandDeps {
  readonly manager: SessionManager;
  readonly store: ClusterStore;
  readonly clients: ClusterClients;
  readonly panels: SessionPanels;
  readonly logger: Logger;
}

/** A session from a Sessions view node, an id (tests, other extensions), or the focused session. */
type SessionRef = string | SessionNode | MemberNode | SessionPartitionNode | undefined;

/** Consumer sessions: starting one, its panel, and the Sessions view's actions on it. */
export function sessionCommands(deps: SessionCommandDeps) {
  const controller = (ref: SessionRef): SessionController => {
    const id = typeof ref === 'string' ? ref : ref ? ref.controller.id : deps.manager.active?.id;
    const found = id ? deps.manager.get(id) : undefined;
    if (!found)
      throw new Error(
        id
          ? `Session ${id} is not running any more.`
          : 'No consumer session is running. Start one with "Kafka: Start Consumer Session".',
      );
    return found;
  };

  const decide = async (ref: SessionRef, action: PanelAction, reason?: string): Promise<void> => {
    const c = controller(ref);
    const why = action === 'deadLetter' && reason === undefined ? await askDeadLetterReason(c.current) : reason;
    if (action === 'deadLetter' && why === undefined) return;
    await c.decide(action, why === undefined ? {} : { reason: why });
    reachMilestone('decided');
  };

  const setMode = async (ref: SessionRef, mode?: SessionMode): Promise<void> => {
    const c = controller(ref);
    const chosen =
      mode ??
      (
        await vscode.window.showQuickPick(
          (['stepping', 'running', 'paused'] as const).map((m) => ({
            label: m,
            description: m === c.mode ? 'current' : undefined,
          })),
          { title: 'Session mode' },
        )
      )?.label;
    if (chosen) c.setMode(chosen);
  };

  const seek = async (
    ref: SessionRef,
    topic?: string,
    partition?: number,
    target?: SeekTarget,
  ): Promise<number | undefined> => {
    const c = controller(ref);
    const where =
      ref instanceof SessionPartitionNode
        ? { topic: ref.partition.topic, partition: ref.partition.partition }
        : topic !== undefined && partition !== undefined
          ? { topic, partition }
          : undefined;
    if (!where) throw new Error('Choose a partition in the Sessions view to seek it.');
    const chosen = target ?? (await askSeekTarget(where.topic, where.partition));
    return chosen ? c.seek(where.topic, where.partition, chosen) : undefined;
  };

  const runUntil = async (ref: SessionRef, condition?: RunUntilCondition): Promise<void> => {
    const c = controller(ref);
    if (condition !== undefined && !isRunUntilCondition(condition))
      throw new Error('That run-until condition is not valid.');
    const chosen = condition ?? (await askRunUntilCondition());
    if (!chosen) return;
    c.runUntilMatch(chosen);
    void vscode.window.setStatusBarMessage(`Kafka: running until ${describeRunUntil(chosen)}`, 3000);
  };

  return {
    'kafkaLab.startSession': (arg?: unknown) => startSession({ ...deps, openPanel: (c) => deps.panels.open(c) }, arg),
    'kafkaLab.showSessionPanel': (ref?: SessionRef) => {
      const c = controller(ref);
      deps.panels.open(c);
      return c.id;
    },
    'kafkaLab.sessionDecide': (ref: SessionRef, action: PanelAction, reason?: string) => decide(ref, action, reason),
    'kafkaLab.stepSession': (ref?: SessionRef) => decide(ref, 'next'),
    'kafkaLab.pauseSession': (ref?: SessionRef) => controller(ref).pause(),
    'kafkaLab.resumeSession': (ref?: SessionRef) => controller(ref).resume(),
    'kafkaLab.commitSessionNow': (ref?: SessionRef) => {
      const c = controller(ref);
      c.commitNow();
      void vscode.window.setStatusBarMessage(`Kafka: committed what session ${c.spec.groupId} has done`, 3000);
    },
    'kafkaLab.setSessionMode': (ref?: SessionRef, mode?: SessionMode) => setMode(ref, mode),
    'kafkaLab.setSessionCommitPolicy': async (ref?: SessionRef, policy?: CommitPolicy) => {
      const c = controller(ref);
      const chosen = policy ?? (await askCommitPolicy('Commit policy'));
      if (chosen) c.setCommitPolicy(chosen);
    },
    'kafkaLab.seekSessionPartition': (ref?: SessionRef, topic?: string, partition?: number, target?: SeekTarget) =>
      seek(ref, topic, partition, target),
    'kafkaLab.addSessionMember': (ref?: SessionRef) =>
      withProgress('Adding a member (the group rebalances)…', () => controller(ref).addMember()),
    'kafkaLab.removeSessionMember': (ref?: SessionRef) => {
      const c = controller(ref);
      return withProgress('Removing a member (it commits what is done and leaves the group)…', () =>
        c.removeMember(ref instanceof MemberNode ? ref.member.id : undefined),
      );
    },
    'kafkaLab.runSessionUntil': (ref?: SessionRef, condition?: RunUntilCondition) => runUntil(ref, condition),
    'kafkaLab.stopSession': async (ref?: SessionRef) => {
      const c = controller(ref);
      await withProgress(`Stopping session ${c.spec.groupId} (committing what is done)…`, () =>
        deps.manager.stop(c.id),
      );
      deps.panels.close(c.id);
    },
  } satisfies Partial<CommandTable>;
}
