/**
 * Two driver aids beyond the paper: forgetLeader (a follower told its leader's connection died) and
 * scheduleReady (what a Ready may do before its disk write). The simulator checks both under faults;
 * these pin down the rules themselves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EntryType,
  message,
  MessageType,
  scheduleReady,
  StateType,
  type Entry,
  type Ready,
} from '../../server/raft/index.ts';
import { Network } from './harness.ts';

test('followers that forget a dead leader elect a new one at once, without waiting out its lease', () => {
  const net = new Network(3, { preVote: true, checkQuorum: true });
  net.elect(1);
  net.isolate(1);
  // Within the lease, a pre-vote is ignored: node 3 still counts on node 1.
  net.node(2).campaign();
  net.stabilize();
  assert.equal(net.node(2).raft.state, StateType.PreCandidate);
  // Told the leader is gone, node 3 grants it.
  net.node(3).forgetLeader();
  net.node(2).campaign();
  net.stabilize();
  assert.equal(net.node(2).raft.state, StateType.Leader);
});

test('a wrong hint is harmless: members that hear the leader refuse, and the leader stays', () => {
  const net = new Network(3, { preVote: true, checkQuorum: true });
  net.elect(1);
  const term = net.node(1).raft.term;
  net.node(2).forgetLeader();
  net.node(2).campaign();
  net.stabilize();
  assert.equal(net.node(1).raft.state, StateType.Leader);
  assert.equal(net.node(1).raft.term, term);
  net.propose(1, 'x');
  net.stabilize();
  assert.deepEqual(net.appliedData(2).slice(-1), ['x']);
  assert.equal(net.node(2).raft.lead, 1);
});

function entry(index: number): Entry {
  return { term: 2, index, type: EntryType.Normal, data: new Uint8Array([index]) };
}

function ready(over: Partial<Ready>): Ready {
  return { entries: [], committedEntries: [], messages: [], readStates: [], mustSync: false, ...over };
}

const stableHardState = { term: 2, vote: 1, commit: 3 };

test("scheduleReady: a leader's appends leave before its write; acks and votes after it", () => {
  const app = message({ type: MessageType.App, from: 1, to: 2, term: 2 });
  const resp = message({ type: MessageType.VoteResp, from: 1, to: 3, term: 2 });
  const rd = ready({ entries: [entry(5)], messages: [app, resp], mustSync: true });
  const lead = scheduleReady(rd, { isLeader: true, stableIndex: 4, stableHardState });
  assert.deepEqual(lead.sendBeforeWrite, [app]);
  assert.deepEqual(lead.sendAfterWrite, [resp]);
  const follow = scheduleReady(rd, { isLeader: false, stableIndex: 4, stableHardState });
  assert.deepEqual(follow.sendBeforeWrite, []);
  assert.deepEqual(follow.sendAfterWrite, [app, resp]);
  // A new term or vote in this Ready must be on disk before anything leaves.
  const newTerm = ready({ ...rd, hardState: { term: 3, vote: 1, commit: 3 } });
  assert.deepEqual(
    scheduleReady(newTerm, { isLeader: true, stableIndex: 4, stableHardState }).sendBeforeWrite,
    [],
  );
});

test('scheduleReady: only committed entries already on disk are applied before the write', () => {
  const rd = ready({ entries: [entry(5), entry(6)], committedEntries: [entry(4), entry(5), entry(6)] });
  const s = scheduleReady(rd, { isLeader: true, stableIndex: 4, stableHardState });
  assert.deepEqual(
    s.applyBeforeWrite.map(e => e.index),
    [4],
  );
  assert.deepEqual(
    s.applyAfterWrite.map(e => e.index),
    [5, 6],
  );
  const withSnap = ready({
    ...rd,
    snapshot: { metadata: { index: 3, term: 2, confState: { voters: [1] } }, data: new Uint8Array() },
  });
  assert.deepEqual(
    scheduleReady(withSnap, { isLeader: false, stableIndex: 4, stableHardState }).applyBeforeWrite,
    [],
  );
});
