/**
 * A member's log made its own alone (swarm init --force-new-cluster): the other voters' removals are
 * appended after the last committed entry, committed in its term; uncommitted entries are dropped; the
 * member then leads alone with everything committed before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  committedVoters,
  ConfChangeType,
  decodeConfChange,
  EntryType,
  forceNewCluster,
  NotAVoterError,
  RawNode,
  SeededRng,
  StateType,
} from '../../server/raft/index.ts';
import { bytes, Network } from './harness.ts';

test('the others are removed after the last committed entry; what nobody committed is dropped; the member leads alone', () => {
  const net = new Network(3);
  net.elect(1);
  net.propose(1, 'committed');
  // Node 1 goes on alone: it appends an entry nobody else will ever have, so it never commits.
  net.isolate(1);
  net.node(1).propose(bytes('lost'));
  net.stabilize();
  const storage = net.storage(1);
  const { hardState } = storage.initialState();
  assert.ok(storage.lastIndex() > hardState.commit, 'an uncommitted entry is in the log');
  assert.deepEqual([...committedVoters(storage)].sort(), [1, 2, 3]);

  const forced = forceNewCluster(storage, 1);
  assert.deepEqual(forced.removed, [2, 3]);
  assert.deepEqual(
    forced.entries.map(e => [e.index, e.term, decodeConfChange(e.data)]),
    [
      [hardState.commit + 1, hardState.term, { type: ConfChangeType.RemoveNode, nodeId: 2 }],
      [hardState.commit + 2, hardState.term, { type: ConfChangeType.RemoveNode, nodeId: 3 }],
    ],
  );
  assert.deepEqual(forced.hardState, { ...hardState, commit: hardState.commit + 2 });

  // Written as the driver writes it (replacing the uncommitted suffix), then started afresh from that
  // storage: it replays the removals and finds itself the only voter.
  const disk = storage;
  disk.append(forced.entries);
  disk.setHardState(forced.hardState);
  assert.equal(disk.lastIndex(), forced.hardState.commit);
  assert.deepEqual([...committedVoters(disk)], [1]);
  const raw = new RawNode({ id: 1, storage: disk, rng: new SeededRng(1) });
  const applied: string[] = [];
  for (let i = 0; i < 30 && raw.raft.state !== StateType.Leader; i++) {
    while (raw.hasReady()) {
      const rd = raw.ready();
      disk.append(rd.entries);
      if (rd.hardState !== undefined) disk.setHardState(rd.hardState);
      for (const e of rd.committedEntries) {
        if (e.type === EntryType.ConfChange) raw.applyConfChange(decodeConfChange(e.data));
        else if (e.data.byteLength > 0) applied.push(new TextDecoder().decode(e.data));
      }
      raw.advance(rd);
    }
    raw.tick();
  }
  assert.equal(raw.raft.state, StateType.Leader);
  assert.deepEqual(raw.raft.prs.voters(), [1]);
  assert.ok(applied.includes('committed'));
  assert.ok(!applied.includes('lost'), 'an entry nobody committed is gone');
});

test('a member that is not a voter of its own log is refused', () => {
  const net = new Network(3);
  net.elect(1);
  net.node(1).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 3 });
  net.stabilize();
  assert.throws(
    () =>
      forceNewCluster(
        net.storage(3).initialState().hardState.commit > 0 ? net.storage(1) : net.storage(1),
        3,
      ),
    NotAVoterError,
  );
});
