/**
 * The Raft paper's rules, checked against the core through a small in-memory cluster (./harness.ts).
 * Section numbers refer to "In Search of an Understandable Consensus Algorithm (Extended Version)"
 * (Ongaro & Ousterhout, 2014); "thesis" is Ongaro's dissertation, for PreVote, CheckQuorum, leadership
 * transfer and ReadIndex. Bootstrap puts one ConfChange entry per founding member at term 1 (indexes
 * 1..n), and every new leader appends an empty entry of its term.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConfChangeType,
  message,
  MessageType,
  ProposalDroppedError,
  StateType,
  type Message,
  type NodeId,
} from '../../server/raft/index.ts';
import { ProgressState } from '../../server/raft/progress.ts';
import { bytes, Network, type NodeOptions } from './harness.ts';

const ELECTION_TICK = 10;
/** Raft as the paper describes it, without the thesis' PreVote and CheckQuorum extensions. */
const PAPER: NodeOptions = { preVote: false, checkQuorum: false };

function sentAfter(net: Network, mark: number, pred: (m: Message) => boolean): Message[] {
  return net.sent.slice(mark).filter(pred);
}

function voteRequest(from: NodeId, to: NodeId, term: number, index: number, logTerm: number): Message {
  return message({ type: MessageType.Vote, from, to, term, index, logTerm });
}

/** Steps `m` into its recipient and returns what the recipient sends in response. */
function respond(net: Network, m: Message): Message[] {
  net.node(m.to).step(m);
  return net.process(m.to)?.messages ?? [];
}

describe('§5.2 leader election', () => {
  test('a follower that times out pre-votes, then votes, and wins with a majority', () => {
    const net = new Network(3);
    net.stabilize();
    net.isolate(3);
    const raw = net.node(1);
    let ticks = 0;
    while (raw.raft.state === StateType.Follower && ticks < 2 * ELECTION_TICK) {
      raw.tick();
      ticks++;
    }
    // The timeout is randomized in [electionTick, 2 * electionTick).
    assert.ok(ticks >= ELECTION_TICK && ticks < 2 * ELECTION_TICK, `timed out after ${ticks} ticks`);
    assert.equal(raw.raft.state, StateType.PreCandidate);
    assert.equal(raw.raft.term, 1, 'a pre-candidate does not bump its term');

    net.stabilize();
    assert.equal(raw.raft.state, StateType.Leader);
    assert.equal(raw.raft.term, 2);
    const requests = net.sent.filter(
      m => m.from === 1 && (m.type === MessageType.PreVote || m.type === MessageType.Vote),
    );
    assert.deepEqual(
      requests.map(m => [m.type, m.term]),
      [
        [MessageType.PreVote, 2],
        [MessageType.PreVote, 2],
        [MessageType.Vote, 2],
        [MessageType.Vote, 2],
      ],
    );
  });

  test('a node grants at most one vote per term (first come, first served)', () => {
    const net = new Network(3, PAPER);
    net.stabilize();
    const grants = (m: Message): boolean[] =>
      respond(net, m)
        .filter(r => r.type === MessageType.VoteResp)
        .map(r => !r.reject);

    assert.deepEqual(grants(voteRequest(2, 1, 2, 3, 1)), [true]);
    assert.deepEqual(grants(voteRequest(3, 1, 2, 3, 1)), [false], 'second candidate of the same term');
    assert.deepEqual(
      grants(voteRequest(2, 1, 2, 3, 1)),
      [true],
      'a repeated request from the same candidate',
    );
    assert.equal(net.node(1).raft.vote, 2);
    assert.equal(net.storage(1).initialState().hardState.vote, 2, 'the vote is persisted');
  });

  test('§5.4.1 a voter rejects a candidate whose log is less up-to-date than its own', () => {
    const net = new Network(3, PAPER);
    net.elect(1); // term 2; log: 1..3 @1, 4 @2
    net.propose(1, 'a'); // 5 @2
    const voter = net.node(2);
    assert.equal(voter.raft.raftLog.lastIndex(), 5);

    const cases = [
      { what: 'lower last term, longer log', index: 50, logTerm: 1, granted: false },
      { what: 'same last term, shorter log', index: 4, logTerm: 2, granted: false },
      { what: 'same last term, same length', index: 5, logTerm: 2, granted: true },
    ];
    let term = 10;
    for (const c of cases) {
      // A fresh higher term each time, so the vote is free and only the log decides.
      const [resp] = respond(net, voteRequest(3, 2, ++term, c.index, c.logTerm));
      assert.ok(resp !== undefined, c.what);
      assert.equal(resp.type, MessageType.VoteResp, c.what);
      assert.equal(resp.reject, !c.granted, c.what);
    }
  });

  test('§5.4.1 a stale-log candidate cannot win; the up-to-date node wins with every committed entry', () => {
    const net = new Network(3, PAPER);
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'a', 'b'); // committed by nodes 1 and 2; node 3 never sees them
    assert.deepEqual(net.appliedData(1), ['a', 'b']);
    assert.deepEqual(net.appliedData(2), ['a', 'b']);
    assert.deepEqual(net.appliedData(3), []);

    net.recover();
    net.isolate(1); // node 1 dies
    const mark = net.sent.length;
    net.node(3).campaign();
    net.stabilize();
    assert.notEqual(net.node(3).raft.state, StateType.Leader);
    const answers = sentAfter(net, mark, m => m.type === MessageType.VoteResp && m.from === 2);
    assert.equal(answers.length, 1);
    assert.equal(answers[0]?.reject, true, 'node 2 refuses: node 3 lacks committed entries');

    net.elect(2);
    assert.equal(net.leader(), 2);
    assert.deepEqual(net.appliedData(2), ['a', 'b']);
    assert.deepEqual(net.appliedData(3), ['a', 'b'], 'the new leader brings node 3 up to date');
  });

  test('§5.4.1 PreVote applies the same log check, and the stale pre-candidate keeps its term', () => {
    const net = new Network(3, { preVote: true, checkQuorum: false });
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'a');
    net.recover();
    net.isolate(1);

    const term = net.node(3).raft.term;
    net.node(3).campaign();
    net.stabilize();
    assert.equal(net.node(3).raft.state, StateType.PreCandidate);
    assert.equal(net.node(3).raft.term, term);
    assert.equal(net.node(2).raft.term, term, 'a pre-vote never changes the voter’s term');
  });
});

