/**
 * A write proposed through a follower while the leader dies (issue 14, point 12): once a new leader is
 * known the follower proposes it again, so its caller is answered within an election instead of waiting
 * out its whole timeout; and when the first copy made it into the log after all, the second is skipped
 * on every replica, so the write is applied once. Real RaftNodes over real LevelDB, joined by memory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import type { NodeId } from '../../server/raft/index.ts';
import { LevelStorage } from '../../server/raftnode/level-storage.ts';
import { ProposalSessions } from '../../server/raftnode/proposal-sessions.ts';
import { RaftNode, type StateMachine } from '../../server/raftnode/raft-node.ts';
import { MemoryNetwork } from './memory-network.ts';

const log = pino({ level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'shoal-proposal-retry-'));
const running: { node: RaftNode; disk: LevelStorage }[] = [];
after(async () => {
  for (const m of running) {
    m.node.stop();
    await m.disk.close();
  }
  rmSync(root, { recursive: true, force: true });
});

class Register implements StateMachine {
  readonly applied: string[] = [];
  apply(payload: Uint8Array): unknown {
    const v = Buffer.from(payload).toString();
    this.applied.push(v);
    return v;
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.applied));
  }
  restore(data: Uint8Array): void {
    this.applied.splice(0, this.applied.length, ...(JSON.parse(Buffer.from(data).toString()) as string[]));
  }
}

async function until<T>(what: string, probe: () => T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise(r => setTimeout(r, 5));
  }
}

/** Three members; the answer of any proposal waits a minute before its timeout says it is lost. */
async function cluster(name: string): Promise<{
  net: MemoryNetwork;
  registers: Map<NodeId, Register>;
  leader: NodeId;
  follower: NodeId;
  other: NodeId;
}> {
  const net = new MemoryNetwork();
  const ids = [1, 2, 3];
  const bootstrap = new Map<NodeId, string>(ids.map(id => [id, `member-${id}`]));
  const registers = new Map<NodeId, Register>();
  for (const id of ids) {
    const disk = await LevelStorage.open(join(root, `${name}-${id}`));
    const register = new Register();
    registers.set(id, register);
    const node = new RaftNode({
      id,
      addr: `member-${id}`,
      storage: disk,
      transport: net.transport(),
      stateMachine: register,
      log,
      tickMs: 10,
      proposalTimeoutMs: 60_000,
      bootstrap,
    });
    net.nodes.set(id, node);
    running.push({ node, disk });
    node.start();
  }
  const leader = await until('a leader', () => ids.find(id => net.nodes.get(id)?.isLeader === true));
  const [follower = 0, other = 0] = ids.filter(id => id !== leader);
  await net.nodes.get(follower)?.propose(Buffer.from('warm-up'));
  return { net, registers, leader, follower, other };
}

/** The leader dies: it stops and nothing reaches it any more. */
function kill(net: MemoryNetwork, id: NodeId): void {
  net.nodes.get(id)?.stop();
  net.nodes.delete(id);
}

test('a proposal the dead leader never got is proposed again to the next leader and answered', async () => {
  const { net, registers, leader, follower } = await cluster('lost');
  net.heldBack.add(leader);
  const answer = net.nodes.get(follower)?.propose(Buffer.from('through-the-follower'));
  kill(net, leader);
  net.heldBack.delete(leader);
  assert.equal(await answer, 'through-the-follower');
  assert.equal(registers.get(follower)?.applied.filter(v => v === 'through-the-follower').length, 1);
});

test('a proposal the dead leader did commit, proposed again by the follower, is applied once everywhere', async () => {
  const { net, registers, leader, follower, other } = await cluster('twice');
  // The follower hears nothing: it forwards its proposal, the leader commits it with the other member.
  net.heldBack.add(follower);
  const answer = net.nodes.get(follower)?.propose(Buffer.from('once'));
  await until('the write committed without the follower', () =>
    registers.get(other)?.applied.includes('once') === true ? true : undefined,
  );
  kill(net, leader);
  net.heldBack.delete(follower);
  // The new leader has the first copy; the follower proposes a second when it learns of that leader.
  assert.equal(await answer, 'once');
  await net.nodes.get(other)?.propose(Buffer.from('after'));
  await until('the follower caught up', () =>
    registers.get(follower)?.applied.includes('after') === true ? true : undefined,
  );
  for (const id of [follower, other]) {
    assert.equal(registers.get(id)?.applied.filter(v => v === 'once').length, 1, `member ${id}`);
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
