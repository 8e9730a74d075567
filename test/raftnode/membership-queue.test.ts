/**
 * Membership changes asked at the same time (`shoal node promote n2 n3`: two Joins at once) are all
 * carried out and all answered, one after the other (issue 14, point 3). The driver kept one pending
 * change: the second overwrote the first's waiter, the first joiner never heard back although it had
 * become a voter, never started, and the cluster lost its quorum. Real RaftNodes over real LevelDB.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import type { NodeId } from '../../server/raft/index.ts';
import { LevelStorage } from '../../server/raftnode/level-storage.ts';
import { RaftNode, type StateMachine } from '../../server/raftnode/raft-node.ts';
import { MemoryNetwork } from './memory-network.ts';

const log = pino({ level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'shoal-membership-'));
const running: { node: RaftNode; disk: LevelStorage }[] = [];
after(async () => {
  for (const m of running) {
    m.node.stop();
    await m.disk.close();
  }
  rmSync(root, { recursive: true, force: true });
});

const nothing: StateMachine = {
  apply: () => undefined,
  snapshot: () => new Uint8Array(0),
  restore: () => undefined,
};

async function start(
  net: MemoryNetwork,
  id: NodeId,
  how: { bootstrap: Map<NodeId, string> } | { peers: Map<NodeId, string> },
): Promise<RaftNode> {
  const disk = await LevelStorage.open(join(root, `m${id}`));
  const node = new RaftNode({
    id,
    addr: `member-${id}`,
    storage: disk,
    transport: net.transport(),
    stateMachine: nothing,
    log,
    tickMs: 10,
    // Long enough for a loaded machine; a lost answer shows as this timeout.
    proposalTimeoutMs: 8000,
    ...how,
  });
  net.nodes.set(id, node);
  running.push({ node, disk });
  node.start();
  return node;
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise(r => setTimeout(r, 5));
  }
}

test('members added and removed several at a time, repeatedly: every change is made and every caller answered', async () => {
  const net = new MemoryNetwork();
  const first = await start(net, 1, { bootstrap: new Map([[1, 'member-1']]) });
  await until('the founder leads', () => first.isLeader);
  let next = 2;
  for (let round = 0; round < 3; round++) {
    const ids = [next, next + 1, next + 2];
    next += 3;
    const peers = new Map<NodeId, string>(first.voters().map(v => [v, `member-${v}`]));
    for (const id of ids) await start(net, id, { peers });
    // Three promotions at once.
    await Promise.all(ids.map(id => first.addMember(id, `member-${id}`)));
    assert.deepEqual(
      first.voters().sort((a, b) => a - b),
      [1, ...ids],
    );
    // The cluster still commits with its new quorum (the new members run and vote).
    await first.readBarrier();
    // Two demotions at once; the third stays until the next round's removals.
    await Promise.all(ids.slice(0, 2).map(id => first.removeMember(id)));
    assert.deepEqual(
      first.voters().sort((a, b) => a - b),
      [1, ids[2] ?? 0],
    );
    await first.removeMember(ids[2] ?? 0);
    assert.deepEqual(first.voters(), [1]);
  }
});