describe('§5.3 log replication', () => {
  test('proposals on the leader are committed and applied on every node, in order', () => {
    const net = new Network(3);
    net.elect(1);
    net.propose(1, 'a');
    net.propose(1, 'b', 'c');
    net.propose(2, 'd'); // a follower forwards proposals to the leader
    for (const id of [1, 2, 3]) assert.deepEqual(net.appliedData(id), ['a', 'b', 'c', 'd'], `node ${id}`);
    const last = net.node(1).raft.raftLog.lastIndex();
    for (const id of [1, 2, 3]) assert.equal(net.node(id).raft.raftLog.committed, last);
  });

  test('a follower’s conflicting uncommitted entries are overwritten by the leader’s', () => {
    const net = new Network(3, PAPER);
    net.elect(1);
    net.isolate(1);
    net.propose(1, 'lost-1', 'lost-2'); // only on node 1, never committed
    net.elect(2);
    net.propose(2, 'kept');
    net.recover();
    net.tickAll(1); // node 2's heartbeat reaches node 1

    assert.equal(net.node(1).raft.state, StateType.Follower);
    const leaderLog = net.node(2).raft.raftLog;
    const log = net.node(1).raft.raftLog;
    assert.equal(log.lastIndex(), leaderLog.lastIndex());
    for (let i = 1; i <= log.lastIndex(); i++) assert.equal(log.term(i), leaderLog.term(i), `term of ${i}`);
    for (const id of [1, 2, 3]) assert.deepEqual(net.appliedData(id), ['kept'], `node ${id}`);
  });

  test('fast back-off: a follower with 50 divergent entries of one term is fixed in a few round trips', () => {
    const net = new Network(3, PAPER);
    net.elect(1);
    net.propose(1, 'common');
    net.isolate(1);
    net.propose(1, ...Array.from({ length: 50 }, (_, i) => `stale-${i}`)); // term 2, only on node 1
    net.elect(2);
    net.propose(2, ...Array.from({ length: 50 }, (_, i) => `fresh-${i}`)); // term 3
    net.elect(3); // term 4: node 3 probes node 1 right after its own last index
    assert.equal(net.node(1).raft.raftLog.lastIndex(), 55); // 6..55 @2
    assert.equal(net.node(3).raft.raftLog.lastIndex(), 57); // 6..56 @3, 57 @4

    const mark = net.sent.length;
    net.recover();
    net.tickAll(1);
    const rejects = sentAfter(net, mark, m => m.type === MessageType.AppResp && m.from === 1 && m.reject);
    assert.ok(rejects.length >= 1, 'the divergence is detected');
    assert.ok(rejects.length <= 3, `${rejects.length} rejected appends`);
    assert.deepEqual(net.appliedData(1), net.appliedData(3));
    assert.equal(net.node(1).raft.raftLog.lastIndex(), 57);
  });
});

