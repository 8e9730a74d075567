/**
 * A Ready reports the soft state it was made in, with that state's term. A driver handles a Ready while
 * the core moves on (messages are stepped during the Ready's disk write), so by the time the Ready is done
 * the core may be a follower of a later term: reading the core's term then names the wrong leadership.
 * The simulator reported "nodes 3 and 2 are both leader in term 3" that way for seeds 3990, 7500 and
 * 8827, of a node that had led term 2.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MemoryStorage,
  message,
  MessageType,
  RawNode,
  SeededRng,
  StateType,
  type Ready,
} from '../../server/raft/index.ts';

/** Three fresh nodes without PreVote, so one campaign is one round of votes. */
function cluster(): Map<number, RawNode> {
  const nodes = new Map<number, RawNode>();
  for (const id of [1, 2, 3]) {
    nodes.set(
      id,
      new RawNode({
        id,
        storage: new MemoryStorage(),
        rng: new SeededRng(id),
        peers: [1, 2, 3],
        preVote: false,
      }),
    );
  }
  // The bootstrap Ready: the founding configuration, persisted and applied before anyone campaigns.
  for (const raw of nodes.values()) handle(raw, raw.raft.raftLog.storage as MemoryStorage, raw.ready());
  return nodes;
}

/** Handles one Ready of `raw` in the contract's order (persist, then hand out its messages), and advances. */
function handle(raw: RawNode, storage: MemoryStorage, rd: Ready): Ready['messages'] {
  storage.append(rd.entries);
  if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
  raw.advance(rd);
  return rd.messages;
}

/** Node 1 campaigns; the others' Readys are handled and their answers stepped into it. Node 1's own Readys are handled too. */
function electOne(nodes: Map<number, RawNode>, storages: Map<number, MemoryStorage>): void {
  const n1 = nodes.get(1) as RawNode;
  n1.campaign();
  const asks = handle(n1, storages.get(1) as MemoryStorage, n1.ready());
  for (const m of asks) {
    const peer = nodes.get(m.to) as RawNode;
    peer.step(structuredClone(m));
    for (const answer of handle(peer, storages.get(m.to) as MemoryStorage, peer.ready())) {
      if (answer.to === 1) n1.step(structuredClone(answer));
    }
  }
}

function storagesOf(nodes: Map<number, RawNode>): Map<number, MemoryStorage> {
  return new Map([...nodes].map(([id, raw]) => [id, raw.raft.raftLog.storage as MemoryStorage]));
}

test('a Ready taken as leader names the term it led, though the core is a follower of a later term by the time it is handled', () => {
  const nodes = cluster();
  const storages = storagesOf(nodes);
  const n1 = nodes.get(1) as RawNode;
  electOne(nodes, storages);
  assert.equal(n1.raft.state, StateType.Leader);
  const ledTerm = n1.raft.term;

  const leaderReady = n1.ready();
  // While that Ready's write is in flight, a heartbeat of a later term deposes node 1.
  n1.step(message({ type: MessageType.Heartbeat, from: 2, to: 1, term: ledTerm + 1, commit: 0 }));
  assert.equal(n1.raft.state, StateType.Follower);

  assert.deepEqual(leaderReady.softState, { lead: 1, state: StateType.Leader, term: ledTerm });
  handle(n1, storages.get(1) as MemoryStorage, leaderReady);
  assert.deepEqual(n1.ready().softState, { lead: 2, state: StateType.Follower, term: ledTerm + 1 });
});

test('a leader deposed and elected again between two Readys reports its new term', () => {
  const nodes = cluster();
  const storages = storagesOf(nodes);
  const n1 = nodes.get(1) as RawNode;
  electOne(nodes, storages);
  const first = n1.raft.term;
  handle(n1, storages.get(1) as MemoryStorage, n1.ready());

  // Deposed by a heartbeat of a later term, then elected again, with no Ready handled in between.
  n1.step(message({ type: MessageType.Heartbeat, from: 3, to: 1, term: first + 1, commit: 0 }));
  assert.equal(n1.raft.state, StateType.Follower);
  n1.campaign();
  for (const id of [2, 3]) {
    n1.step(message({ type: MessageType.VoteResp, from: id, to: 1, term: n1.raft.term }));
  }
  assert.equal(n1.raft.state, StateType.Leader);
  assert.ok(n1.raft.term > first + 1);

  // Same leader, same role: only the term says this is another leadership, and the Ready must say it.
  assert.deepEqual(n1.ready().softState, { lead: 1, state: StateType.Leader, term: n1.raft.term });
});
