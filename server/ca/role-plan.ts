/**
 * What the leader does about nodes whose desired role is not their role (swarmkit's
 * `manager/role_manager.go`), decided from a snapshot of the nodes and of Raft. Pure: the role
 * manager carries the steps out and plans again on its next round.
 *
 * A promotion only records the new role: the node then renews into a manager certificate and joins
 * Raft itself. A demotion takes the node's Raft member out before its role changes, so its
 * certificate (renewed with the role) stays a manager's while it still votes; the leader demotes
 * itself by handing leadership over first, and the next leader removes it. Removals that would lose
 * quorum wait. One membership step per round: each changes what the next one must check.
 */
import type { Node, NodeRole } from '../store/index.ts';

/** What the plan reads of Raft, from the leader. */
export interface RaftView {
  /** The leader's own Raft ID. */
  self: number;
  voters: readonly number[];
  reachable(id: number): boolean;
  /** Why removing member `id` would lose quorum, or undefined. */
  removalProblem(id: number): string | undefined;
}

export type RoleStep =
  /** Record the node's role (a worker's manager status goes with it). */
  | { kind: 'set-role'; nodeId: string; role: NodeRole }
  /** Take the node's Raft member out, then record it as a worker. */
  | { kind: 'remove-member'; nodeId: string; raftId: number }
  /** The leader is the one demoted: hand leadership to `to` first. */
  | { kind: 'transfer-leadership'; nodeId: string; to: number }
  /** Nothing to do for this node yet, for this reason. */
  | { kind: 'wait'; nodeId: string; why: string };

export function planRoleChanges(nodes: readonly Node[], raft: RaftView): RoleStep[] {
  const steps: RoleStep[] = [];
  let membershipStep = false;
  for (const n of [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (n.spec.desiredRole === n.role) continue;
    if (n.spec.desiredRole === 'manager') {
      steps.push({ kind: 'set-role', nodeId: n.id, role: 'manager' });
      continue;
    }
    const raftId = n.managerStatus?.raftId;
    if (raftId === undefined || !raft.voters.includes(raftId)) {
      steps.push({ kind: 'set-role', nodeId: n.id, role: 'worker' });
      continue;
    }
    if (raft.voters.length <= 1) {
      steps.push({ kind: 'wait', nodeId: n.id, why: 'it is the last manager' });
      continue;
    }
    if (membershipStep) {
      steps.push({ kind: 'wait', nodeId: n.id, why: 'another membership change goes first' });
      continue;
    }
    if (raftId === raft.self) {
      const to = raft.voters.filter(v => v !== raft.self && raft.reachable(v)).sort((a, b) => a - b)[0];
      steps.push(
        to === undefined
          ? { kind: 'wait', nodeId: n.id, why: 'no other manager is reachable to take over leadership' }
          : { kind: 'transfer-leadership', nodeId: n.id, to },
      );
      membershipStep = to !== undefined;
      continue;
    }
    const problem = raft.removalProblem(raftId);
    if (problem !== undefined) {
      steps.push({ kind: 'wait', nodeId: n.id, why: problem });
      continue;
    }
    steps.push({ kind: 'remove-member', nodeId: n.id, raftId });
    membershipStep = true;
  }
  return steps;
}