describe('§5.4.2 Figure 8: committing entries from previous terms', () => {
  // Node 1 is leader of term 2 and appends index 7 alone. Node 5 leads term 3 and appends its own
  // index 7 alone. Node 1 comes back and leads term 4: it replicates its old index 7 (term 2) to a
  // majority but, with maxSizePerMsg = 1 and a filter, not its index 8 (term 4).
  function figure8c(): Network {
    const net = new Network(5, { ...PAPER, maxSizePerMsg: 1 });
    net.elect(1); // term 2: log 1..5 @1, 6 @2
    net.isolate(1);
    net.propose(1, 'old'); // 7 @2 on node 1 only
    net.ignore(MessageType.App);
    net.elect(5); // term 3 with votes of 2, 3 and 4; its 7 @3 stays on node 5
    assert.equal(net.node(5).raft.raftLog.term(7), 3);

    net.recover();
    net.isolate(5); // node 5 is down
    net.restart(1); // node 1 crashed and comes back as a follower of term 2
    const hasOld = (id: NodeId): boolean => net.node(id).raft.raftLog.lastIndex() >= 7;
    // Nodes 2..4 may learn index 7 (term 2) from node 1, but never an entry of term 4.
    net.dropIf(m => m.type === MessageType.App && m.entries.some(e => e.term === 4) && hasOld(m.to));
    net.elect(1); // term 4 (its first try, term 3, finds the votes cast for node 5)
    assert.equal(net.node(1).raft.term, 4);
    return net;
  }

  test('(c) an old-term entry stored on a majority is not committed by counting replicas', () => {
    const net = figure8c();
    const leader = net.node(1).raft;
    for (const id of [1, 2, 3, 4]) assert.equal(net.node(id).raft.raftLog.term(7), 2, `node ${id}`);
    for (const id of [2, 3, 4]) assert.equal(leader.prs.get(id)?.match, 7, `leader knows node ${id} has 7`);
    assert.equal(leader.raftLog.lastIndex(), 8);
    assert.equal(leader.raftLog.committed, 6);
    net.tickAll(3); // heartbeats change nothing
    assert.equal(leader.raftLog.committed, 6);
    for (const id of [1, 2, 3, 4]) assert.deepEqual(net.appliedData(id), [], `node ${id}`);
  });

  test('(d) ...because it can still be overwritten: node 5 wins and replaces it', () => {
    const net = figure8c();
    net.recover();
    net.isolate(1); // node 1 crashes again before replicating index 8
    net.restart(5);
    net.elect(5); // its last entry (7 @3) is more up to date than 7 @2
    for (const id of [2, 3, 4, 5]) {
      assert.equal(net.node(id).raft.raftLog.term(7), 3, `node ${id}`);
      assert.deepEqual(net.appliedData(id), [], `node ${id} never applied 'old'`);
    }
  });

  test('(e) once an entry of the current term is replicated on a majority, both commit', () => {
    const net = figure8c();
    net.recover();
    net.isolate(5);
    net.tickAll(1); // a heartbeat round: the followers get index 8 and acknowledge it
    const leader = net.node(1).raft;
    assert.equal(leader.raftLog.committed, 8);
    assert.deepEqual(net.appliedData(1), ['old']);
    net.tickAll(1); // the next heartbeat carries the commit index to every follower
    for (const id of [2, 3, 4]) assert.deepEqual(net.appliedData(id), ['old'], `node ${id}`);
  });
});

