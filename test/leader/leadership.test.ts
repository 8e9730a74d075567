/**
 * The leadership lifecycle alone, over a Raft node whose leadership and read barrier the test decides:
 * services start after the barrier of the term led, in order; stop in reverse the moment Raft says
 * leadership moved; a term lost during its barrier starts nothing; a later term starts them afresh.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { NotLeaderError } from '../../lib/not-leader-error.ts';
import { Leadership, type LeaderService, type LeadershipRaft } from '../../server/leader/leadership.ts';

class FakeRaft implements LeadershipRaft {
  isLeader = false;
  term = 1;
  leader = 0;
  readonly members = new Map([
    [1, '127.0.0.1:1001'],
    [2, '127.0.0.1:1002'],
  ]);
  /** The barriers asked, each settled by the test. */
  readonly barriers: { resolve(): void; reject(err: Error): void }[] = [];
  readBarrier(): Promise<unknown> {
    return new Promise<void>((resolve, reject) => this.barriers.push({ resolve, reject }));
  }
}

function setup(): { raft: FakeRaft; l: Leadership; events: string[] } {
  const raft = new FakeRaft();
  const l = new Leadership(raft, pino({ level: 'silent' }), 5);
  const events: string[] = [];
  for (const name of ['a', 'b', 'c']) {
    const s: LeaderService = {
      name,
      start: term => void events.push(`start ${name} ${term}`),
      stop: () => void events.push(`stop ${name}`),
    };
    l.add(s);
  }
  return { raft, l, events };
}

/** Raft elects this node (ID 1) in `term`, and says so. */
function elect(raft: FakeRaft, l: Leadership, term: number): void {
  Object.assign(raft, { isLeader: true, term, leader: 1 });
  l.leaderChanged(1);
}

test('services start, in order, only once the read barrier of the term is through', async () => {
  const { raft, l, events } = setup();
  elect(raft, l, 3);
  const serving = l.serving();
  assert.deepEqual(events, []);
  assert.equal(raft.barriers.length, 1);
  assert.equal(l.servingTerm, undefined);
  raft.barriers[0]?.resolve();
  assert.equal(await serving, 3);
  assert.deepEqual(events, ['start a 3', 'start b 3', 'start c 3']);
  assert.equal(l.servingTerm, 3);
});

test('losing leadership stops them in reverse at once; calls are refused naming the new leader', async () => {
  const { raft, l, events } = setup();
  elect(raft, l, 3);
  raft.barriers[0]?.resolve();
  await l.serving();
  events.length = 0;
  Object.assign(raft, { isLeader: false, leader: 2, term: 4 });
  l.leaderChanged(2);
  assert.deepEqual(events, ['stop c', 'stop b', 'stop a']);
  assert.equal(l.servingTerm, undefined);
  await assert.rejects(l.serving(), (err: unknown) => {
    assert.ok(err instanceof NotLeaderError);
    assert.equal(err.leaderAddr, '127.0.0.1:1002');
    return true;
  });
});

test('a term lost during its barrier starts nothing, and its waiting calls are refused', async () => {
  const { raft, l, events } = setup();
  elect(raft, l, 3);
  const waiting = l.serving();
  Object.assign(raft, { isLeader: false, leader: 2, term: 4 });
  l.leaderChanged(2);
  await assert.rejects(waiting, NotLeaderError);
  raft.barriers[0]?.resolve();
  await new Promise(r => setImmediate(r));
  assert.deepEqual(events, []);
});

test('leading again in a later term: stopped, then started for it after its own barrier', async () => {
  const { raft, l, events } = setup();
  elect(raft, l, 3);
  raft.barriers[0]?.resolve();
  await l.serving();
  events.length = 0;
  elect(raft, l, 5);
  assert.deepEqual(events, ['stop c', 'stop b', 'stop a']);
  const serving = l.serving();
  raft.barriers[1]?.resolve();
  assert.equal(await serving, 5);
  assert.deepEqual(events.slice(3), ['start a 5', 'start b 5', 'start c 5']);
});

test('a failed barrier is asked again while leadership holds', async () => {
  const { raft, l, events } = setup();
  elect(raft, l, 3);
  const serving = l.serving();
  raft.barriers[0]?.reject(new Error('timed out'));
  while (raft.barriers.length < 2) await new Promise(r => setTimeout(r, 5));
  assert.deepEqual(events, []);
  raft.barriers[1]?.resolve();
  assert.equal(await serving, 3);
});

test('stop: every service stops, and none starts again', async () => {
  const { raft, l, events } = setup();
  elect(raft, l, 3);
  raft.barriers[0]?.resolve();
  await l.serving();
  await l.stop();
  assert.deepEqual(events.slice(3), ['stop c', 'stop b', 'stop a']);
  elect(raft, l, 4);
  assert.equal(raft.barriers.length, 1);
  await assert.rejects(l.serving(), NotLeaderError);
});
