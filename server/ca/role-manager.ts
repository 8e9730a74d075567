/**
 * The role manager: on the leader, every round, brings nodes' roles to their desired roles by the
 * plan in role-plan.ts (swarmkit runs it on the leader too). A leader service (server/leader/
 * leadership.ts): its rounds run from the start of each term this manager leads to the term's end. Rounds are periodic; swarmkit also
 * reacts to store events, which its dispatcher sessions make worth it — here the nodes poll, so a
 * round a second (or faster, in tests) is as quick as the whole change can be anyway.
 */
import type { Logger } from 'pino';
import type { RaftNode } from '../raftnode/raft-node.ts';
import {
  findNodes,
  getNode,
  updateNode,
  type MemoryStore,
  type Node,
  type NodeRole,
} from '../store/index.ts';
import type { LeaderService } from '../leader/leadership.ts';
import { planRoleChanges, type RoleStep } from './role-plan.ts';
import { messageOf } from '../../lib/message-of.ts';

export class RoleManager implements LeaderService {
  readonly name = 'role manager';
  private timer: NodeJS.Timeout | undefined;
  private round_: Promise<void> = Promise.resolve();
  /** The rounds of the term this manager leads run while this is true. */
  private serving = false;
  /** The reason each node last waited for, so that a lasting one is logged once. */
  private readonly waiting = new Map<string, string>();

  constructor(
    private readonly store: MemoryStore,
    private readonly raft: RaftNode,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.serving = true;
    this.schedule();
  }

  /** Stops the rounds; resolves once the one under way (if any) is over. */
  async stop(): Promise<void> {
    this.serving = false;
    clearTimeout(this.timer);
    await this.round_;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.serving) return;
    this.timer = setTimeout(() => {
      this.round_ = this.round()
        .catch((err: unknown) => this.log.warn({ err: messageOf(err) }, 'role change failed'))
        .finally(() => this.schedule());
    }, this.intervalMs);
  }

  private async round(): Promise<void> {
    const steps = planRoleChanges(
      // Only the nodes with a role change to make: a round a second over every node (read and sorted)
      // was a fifteenth of the leader's time while 5,000 nodes joined.
      this.store.view(tx => findNodes(tx, { where: n => n.spec.desiredRole !== n.role })),
      {
        self: this.raft.id,
        voters: this.raft.voters(),
        reachable: id => this.raft.reachable(id),
        removalProblem: id => this.raft.removalProblem(id),
      },
    );
    for (const step of steps) {
      if (!this.serving) return;
      await this.carryOut(step);
    }
  }

  private async carryOut(step: RoleStep): Promise<void> {
    if (step.kind !== 'wait') this.waiting.delete(step.nodeId);
    switch (step.kind) {
      case 'set-role':
        if (await this.setRole(step.nodeId, step.role)) {
          this.log.info({ nodeId: step.nodeId, role: step.role }, 'node role changed');
        }
        return;
      case 'remove-member':
        await this.raft.removeMember(step.raftId);
        this.log.info({ nodeId: step.nodeId, raftId: step.raftId }, 'demoted manager removed from raft');
        await this.setRole(step.nodeId, 'worker');
        return;
      case 'transfer-leadership':
        this.log.info({ nodeId: step.nodeId, to: step.to }, 'demoting the leader: transferring leadership');
        this.raft.transferLeadership(step.to);
        return;
      case 'wait':
        if (this.waiting.get(step.nodeId) !== step.why) {
          this.log.warn({ nodeId: step.nodeId, why: step.why }, 'role change waits');
          this.waiting.set(step.nodeId, step.why);
        }
        return;
    }
  }

  /** Records `role` for the node, unless its desired role changed meanwhile; true if it did. */
  private async setRole(nodeId: string, role: NodeRole): Promise<boolean> {
    let changed = false;
    await this.store.update(tx => {
      const n = getNode(tx, nodeId);
      if (n === undefined || n.spec.desiredRole !== role || n.role === role) return;
      updateNode(tx, role === 'worker' ? withoutManagerStatus({ ...n, role }) : { ...n, role });
      changed = true;
    }, Date.now());
    return changed;
  }
}

function withoutManagerStatus(n: Node): Node {
  const { managerStatus: _, ...rest } = n;
  return rest;
}