describe('thesis §9.6 PreVote', () => {
  test('a node partitioned for many election timeouts rejoins without disrupting the leader', () => {
    const net = new Network(3);
    net.elect(1);
    const term = net.node(1).raft.term;
    net.isolate(3);
    net.tickAll(10 * ELECTION_TICK);
    assert.equal(net.node(3).raft.term, term, 'its pre-votes fail, so its term never moves');

    net.recover();
    net.tickAll(2);
    assert.equal(net.leader(), 1);
    for (const id of [1, 2, 3]) assert.equal(net.node(id).raft.term, term, `term of node ${id}`);
    assert.equal(net.node(3).raft.state, StateType.Follower);
    assert.equal(net.node(3).raft.lead, 1);
    net.propose(1, 'x');
    assert.deepEqual(net.appliedData(3), ['x']);
  });

  test('for contrast, without PreVote the rejoining node forces a new election', () => {
    const net = new Network(3, { preVote: false, checkQuorum: true });
    net.elect(1);
    const term = net.node(1).raft.term;
    net.isolate(3);
    net.tickAll(10 * ELECTION_TICK);
    assert.ok(net.node(3).raft.term > term, 'each timeout bumps its term');

    net.recover();
    net.tickAll(5 * ELECTION_TICK);
    const leader = net.leader();
    assert.ok(leader !== undefined);
    assert.ok(net.node(leader).raft.term > term, 'the old leader was deposed');
  });
});

describe('thesis §6.2 CheckQuorum', () => {
  test('a leader cut off from the majority steps down within two election timeouts', () => {
    const net = new Network(3);
    net.elect(1);
    net.isolate(1);
    let ticks = 0;
    while (net.node(1).raft.state === StateType.Leader && ticks <= 3 * ELECTION_TICK) {
      net.tickAll(1);
      ticks++;
    }
    assert.equal(net.node(1).raft.state, StateType.Follower);
    assert.ok(ticks <= 2 * ELECTION_TICK, `stepped down after ${ticks} ticks`);
    const leader = net.leader();
    assert.ok(leader === 2 || leader === 3, 'the majority elected a new leader');
  });

  test('a follower that heard from its leader recently ignores a disruptive vote request', () => {
    const net = new Network(3);
    net.elect(1);
    const follower = net.node(2);
    const { term } = follower.raft;
    const log = follower.raft.raftLog;
    const replies = respond(net, voteRequest(3, 2, term + 5, log.lastIndex(), log.lastTerm()));
    assert.deepEqual(replies, []);
    assert.equal(follower.raft.term, term);
    assert.equal(follower.raft.lead, 1);
  });
});

describe('batching and pipelining', () => {
  const proposeAll: [string, (net: Network, data: Uint8Array[]) => void][] = [
    ['in one call', (net, data) => net.node(1).propose(...data)],
    ['one by one before a Ready', (net, data) => data.forEach(d => net.node(1).propose(d))],
  ];
  for (const [how, propose] of proposeAll) {
    test(`100 proposals stepped ${how} go to each follower in a single append`, () => {
      const net = new Network(3);
      net.elect(1);
      const mark = net.sent.length;
      propose(
        net,
        Array.from({ length: 100 }, (_, i) => bytes(`p${i}`)),
      );
      net.stabilize();
      for (const to of [2, 3]) {
        const apps = sentAfter(
          net,
          mark,
          m => m.type === MessageType.App && m.to === to && m.entries.length > 0,
        );
        assert.equal(apps.length, 1, `appends to node ${to}`);
        assert.equal(apps[0]?.entries.length, 100);
        assert.equal(net.appliedData(to).length, 100);
      }
    });
  }

  test('a paused follower whose ack arrives after the commit moved is sent the new commit index at once', () => {
    const net = new Network(3);
    net.elect(1); // log: 1..3 @1, 4 @2
    net.isolate(2);
    net.isolate(3);
    net.propose(1, 'a'); // 5 @2, on the leader only
    net.recover();
    net.tickAll(1); // heartbeats: both followers are probed and get index 5; node 2's ack commits it
    assert.equal(net.node(1).raft.raftLog.committed, 5);
    assert.deepEqual(net.appliedData(2), ['a']);
    assert.equal(net.node(3).raft.raftLog.committed, 5);
    assert.deepEqual(net.appliedData(3), ['a']);
  });

  test('with maxInflightMsgs = 2 and acks withheld the leader pauses after two appends', () => {
    const net = new Network(3, { maxInflightMsgs: 2 });
    net.elect(1);
    net.drop(2, 1); // node 2's acknowledgements are lost
    const mark = net.sent.length;
    for (let i = 0; i < 5; i++) net.propose(1, `e${i}`);
    const appsTo2 = (): Message[] =>
      sentAfter(net, mark, m => m.type === MessageType.App && m.to === 2 && m.entries.length > 0);
    assert.equal(appsTo2().length, 2);
    assert.deepEqual(net.appliedData(1), ['e0', 'e1', 'e2', 'e3', 'e4'], 'node 3 keeps the quorum');

    // When the link heals, a heartbeat response reopens the window and the backlog goes in one append.
    net.recover();
    net.tickAll(1);
    const after = appsTo2().slice(2);
    assert.equal(after.length, 1);
    assert.deepEqual(
      after[0]?.entries.map(e => new TextDecoder().decode(e.data)),
      ['e2', 'e3', 'e4'],
    );
    assert.deepEqual(net.appliedData(2), ['e0', 'e1', 'e2', 'e3', 'e4']);
  });
});

