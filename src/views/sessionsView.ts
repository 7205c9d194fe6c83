import * as vscode from 'vscode';
import { describeTransaction } from '../core/engine/transactionView';
import type { MemberSnapshot, PartitionLag, PartitionSnapshot } from '../core/engine/types';
import type { SessionController, TimelineEntry } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';

type Node = SessionNode | MemberNode | SessionPartitionNode | TimelineNode | TimelineEventNode | SessionInfoNode;

const STATE_ICONS: Record<string, string> = {
  starting: 'loading~spin',
  stepping: 'debug-step-over',
  running: 'play',
  paused: 'debug-pause',
  rebalancing: 'sync~spin',
  stopping: 'loading~spin',
  stopped: 'debug-stop',
  error: 'error',
};

export class SessionNode extends vscode.TreeItem {
  readonly kind = 'session';
  constructor(readonly controller: SessionController) {
    super(controller.spec.groupId, vscode.TreeItemCollapsibleState.Expanded);
    const state = controller.state;
    const lag = controller.totalLag();
    const members = controller.snapshot().members.length;
    this.id = `session:${controller.id}`;
    this.contextValue = `kafkaLab.session.${state === 'paused' ? 'paused' : 'live'}`;
    const protocol = controller.groupProtocol === 'consumer' ? ' · KIP-848' : '';
    this.description = `${state}${protocol} · ${controller.spec.clusterName} · ${controller.spec.topics.join(', ')}${lag === undefined ? '' : ` · lag ${lag}`}`;
    this.iconPath = new vscode.ThemeIcon(
      STATE_ICONS[state] ?? 'circle-outline',
      state === 'error' ? new vscode.ThemeColor('errorForeground') : undefined,
    );
    const policy = controller.commitPolicy;
    this.tooltip = new vscode.MarkdownString(
      [
        `**Consumer session ${controller.id}**`,
        `Group: \`${controller.spec.groupId}\` on ${controller.spec.clusterName}`,
        `Topics: ${controller.spec.topics.map((t) => `\`${t}\``).join(', ')}`,
        `State: ${state} · ${members} member(s)`,
        `Group protocol: ${groupProtocolText(controller)}`,
        `Commit policy: ${policy.kind === 'perMessage' ? 'per message' : `batch of ${policy.maxMessages ?? '∞'} messages or ${policy.maxIntervalMs ?? '∞'} ms`}`,
      ].join('\n\n'),
    );
    this.command = { command: 'kafkaLab.showSessionPanel', title: 'Show Session Panel', arguments: [controller.id] };
  }
}

/** The protocol the session joined with, and the group's type as the broker described it. */
function groupProtocolText(controller: SessionController): string {
  const chosen = controller.groupProtocol === 'consumer' ? 'consumer (KIP-848, incremental)' : 'classic';
  const reported = controller.reportedGroupType;
  return reported ? `${chosen} · the broker describes a ${reported} group` : chosen;
}

export class MemberNode extends vscode.TreeItem {
  readonly kind = 'member';
  constructor(
    readonly controller: SessionController,
    readonly member: MemberSnapshot,
  ) {
    const idle = member.state === 'idle' || (member.state === 'active' && member.partitions.length === 0);
    super(
      member.id,
      member.partitions.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    this.id = `session:${controller.id}/member:${member.id}`;
    this.contextValue = 'kafkaLab.sessionMember';
    this.description = idle
      ? 'idle: no partition assigned (more members than partitions)'
      : member.state === 'joining'
        ? 'joining the group…'
        : `${member.partitions.length} partition${member.partitions.length === 1 ? '' : 's'}`;
    // Exactly-once: the transactional id and the open transaction (messages, outputs, age).
    if (member.transaction) {
      const line = describeTransaction(member.transaction, Date.now());
      this.description = `${String(this.description)} · ${line}`;
      this.tooltip = `exactly-once: ${line}`;
    }
    this.iconPath = new vscode.ThemeIcon(idle ? 'person' : 'person-filled');
  }
}

const show = (value: number | undefined): string => (value === undefined ? '–' : String(value));

export class SessionPartitionNode extends vscode.TreeItem {
  readonly kind = 'partition';
  constructor(
    readonly controller: SessionController,
    readonly memberId: string,
    readonly partition: PartitionSnapshot,
    lag: PartitionLag | undefined,
  ) {
    super(`${partition.topic} [${partition.partition}]`, vscode.TreeItemCollapsibleState.None);
    this.id = `session:${controller.id}/member:${memberId}/${partition.topic}/${partition.partition}`;
    this.contextValue = 'kafkaLab.sessionPartition';
    const pending = partition.doneUncommitted;
    this.description = [
      `position ${show(partition.position)}`,
      `committed ${show(partition.committed)}`,
      pending !== undefined ? `pending ${pending}` : undefined,
      // Concurrent handlers: what runs now (the commit watermark never passes the oldest of them).
      partition.inFlight > 0 ? `in flight ${partition.inFlight}` : undefined,
      `high ${show(lag?.highWatermark)}`,
      `lag ${show(lag?.lag)}`,
      partition.blockedReason ? `blocked: ${partition.blockedReason}` : partition.paused ? 'paused' : undefined,
    ]
      .filter(Boolean)
      .join(' · ');
    this.tooltip = new vscode.MarkdownString(
      [
        `**${partition.topic} [${partition.partition}]** on member ${memberId}`,
        `Position (next offset to fetch): ${show(partition.position)}`,
        `Committed: ${show(partition.committed)}`,
        `Done but not yet committed, through: ${pending === undefined ? 'nothing' : pending}`,
        `High watermark: ${show(lag?.highWatermark)} · lag ${show(lag?.lag)}`,
        `In flight ${partition.inFlight} · buffered ${partition.buffered}`,
      ].join('\n\n'),
    );
    this.iconPath = new vscode.ThemeIcon(partition.blockedReason ? 'warning' : 'symbol-number');
  }
}

export class TimelineNode extends vscode.TreeItem {
  readonly kind = 'timeline';
  constructor(readonly controller: SessionController) {
    super('Rebalance timeline', vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `session:${controller.id}/timeline`;
    this.contextValue = 'kafkaLab.sessionTimeline';
    const events = controller.timeline;
    const count = events.length ? `${events.length} event${events.length === 1 ? '' : 's'}` : 'no rebalance yet';
    // Under KIP-848 every event is one incremental move by the broker, never a stop-the-world rebalance.
    this.description = controller.groupProtocol === 'consumer' ? `${count} · incremental (KIP-848)` : count;
    this.iconPath = new vscode.ThemeIcon('history');
  }
}

function clock(at: number): string {
  const d = new Date(at);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export class TimelineEventNode extends vscode.TreeItem {
  readonly kind = 'timelineEvent';
  constructor(
    readonly controller: SessionController,
    readonly event: TimelineEntry,
  ) {
    super(`${clock(event.at)} ${event.kind} · member ${event.memberId}`, vscode.TreeItemCollapsibleState.None);
    this.id = `session:${controller.id}/timeline/${event.seq}`;
    this.description = event.partitions.length
      ? event.partitions.map((p) => `${p.topic} [${p.partition}]`).join(', ')
      : 'no partitions';
    this.tooltip =
      event.groupProtocol === 'consumer'
        ? `${new Date(event.at).toISOString()} · consumer protocol (KIP-848): the broker ${event.kind === 'assign' ? 'added' : event.kind === 'revoke' ? 'took back' : 'fenced the member from'} these partitions, the member's others stayed`
        : `${new Date(event.at).toISOString()} · ${event.protocol} rebalance (classic protocol)`;
    this.iconPath = new vscode.ThemeIcon(
      event.kind === 'assign' ? 'arrow-right' : event.kind === 'revoke' ? 'arrow-left' : 'warning',
    );
  }
}

