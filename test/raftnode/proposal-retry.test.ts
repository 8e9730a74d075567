/**
 * A write proposed through a follower while the leader dies (issue 14, point 12): once a new leader is
 * known the follower proposes it again, so its caller is answered within an election instead of waiting
 * out its whole timeout; and when the first copy made it into the log after all, the second is skipped
 * on every replica, so the write is applied once. Real RaftNodes over real LevelDB, joined by memory.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { NodeId } from '../../server/raft/index.ts';
import { ProposalSessions } from '../../server/raftnode/proposal-sessions.ts';
import { MemoryCluster, until } from './memory-network.ts';

const clusters: MemoryCluster[] = [];
after(async () => {
  for (const c of clusters) await c.cleanup();
});

/** Three members; the answer of any proposal waits a minute before its timeout says it is lost. */
async function threeMembers(name: string): Promise<{
  c: MemoryCluster;
  leader: NodeId;
  follower: NodeId;
  other: NodeId;
}> {
  const c = new MemoryCluster(`shoal-proposal-retry-${name}-`);
  clusters.push(c);
  const ids = [1, 2, 3];
  const bootstrap = new Map<NodeId, string>(ids.map(id => [id, `member-${id}`]));
  for (const id of ids) await c.start(id, { bootstrap, proposalTimeoutMs: 60_000 });
  const leader = await until('a leader', () => ids.find(id => c.net.nodes.get(id)?.isLeader === true));
  const [follower = 0, other = 0] = ids.filter(id => id !== leader);
  await c.node(follower).propose(Buffer.from('warm-up'));
  return { c, leader, follower, other };
}

test('a proposal the dead leader never got is proposed again to the next leader and answered', async () => {
  const { c, leader, follower } = await threeMembers('lost');
  c.net.heldBack.add(leader);
  const answer = c.node(follower).propose(Buffer.from('through-the-follower'));
  await c.crash(leader);
  c.net.heldBack.delete(leader);
  assert.equal(await answer, 'through-the-follower');
  assert.equal(c.registers.get(follower)?.applied.filter(v => v === 'through-the-follower').length, 1);
});

test('a proposal the dead leader did commit, proposed again by the follower, is applied once everywhere', async () => {
  const { c, leader, follower, other } = await threeMembers('twice');
  // The follower hears nothing: it forwards its proposal, the leader commits it with the other member.
  c.net.heldBack.add(follower);
  const answer = c.node(follower).propose(Buffer.from('once'));
  await until('the write committed without the follower', () =>
    c.registers.get(other)?.applied.includes('once'),
  );
  await c.crash(leader);
  c.net.heldBack.delete(follower);
  // The new leader has the first copy; the follower proposes a second when it learns of that leader.
  assert.equal(await answer, 'once');
  await c.node(other).propose(Buffer.from('after'));
  await until('the follower caught up', () => c.registers.get(follower)?.applied.includes('after'));
  for (const id of [follower, other]) {
    assert.equal(c.registers.get(id)?.applied.filter(v => v === 'once').length, 1, `member ${id}`);
  }
});

test('sessions: a proposal applied once; the window and the runs kept are bounded; a snapshot carries them', () => {
  const s = new ProposalSessions();
  assert.equal(s.apply({ proposer: 1, run: 7, seq: 1 }, 10), true);
  assert.equal(s.apply({ proposer: 1, run: 7, seq: 1 }, 11), false, 'the same proposal again');
  assert.equal(s.apply({ proposer: 1, run: 8, seq: 1 }, 12), true, 'another run of the proposer');
  assert.equal(s.apply({ proposer: 1, run: 0, seq: 1 }, 13), true, 'entries of the first layout');
  assert.equal(s.apply({ proposer: 1, run: 0, seq: 1 }, 14), true);
  const copy = new ProposalSessions();
  copy.restore(s.snapshot());
  assert.equal(copy.apply({ proposer: 1, run: 7, seq: 1 }, 15), false);
  assert.equal(copy.apply({ proposer: 1, run: 7, seq: 2 }, 16), true);
  // Four runs of a proposer are kept; the fifth makes the one applied longest ago forgotten.
  for (const run of [9, 10, 11]) s.apply({ proposer: 1, run, seq: 1 }, 20 + run);
  assert.equal(s.snapshot().runs.filter(r => r.proposer === 1).length, 4);
  assert.equal(s.apply({ proposer: 1, run: 7, seq: 1 }, 40), true, 'run 7 was forgotten');
});

test('a proposal or read the leader took but could not settle times out saying so, not "no leader"', async () => {
  const c = new MemoryCluster('shoal-proposal-retry-uncommitted-');
  clusters.push(c);
  const ids = [1, 2, 3];
  const bootstrap = new Map<NodeId, string>(ids.map(id => [id, `member-${id}`]));
  // Ticks of 200 ms: the leader checks its quorum every 2 s, so it still leads when the write's 1 s is up.
  for (const id of ids) await c.start(id, { bootstrap, tickMs: 200, proposalTimeoutMs: 1000 });
  const leader = await until('a leader', () => ids.find(id => c.net.nodes.get(id)?.isLeader === true));
  await c.node(leader).propose(Buffer.from('warm-up'));
  // The followers hear nothing more: the leader appends the write and waits for a quorum that never answers.
  for (const id of ids) if (id !== leader) c.net.heldBack.add(id);
  // A write and a read barrier at once: both wait the same second, before the quorum check.
  const write = c.node(leader).propose(Buffer.from('stuck'));
  const read = c.node(leader).readBarrier();
  await assert.rejects(write, {
    message: 'raft: timed out waiting for the cluster (proposed, not committed in time)',
  });
  await assert.rejects(read, {
    message: 'raft: timed out waiting for the cluster (asked, not confirmed by a quorum in time)',
  });
});