describe('§7 log compaction and snapshots', () => {
  function laggingFollowerAfterCompaction(): Network {
    const net = new Network(3);
    net.elect(1);
    net.isolate(3);
    net.propose(1, ...Array.from({ length: 10 }, (_, i) => `v${i}`));
    net.compact(1);
    assert.ok(net.storage(1).firstIndex() > net.node(3).raft.raftLog.lastIndex() + 1);
    return net;
  }

  test('a follower behind the leader’s compacted log is brought up to date by a snapshot', () => {
    const net = laggingFollowerAfterCompaction();
    const mark = net.sent.length;
    net.recover();
    net.tickAll(1);
    const snaps = sentAfter(net, mark, m => m.type === MessageType.Snap);
    assert.equal(snaps.length, 1);
    assert.equal(snaps[0]?.to, 3);
    assert.equal(net.node(3).raft.raftLog.lastIndex(), net.node(1).raft.raftLog.lastIndex());
    assert.deepEqual(net.appliedData(3), net.appliedData(1));

    net.propose(1, 'after');
    assert.deepEqual(net.appliedData(3).slice(-1), ['after'], 'normal replication resumes');
  });

  test('a lost snapshot is sent again once the transport reports the failure', () => {
    const net = laggingFollowerAfterCompaction();
    net.recover();
    net.ignore(MessageType.Snap);
    net.tickAll(1);
    assert.equal(net.node(1).raft.prs.get(3)?.state, ProgressState.Snapshot);

    net.recover();
    net.tickAll(3);
    assert.equal(net.node(3).raft.raftLog.lastIndex(), 4, 'the leader waits for the snapshot report');

    net.node(1).reportSnapshot(3, false);
    net.tickAll(1);
    assert.equal(net.node(3).raft.raftLog.lastIndex(), net.node(1).raft.raftLog.lastIndex());
    assert.deepEqual(net.appliedData(3), net.appliedData(1));
  });
});

