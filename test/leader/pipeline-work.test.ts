/**
 * What the task pipeline's next pass looks at, from the store's events (server/leader/pipeline-work.ts):
 * only what changed, everything once per term, and what waits for something tried again when it comes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PipelineWork, type PassWork } from '../../server/leader/pipeline-work.ts';
import type { StoreEvent, StoreObject, Task } from '../../server/store/index.ts';
import { newNetwork, newNode, newService, newTask } from '../store/fixtures.ts';

const meta = { version: { index: 1 }, createdAt: 0, updatedAt: 0 };

function event(table: string, object: object, kind: StoreEvent['kind'] = 'update'): StoreEvent {
  return { kind, table, object: { ...object, meta } as StoreObject, index: 1 };
}

function task(id: string, serviceId: string, state: Task['status']['state'], nodeId = ''): StoreEvent {
  return event('tasks', { ...newTask(id, serviceId, 1, { nodeId }), status: { state, timestamp: 0 } });
}

/**
 * Takes a pass's work with `onNodes` as the services on changed nodes, `global` as the global ones and
 * `updating` as those in a rolling update.
 */
function take(
  w: PipelineWork,
  now = 0,
  onNodes: Record<string, string[]> = {},
  global: string[] = [],
  updating: string[] = [],
): PassWork {
  return w.take(
    now,
    ids => [...ids].flatMap(id => onNodes[id] ?? []),
    () => global,
    ids => [...ids].filter(id => updating.includes(id)),
  );
}

/** `task(...)` as an update from `before` (its state and desired state; node as given). */
function moved(
  id: string,
  serviceId: string,
  before: Task['status']['state'],
  after: Task['status']['state'],
  o: { nodeId?: string; wasNode?: string; desired?: Task['desiredState'] } = {},
): StoreEvent {
  const now = task(id, serviceId, after, o.nodeId ?? 'n1');
  const old = task(id, serviceId, before, o.wasNode ?? o.nodeId ?? 'n1').object as Task;
  const oldObject: Task = { ...old, desiredState: o.desired ?? old.desiredState };
  return { ...now, oldObject };
}

const sorted = (s: ReadonlySet<string>): string[] => [...s].sort();

test('a new term looks at everything once, then only at what changed', () => {
  const w = new PipelineWork();
  assert.equal(take(w).everything, true);
  const quiet = take(w);
  assert.equal(quiet.everything, false);
  assert.deepEqual([quiet.services.size, quiet.fresh.size, quiet.pending.size], [0, 0, 0]);

  w.note(event('services', newService('s1', 'web')));
  w.note(task('t1', 's2', 'new'));
  w.note(task('t2', 's2', 'pending'));
  w.note(task('t3', 's3', 'running'));
  const work = take(w);
  assert.deepEqual(sorted(work.services), ['s1', 's2', 's3']);
  assert.deepEqual([sorted(work.fresh), sorted(work.pending), sorted(work.released)], [['t1'], ['t2'], []]);
  assert.equal(take(w).services.size, 0, 'taken once');

  w.note(event('networks', { id: 'n1' }));
  assert.equal(take(w).everything, true, 'a network change: everything');

  // The allocator's cursor moving (each batch of addresses) is not a change worth everything.
  const allocated = {
    ...newNetwork('n1', 'front'),
    allocation: { subnet: '10.0.1.0/24', gateway: '10.0.1.1', vni: 4097 },
  };
  const moved = { ...allocated, allocation: { ...allocated.allocation, lastAddress: '10.0.1.9' } };
  w.note({ ...event('networks', moved), oldObject: { ...allocated, meta } });
  assert.equal(take(w).everything, false, 'the cursor moved: nothing to look at');
  const renamed = { ...moved, spec: { ...moved.spec, labels: { a: 'b' } } };
  w.note({ ...event('networks', renamed), oldObject: { ...moved, meta } });
  assert.equal(take(w).everything, true, 'its spec changed: everything');
  const resubnetted = { ...moved, allocation: { ...moved.allocation, subnet: '10.0.2.0/24' } };
  w.note({ ...event('networks', resubnetted), oldObject: { ...moved, meta } });
  assert.equal(take(w).everything, true, 'its subnet changed: everything');
  w.note({ ...event('networks', allocated), oldObject: { ...newNetwork('n1', 'front'), meta } });
  assert.equal(take(w).everything, true, 'allocated: everything');
  w.reset();
  assert.equal(take(w).everything, true, 'a new term: everything');
});

