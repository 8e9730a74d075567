/**
 * A restarted member numbers its proposals from 1 again while its Raft ID stays: entries of its previous
 * run still on their way must not answer the new run's calls (issue 14, point 7). Three real RaftNodes
 * over real LevelDB storage, joined by an in-memory network that can hold back what reaches one member.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { NodeId } from '../../server/raft/index.ts';
import {
  decodeProposal,
  encodeProposal,
  isOwnProposal,
  readContext,
} from '../../server/raftnode/proposal-envelope.ts';
import { MemoryCluster, until } from './memory-network.ts';

const cluster = new MemoryCluster('shoal-proposal-id-');
after(() => cluster.cleanup());

test('the envelope names member, run and number; the first layout still decodes, as nobody’s', () => {
  const data = encodeProposal({ proposer: 7, run: 123456789, seq: 3 }, Buffer.from('x'));
  const got = decodeProposal(data);
  assert.deepEqual(got?.id, { proposer: 7, run: 123456789, seq: 3 });
  assert.equal(Buffer.from(got?.payload ?? []).toString(), 'x');
  assert.ok(got !== undefined && isOwnProposal(got.id, 7, 123456789));
  assert.ok(got !== undefined && !isOwnProposal(got.id, 7, 1), 'another run of the same member');

  const legacy = new Uint8Array(16 + 1);
  new DataView(legacy.buffer).setFloat64(0, 7);
  new DataView(legacy.buffer).setFloat64(8, 3);
  legacy[16] = 120;
  const old = decodeProposal(legacy);
  assert.deepEqual(old?.id, { proposer: 7, run: 0, seq: 3 });
  assert.equal(decodeProposal(new Uint8Array(0)), undefined, "a new leader's empty entry");
  assert.notEqual(readContext(7, 1, 3), readContext(7, 2, 3));
});

test('entries of a member’s previous run, applied after it restarts, do not answer its new calls', async () => {
  const { net, registers } = cluster;
  const ids = [1, 2, 3];
  const bootstrap = new Map<NodeId, string>(ids.map(id => [id, `member-${id}`]));
  const start = (id: NodeId) => cluster.start(id, { bootstrap, proposalTimeoutMs: 20_000 });
  for (const id of ids) await start(id);
  const leader = await until('a leader', () => ids.find(id => net.nodes.get(id)?.isLeader === true));
  const f = ids.find(id => id !== leader) ?? 0;
  const fNode = cluster.node(f);
  await fNode.propose(Buffer.from('warm-up'));

  // The follower proposes; the others commit its writes, but nothing reaches it any more.
  net.heldBack.add(f);
  const old = [1, 2, 3].map(i => fNode.propose(Buffer.from(`old-${i}`)).catch(() => 'lost with the crash'));
  const other = ids.find(id => id !== leader && id !== f) ?? 0;
  await until('the old writes committed without the follower', () =>
    ['old-1', 'old-2', 'old-3'].every(v => registers.get(other)?.applied.includes(v)),
  );

  // The follower crashes and restarts from its disk (which never saw those writes).
  await cluster.crash(f);
  await Promise.all(old);
  const restarted = await start(f);
  // The new run's calls, numbered 1, 2, 3 again, wait for a leader while the member hears nobody.
  const fresh = [1, 2, 3].map(n => restarted.propose(Buffer.from(`new-${n}`)));

  // It hears the cluster again: the old run's entries arrive (and apply) before the new ones.
  net.heldBack.delete(f);
  const answers = await Promise.all(fresh);
  assert.deepEqual(answers, ['new-1', 'new-2', 'new-3']);
  const applied = registers.get(f)?.applied ?? [];
  assert.ok(applied.indexOf('old-3') < applied.indexOf('new-1'), `applied in order: ${applied.join(',')}`);
});