describe('§6 membership changes (single-server)', () => {
  test('a new node catches up and becomes a voter; a removed node no longer counts', () => {
    const net = new Network(3);
    net.elect(1);
    net.propose(1, 'before');
    net.addNode(4);
    net.node(1).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4 });
    net.stabilize();
    net.tickAll(1); // the leader's heartbeat finds node 4, which then gets the whole log
    const leader = net.node(1).raft;
    assert.deepEqual(leader.prs.voters(), [1, 2, 3, 4]);
    assert.equal(net.node(4).raft.raftLog.lastIndex(), leader.raftLog.lastIndex());
    assert.deepEqual(net.node(4).status().voters, [1, 2, 3, 4]);
    assert.deepEqual(net.appliedData(4), ['before']);

    // With 4 voters the quorum is 3: with node 2 away, node 4's acknowledgement is needed.
    net.isolate(2);
    net.isolate(4);
    net.propose(1, 'needs-4');
    assert.deepEqual(net.appliedData(1), ['before']);
    net.recover();
    net.isolate(2);
    net.tickAll(1);
    assert.deepEqual(net.appliedData(1), ['before', 'needs-4']);

    net.recover();
    net.node(1).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 3 });
    net.stabilize();
    assert.deepEqual(leader.prs.voters(), [1, 2, 4]);
    net.isolate(3);
    net.isolate(4);
    net.propose(1, 'without-3'); // quorum of {1, 2, 4} is 2
    assert.deepEqual(net.appliedData(2).slice(-1), ['without-3']);
  });

  test('a second conf change proposed while one is pending is dropped', () => {
    const net = new Network(3);
    net.elect(1);
    net.addNode(4);
    net.node(1).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4 });
    assert.throws(
      () => net.node(1).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 5 }),
      ProposalDroppedError,
    );
    net.stabilize();
    // Once the first is applied, the next may go.
    net.node(1).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 4 });
    net.stabilize();
    assert.deepEqual(net.node(1).raft.prs.voters(), [1, 2, 3]);
  });

  test('a leader cannot remove itself: the others would never learn the change committed; after a transfer, the new leader removes it', () => {
    const net = new Network(3);
    net.elect(1);
    assert.throws(
      () => net.node(1).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 1 }),
      /the leader cannot remove itself/,
    );
    net.node(1).transferLeadership(2);
    net.stabilize();
    assert.equal(net.node(2).raft.state, StateType.Leader);
    net.node(2).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 1 });
    net.stabilize();
    assert.deepEqual(net.node(2).raft.prs.voters(), [2, 3]);
    assert.deepEqual(net.node(3).raft.prs.voters(), [2, 3]);
    // The two go on without node 1: their quorum is theirs alone.
    net.isolate(1);
    net.propose(2, 'without-1');
    assert.deepEqual(net.appliedData(3).slice(-1), ['without-1']);
  });
});

describe('thesis §3.10 leadership transfer', () => {
  test('the leader hands over to an up-to-date follower, which leads in a higher term', () => {
    const net = new Network(3);
    net.elect(1);
    const term = net.node(1).raft.term;
    net.node(1).transferLeadership(2);
    net.stabilize();
    assert.equal(net.leader(), 2);
    assert.ok(net.node(2).raft.term > term);
    assert.equal(net.node(1).raft.state, StateType.Follower);
    assert.equal(net.node(1).raft.lead, 2);
  });

  test('a transfer to a lagging follower first brings it up to date', () => {
    const net = new Network(3);
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'a', 'b', 'c');
    net.recover();
    const mark = net.sent.length;
    net.node(1).transferLeadership(3);
    net.stabilize();
    assert.equal(net.leader(), 3);
    const kinds = sentAfter(
      net,
      mark,
      m => m.to === 3 && (m.type === MessageType.App || m.type === MessageType.TimeoutNow),
    )
      .filter(m => m.type === MessageType.TimeoutNow || m.entries.length > 0)
      .map(m => m.type);
    // The missing entries go first; TimeoutNow only once node 3 has acknowledged them.
    assert.deepEqual(kinds, [MessageType.App, MessageType.TimeoutNow]);
    assert.deepEqual(net.appliedData(3), ['a', 'b', 'c']);
  });

  test('proposals are dropped while a transfer is in progress, until it is abandoned', () => {
    const net = new Network(3);
    net.elect(1);
    net.isolate(3); // the transfer cannot finish
    net.node(1).transferLeadership(3);
    assert.throws(() => net.node(1).propose(bytes('x')), ProposalDroppedError);
    net.tickAll(ELECTION_TICK); // abandoned after an election timeout
    assert.equal(net.leader(), 1);
    net.propose(1, 'y');
    assert.deepEqual(net.appliedData(2), ['y']);
  });
});

describe('thesis §6.4 ReadIndex', () => {
  test('on the leader, a read is served at the commit index once a quorum confirms leadership', () => {
    const net = new Network(3);
    net.elect(1);
    net.propose(1, 'a');
    const committed = net.node(1).raft.raftLog.committed;
    net.node(1).readIndex('on-leader');
    net.stabilize();
    assert.deepEqual(net.readStates.get(1), [{ index: committed, context: 'on-leader' }]);
  });

  test('on a follower, the read is forwarded and answered with the leader’s commit index', () => {
    const net = new Network(3);
    net.elect(1);
    net.propose(1, 'a');
    const committed = net.node(1).raft.raftLog.committed;
    net.node(2).readIndex('on-follower');
    net.stabilize();
    assert.deepEqual(net.readStates.get(2), [{ index: committed, context: 'on-follower' }]);
    assert.deepEqual(net.readStates.get(1), []);
  });

  test('a new leader delays reads until it has committed an entry of its own term', () => {
    const net = new Network(3, PAPER);
    net.elect(1);
    net.propose(1, 'a');
    net.ignore(MessageType.App);
    net.elect(2); // its empty entry of term 3 is not replicated yet
    const log = net.node(2).raft.raftLog;
    assert.ok(log.term(log.committed) < net.node(2).raft.term);
    net.node(2).readIndex('early');
    net.stabilize();
    assert.deepEqual(net.readStates.get(2), []);

    net.recover();
    net.tickAll(1);
    assert.equal(log.term(log.committed), net.node(2).raft.term);
    assert.deepEqual(net.readStates.get(2), [{ index: log.committed, context: 'early' }]);
  });
});