test('ended and deleted tasks give their addresses back, also in a pass that looks at everything', () => {
  const w = new PipelineWork();
  take(w);
  w.note(task('t1', 's1', 'failed'));
  w.note(task('t2', 's1', 'running', 'n1'));
  w.note({ ...task('t2', 's1', 'running', 'n1'), kind: 'remove' });
  w.note(event('nodes', newNode('n9'), 'remove'));
  w.note(event('networks', { id: 'n1' }));
  const work = take(w);
  assert.equal(work.everything, true);
  assert.deepEqual([sorted(work.released), sorted(work.removedNodes)], [['t1', 't2'], ['n9']]);
});

test('a changed node: the services of its tasks and every global service', () => {
  const w = new PipelineWork();
  take(w);
  w.note(event('nodes', newNode('n1')));
  const work = take(w, 0, { n1: ['s1', 's2'], n2: ['s3'] }, ['g1']);
  assert.deepEqual(sorted(work.services), ['g1', 's1', 's2']);
  assert.deepEqual(sorted(work.nodes), ['n1']);
});

test('a task with no address is tried again when addresses go back; one with no node when a node changes', () => {
  const w = new PipelineWork();
  take(w);
  w.noAddress('t1');
  w.noNode('t2');
  w.note(task('t9', 's1', 'running'));
  let work = take(w);
  assert.deepEqual([work.fresh.size, work.pending.size], [0, 0], 'nothing freed, no node changed');

  w.note(task('t8', 's1', 'shutdown'));
  work = take(w);
  assert.deepEqual([sorted(work.fresh), sorted(work.pending)], [['t1'], ['t2']], 'a task ended');
  assert.deepEqual([take(w).fresh.size, take(w).pending.size], [0, 0], 'tried once per freeing');

  w.noNode('t2');
  w.note(event('nodes', newNode('n1')));
  assert.deepEqual(sorted(take(w).pending), ['t2'], 'a node changed');
});

test('a service the orchestrator wants to look at later is due at its time, and not before', () => {
  const w = new PipelineWork();
  take(w);
  w.dueAt('s1', 100);
  w.dueAt('s2', 50);
  assert.equal(w.nextDue(), 50);
  assert.deepEqual(sorted(take(w, 49).services), []);
  assert.deepEqual(sorted(take(w, 60).services), ['s2']);
  w.dueAt('s1', undefined);
  assert.equal(w.nextDue(), Infinity);
  assert.deepEqual(sorted(take(w, 1000).services), []);
});

test('work given back is looked at by the next pass', () => {
  const w = new PipelineWork();
  take(w);
  w.note(task('t1', 's1', 'new'));
  const work = take(w);
  w.giveBack(work);
  const again = take(w);
  assert.deepEqual([sorted(again.services), sorted(again.fresh)], [['s1'], ['t1']]);
  w.giveBack({ everything: true });
  assert.equal(take(w).everything, true);
});

test('a task that only moves on towards RUNNING reconciles its service only while it updates', () => {
  const w = new PipelineWork();
  take(w);
  w.note(moved('t1', 's1', 'pending', 'assigned', { wasNode: '' }));
  w.note(moved('t2', 's1', 'assigned', 'running'));
  w.note(moved('t3', 's2', 'starting', 'running'));
  w.note(moved('t4', 's3', 'preparing', 'running'));
  let work = take(w, 0, {}, [], ['s2']);
  assert.deepEqual(sorted(work.services), ['s2'], 'only the updating one of the services that moved on');
  assert.equal(take(w, 0, {}, [], ['s1', 's2', 's3']).services.size, 0, 'asked once');

  // Anything else still reconciles: an end, a step back, another desired state, a move, a removal.
  w.note(moved('t5', 's4', 'running', 'failed'));
  w.note(moved('t6', 's5', 'running', 'assigned'));
  w.note(moved('t7', 's6', 'running', 'running', { desired: 'shutdown' }));
  w.note(moved('t8', 's7', 'assigned', 'assigned', { wasNode: 'n2' }));
  w.note({ ...task('t9', 's8', 'running', 'n1'), kind: 'remove' });
  w.note(task('t10', 's9', 'running', 'n1'));
  work = take(w);
  assert.deepEqual(sorted(work.services), ['s4', 's5', 's6', 's7', 's8', 's9']);
});
