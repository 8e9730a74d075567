/** The leader's role plan (server/ca/role-plan.ts), step by step from snapshots: no cluster needed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRoleChanges, type RaftView } from '../../server/ca/role-plan.ts';
import type { Node, NodeRole } from '../../server/store/index.ts';

function node(id: string, desiredRole: NodeRole, role: NodeRole, raftId?: number): Node {
  return {
    id,
    meta: { version: { index: 1 }, createdAt: 0, updatedAt: 0 },
    spec: { desiredRole, availability: 'active', labels: {} },
    role,
    status: { state: 'ready', addr: '127.0.0.1' },
    description: { hostname: id },
    ...(raftId === undefined ? {} : { managerStatus: { raftId, addr: `127.0.0.1:${raftId}` } }),
    certificate: { status: 'issued' },
  };
}

/** Leader 1 of voters 1, 2, 3; `down` are unreachable, and a removal needs a reachable majority left. */
function raft(o: { voters?: number[]; down?: number[] } = {}): RaftView {
  const voters = o.voters ?? [1, 2, 3];
  const down = new Set(o.down ?? []);
  const reachable = (id: number): boolean => !down.has(id);
  return {
    self: 1,
    voters,
    reachable,
    removalProblem: id => {
      const rest = voters.filter(v => v !== id);
      return rest.filter(reachable).length < Math.floor(rest.length / 2) + 1 ? 'loss of quorum' : undefined;
    },
  };
}

test('nothing to do when every node has its desired role', () => {
  assert.deepEqual(
    planRoleChanges([node('a', 'manager', 'manager', 1), node('w', 'worker', 'worker')], raft()),
    [],
  );
});

test('a promotion only records the role; the node joins Raft by itself', () => {
  assert.deepEqual(planRoleChanges([node('w', 'manager', 'worker')], raft()), [
    { kind: 'set-role', nodeId: 'w', role: 'manager' },
  ]);
});

test('a demoted member leaves Raft before its role changes; a non-member just changes role', () => {
  assert.deepEqual(planRoleChanges([node('b', 'worker', 'manager', 2)], raft()), [
    { kind: 'remove-member', nodeId: 'b', raftId: 2 },
  ]);
  // Promoted but never joined (or already removed): no member to take out.
  assert.deepEqual(
    planRoleChanges([node('p', 'worker', 'manager'), node('q', 'worker', 'manager', 9)], raft()),
    [
      { kind: 'set-role', nodeId: 'p', role: 'worker' },
      { kind: 'set-role', nodeId: 'q', role: 'worker' },
    ],
  );
});

test('the leader demoted hands leadership to a reachable member first, or waits for one', () => {
  assert.deepEqual(planRoleChanges([node('a', 'worker', 'manager', 1)], raft({ down: [2] })), [
    { kind: 'transfer-leadership', nodeId: 'a', to: 3 },
  ]);
  assert.deepEqual(planRoleChanges([node('a', 'worker', 'manager', 1)], raft({ down: [2, 3] })), [
    { kind: 'wait', nodeId: 'a', why: 'no other manager is reachable to take over leadership' },
  ]);
});

test('a removal that would lose quorum waits; so does the last manager', () => {
  assert.deepEqual(planRoleChanges([node('b', 'worker', 'manager', 2)], raft({ down: [3] })), [
    { kind: 'wait', nodeId: 'b', why: 'loss of quorum' },
  ]);
  assert.deepEqual(planRoleChanges([node('a', 'worker', 'manager', 1)], raft({ voters: [1] })), [
    { kind: 'wait', nodeId: 'a', why: 'it is the last manager' },
  ]);
});

test('one membership change per round; role-only steps go along', () => {
  const nodes = [
    node('c', 'worker', 'manager', 3),
    node('b', 'worker', 'manager', 2),
    node('w', 'manager', 'worker'),
  ];
  assert.deepEqual(planRoleChanges(nodes, raft({ voters: [1, 2, 3, 4, 5] })), [
    { kind: 'remove-member', nodeId: 'b', raftId: 2 },
    { kind: 'wait', nodeId: 'c', why: 'another membership change goes first' },
    { kind: 'set-role', nodeId: 'w', role: 'manager' },
  ]);
});