describe('ReadIndex across a configuration change', () => {
  test('a read waiting for a member that is then removed is answered by the new quorum', () => {
    const net = new Network(2);
    net.elect(1);
    net.propose(1, 'a');
    // Node 2 takes appends but never answers a heartbeat: the read waits for its ack.
    net.dropIf(m => m.from === 2 && m.type === MessageType.HeartbeatResp);
    net.node(1).readIndex('before-removal');
    net.stabilize();
    assert.deepEqual(net.readStates.get(1), []);

    net.node(1).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 2 });
    net.stabilize();
    assert.deepEqual(net.node(1).raft.prs.voters(), [1]);
    const committed = net.node(1).raft.raftLog.committed;
    const [read] = net.readStates.get(1) ?? [];
    assert.equal(read?.context, 'before-removal');
    assert.ok(read.index <= committed);
  });
});

describe('the Ready contract', () => {
  test('a vote is in the HardState (mustSync) of the same Ready as the vote response', () => {
    const net = new Network(3);
    net.stabilize();
    const node = net.node(2);
    node.step(voteRequest(1, 2, 2, 3, 1));
    const rd = node.ready();
    assert.deepEqual(rd.hardState, { term: 2, vote: 1, commit: 3 });
    assert.equal(rd.mustSync, true);
    const resp = rd.messages.find(m => m.type === MessageType.VoteResp);
    assert.ok(resp !== undefined && !resp.reject);
  });

  test('entries come in the Ready that sends the messages carrying or acknowledging them', () => {
    const net = new Network(3);
    net.elect(1);
    const storedBefore = net.storage(1).lastIndex();
    net.node(1).propose(bytes('x'));
    const leaderRd = net.process(1);
    assert.ok(leaderRd !== undefined);
    assert.deepEqual(
      leaderRd.entries.map(e => e.index),
      [storedBefore + 1],
    );
    assert.equal(leaderRd.mustSync, true);
    const app = leaderRd.messages.find(m => m.type === MessageType.App && m.to === 2);
    assert.ok(app !== undefined);
    assert.deepEqual(
      app.entries.map(e => e.index),
      [storedBefore + 1],
    );

    net.node(2).step(structuredClone(app));
    const followerRd = net.process(2);
    assert.ok(followerRd !== undefined);
    assert.deepEqual(
      followerRd.entries.map(e => e.index),
      [storedBefore + 1],
    );
    assert.equal(followerRd.mustSync, true);
    const ack = followerRd.messages.find(m => m.type === MessageType.AppResp);
    assert.ok(ack !== undefined && !ack.reject);
    assert.equal(ack.index, storedBefore + 1);
  });

  test('a HardState change of the commit index alone does not require a sync', () => {
    const net = new Network(3);
    net.elect(1);
    // Node 2 gets the entry but not the news that it committed.
    net.dropIf(m => m.type === MessageType.App && m.to === 2 && m.entries.length === 0);
    net.propose(1, 'x');
    const { committed } = net.node(1).raft.raftLog;
    assert.equal(net.node(2).raft.raftLog.lastIndex(), committed);
    assert.ok(net.node(2).raft.raftLog.committed < committed);

    net.node(1).tick();
    const heartbeat = net.process(1)?.messages.find(m => m.type === MessageType.Heartbeat && m.to === 2);
    assert.ok(heartbeat !== undefined);
    net.node(2).step(structuredClone(heartbeat));
    const rd = net.node(2).ready();
    assert.deepEqual(rd.hardState, { term: net.node(1).raft.term, vote: 1, commit: committed });
    assert.equal(rd.mustSync, false);
  });
});
