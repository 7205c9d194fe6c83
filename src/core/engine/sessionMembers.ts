import type { Logger } from '../logging';
import { MAX_MEMBERS } from './limits';
import { Member } from './member';
import type { MemberHost } from './memberHost';

/** A session's members, in the order they joined; ids stay unique as members come and go. */
export class SessionMembers {
  readonly list: Member[] = [];
  private nextIndex = 1;

  constructor(private readonly host: MemberHost) {}

  /** A new member, not started yet. */
  create(): Member {
    if (this.list.length >= MAX_MEMBERS) throw new RangeError(`a session has at most ${MAX_MEMBERS} members`);
    const member = new Member(this.host, this.nextIndex++);
    this.list.push(member);
    return member;
  }

  /** Starts a member added to a running session; one that fails (or whose session stops meanwhile) is removed again. */
  async join(member: Member, stopping: () => boolean): Promise<void> {
    try {
      await member.start();
      if (stopping()) throw new Error('the session was stopped while the member joined');
    } catch (error) {
      this.forget(member);
      await member.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Takes a member (the newest by default) out of the session; the caller stops it. A session keeps one. */
  take(memberId?: string): Member {
    if (this.list.length <= 1) throw new Error('a session keeps at least one member; stop the session instead');
    const member = memberId === undefined ? this.list[this.list.length - 1] : this.list.find((m) => m.id === memberId);
    if (!member) throw new Error(`no member ${memberId ?? ''} in this session`);
    this.forget(member);
    return member;
  }

  /** The member a message id (`<member>/<topic>/<partition>/<offset>`) belongs to. */
  ofMessage(messageId: string): Member {
    const memberId = messageId.split('/', 1)[0];
    const member = this.list.find((m) => m.id === memberId);
    if (!member) throw new Error(`message ${messageId} does not belong to this session`);
    return member;
  }

  owner(topic: string, partition: number): Member | undefined {
    return this.list.find((m) => m.ownsPartition(topic, partition));
  }

  /** Stops every member at once; a failure is logged, the others still stop. */
  async stopAll(logger: Logger): Promise<void> {
    await Promise.all(
      this.list.map((m) => m.stop().catch((error: unknown) => logger.warn(`stopping ${m.id}: ${String(error)}`))),
    );
  }

  private forget(member: Member): void {
    const index = this.list.indexOf(member);
    if (index >= 0) this.list.splice(index, 1);
  }
}