class SessionInfoNode extends vscode.TreeItem {
  readonly kind = 'info';
  constructor(id: string, label: string, icon: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.id = id;
    this.iconPath = new vscode.ThemeIcon(icon);
  }
}

/**
 * The Sessions view: session → members → assigned partitions, and a rebalance timeline. It follows
 * the sessions' changes, coalesced to at most a few refreshes a second, and refreshes only the
 * session that changed.
 */
export class SessionsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly nodes = new Map<string, SessionNode>();
  private readonly dirty = new Set<string>();
  private whole = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly manager: SessionManager) {
    const listener = (controller: SessionController | undefined) => this.schedule(controller);
    manager.on('changed', listener);
    this.unsubscribe = () => manager.off('changed', listener);
  }

  private schedule(controller: SessionController | undefined): void {
    if (controller && this.nodes.has(controller.id)) this.dirty.add(controller.id);
    else this.whole = true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.whole) {
        this.whole = false;
        this.dirty.clear();
        this.emitter.fire(undefined);
        return;
      }
      for (const id of this.dirty) this.emitter.fire(this.nodes.get(id));
      this.dirty.clear();
    }, 250);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node instanceof SessionNode) {
      // The node object stays (VS Code refreshes by identity); its presentation is rebuilt.
      const fresh = new SessionNode(node.controller);
      Object.assign(node, {
        description: fresh.description,
        iconPath: fresh.iconPath,
        tooltip: fresh.tooltip,
        contextValue: fresh.contextValue,
      });
    }
    return node;
  }

  getParent(node: Node): Node | undefined {
    if (node instanceof SessionNode || node instanceof SessionInfoNode) return undefined;
    return this.nodes.get(node.controller.id);
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      const sessions = this.manager.list();
      const seen = new Set(sessions.map((s) => s.id));
      for (const id of [...this.nodes.keys()]) if (!seen.has(id)) this.nodes.delete(id);
      return sessions.map((c) => {
        let existing = this.nodes.get(c.id);
        if (!existing) {
          existing = new SessionNode(c);
          this.nodes.set(c.id, existing);
        }
        return existing;
      });
    }
    if (node instanceof SessionNode) {
      const c = node.controller;
      const members = c.snapshot().members.map((m) => new MemberNode(c, m));
      return [...members, new TimelineNode(c)];
    }
    if (node instanceof MemberNode) {
      const lag = new Map(node.controller.lag().map((l) => [`${l.memberId}/${l.topic}/${l.partition}`, l]));
      return [...node.member.partitions]
        .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
        .map(
          (p) =>
            new SessionPartitionNode(
              node.controller,
              node.member.id,
              p,
              lag.get(`${node.member.id}/${p.topic}/${p.partition}`),
            ),
        );
    }
    if (node instanceof TimelineNode) {
      const events = [...node.controller.timeline].reverse();
      return events.length
        ? events.map((e) => new TimelineEventNode(node.controller, e))
        : [
            new SessionInfoNode(
              `session:${node.controller.id}/timeline/none`,
              'No assign, revoke or lost event yet',
              'info',
            ),
          ];
    }
    return [];
  }

  /** The Sessions view's nodes for tests: a plain description of what is shown. */
  describe(): Array<{
    session: string;
    description: string;
    members: Array<{ label: string; description: string; partitions: string[] }>;
    timeline: string[];
    groupProtocol: string;
  }> {
    return this.manager.list().map((c) => {
      const node = new SessionNode(c);
      const lag = new Map(c.lag().map((l) => [`${l.memberId}/${l.topic}/${l.partition}`, l]));
      return {
        session: c.id,
        description: String(node.description),
        members: c.snapshot().members.map((m) => {
          const mn = new MemberNode(c, m);
          return {
            label: String(mn.label),
            description: String(mn.description),
            partitions: m.partitions.map((p) => {
              const pn = new SessionPartitionNode(c, m.id, p, lag.get(`${m.id}/${p.topic}/${p.partition}`));
              return `${String(pn.label)}: ${String(pn.description)}`;
            }),
          };
        }),
        timeline: c.timeline.map(
          (e) => `${e.kind} ${e.memberId}: ${e.partitions.map((p) => `${p.topic}[${p.partition}]`).join(',')}`,
        ),
        groupProtocol: groupProtocolText(c),
      };
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.unsubscribe();
    this.emitter.dispose();
  }
}
