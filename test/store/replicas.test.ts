/**
 * Replicas: every store that applies the same log holds the same state, and conflicts between concurrent
 * writers are decided at apply time, identically on every replica — the first entry in the log wins.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createCluster,
  createNode,
  deleteNode,
  findClusters,
  findNodes,
  getNode,
  SequenceConflictError,
  updateNode,
  MemoryStore,
  type ApplyResult,
  type ReadTx,
} from '../../server/store/index.ts';
import { ReplicatedProposer } from './fake-proposers.ts';
import { copy, newCluster, newNode } from './fixtures.ts';

const everything = (tx: ReadTx) => ({ nodes: findNodes(tx), clusters: findClusters(tx) });

function assertConverged(replicas: MemoryStore[]): void {
  const [first, ...rest] = replicas;
  for (const r of rest) {
    assert.deepEqual(r.view(everything), first!.view(everything));
    assert.deepEqual(r.snapshot(), first!.snapshot(), 'byte-identical snapshots');
    assert.equal(r.appliedIndex, first!.appliedIndex);
  }
}

const verdicts = (results: ApplyResult[]) =>
  results.map(r => (r.ok ? 'ok' : `${r.error.name}: ${r.error.message}`));

test('two replicas applying the same log converge, versions included', async () => {
  const log = new ReplicatedProposer(2, true);
  const [a, b] = log.replicas as [MemoryStore, MemoryStore];
  await a.update(tx => {
    createCluster(tx, newCluster('c1'));
    createNode(tx, newNode('n1'));
  }, 10);
  await a.update(tx => void createNode(tx, newNode('n2')), 20);
  await a.update(tx => void updateNode(tx, { ...copy(getNode(tx, 'n1')!), role: 'manager' }), 30);
  await a.update(tx => deleteNode(tx, 'n2'), 40);
  assertConverged([a, b]);
  assert.deepEqual(b.view(tx => getNode(tx, 'n1'))?.meta, {
    version: { index: 3 },
    createdAt: 10,
    updatedAt: 30,
  });
});

test('two concurrent updates of one object, committed in the other order: the second is out of sequence on both replicas', async () => {
  const log = new ReplicatedProposer(2, true);
  const [a, b] = log.replicas as [MemoryStore, MemoryStore];
  await a.update(tx => void createNode(tx, newNode('n1')), 1);
  log.autoCommit = false;

  // Both writers read version 1; both pass the record-time check; the log decides.
  const drain = a.update(tx => {
    const n = copy(getNode(tx, 'n1')!);
    n.spec.availability = 'drain';
    updateNode(tx, n);
  }, 2);
  const promote = a.update(tx => {
    const n = copy(getNode(tx, 'n1')!);
    n.spec.desiredRole = 'manager';
    updateNode(tx, n);
  }, 3);
  assert.equal(log.pending.length, 2);
  const [promoteVerdicts, drainVerdicts] = log.commit([1, 0]); // delivered in reverse

  assert.deepEqual(verdicts(promoteVerdicts!), ['ok', 'ok']);
  assert.deepEqual(verdicts(drainVerdicts!), [
    'SequenceConflictError: update out of sequence',
    'SequenceConflictError: update out of sequence',
  ]);
  await promote;
  await assert.rejects(drain, (err: unknown) => {
    assert.ok(err instanceof SequenceConflictError);
    assert.equal(err.message, 'update out of sequence');
    assert.deepEqual([err.id, err.givenVersion, err.storedVersion], ['n1', 1, 2]);
    return true;
  });
  for (const r of [a, b]) {
    const n1 = r.view(tx => getNode(tx, 'n1'))!;
    assert.equal(n1.spec.desiredRole, 'manager');
    assert.equal(n1.spec.availability, 'active', 'nothing of the rejected entry applied');
    assert.equal(n1.meta.version.index, 2);
    assert.equal(r.appliedIndex, 3, 'the rejected entry still took its index');
  }
  assertConverged([a, b]);

  // The loser re-reads and retries on top of the winner.
  log.autoCommit = true;
  await a.update(
    tx =>
      void updateNode(tx, {
        ...copy(getNode(tx, 'n1')!),
        spec: { ...getNode(tx, 'n1')!.spec, availability: 'drain' },
      }),
    4,
  );
  assert.deepEqual(b.view(tx => getNode(tx, 'n1'))?.spec, {
    desiredRole: 'manager',
    availability: 'drain',
    labels: {},
  });
  assertConverged([a, b]);
});

test('concurrent creates of one id or one unique name, and update after delete, lose on every replica', async () => {
  const log = new ReplicatedProposer(2, true);
  const [a, b] = log.replicas as [MemoryStore, MemoryStore];
  await a.update(tx => void createNode(tx, newNode('n1')), 1);
  log.autoCommit = false;

  const writes = [
    a.update(tx => void createCluster(tx, newCluster('c1', 'default')), 2),
    b.update(tx => void createCluster(tx, newCluster('c2', 'DEFAULT')), 2), // through the other replica
    a.update(tx => void createNode(tx, newNode('n2', { role: 'manager' })), 2),
    a.update(tx => void createNode(tx, newNode('n2')), 2),
    a.update(tx => deleteNode(tx, 'n1'), 2),
    a.update(tx => void updateNode(tx, { ...copy(getNode(tx, 'n1')!), role: 'manager' }), 2),
  ];
  const outcomes = log.commit().map(verdicts);
  assert.deepEqual(outcomes, [
    ['ok', 'ok'],
    [
      'NameConflictError: name conflicts with an existing object',
      'NameConflictError: name conflicts with an existing object',
    ],
    ['ok', 'ok'],
    ['AlreadyExistsError: object already exists', 'AlreadyExistsError: object already exists'],
    ['ok', 'ok'],
    ['NotFoundError: object does not exist', 'NotFoundError: object does not exist'],
  ]);
  const settled = await Promise.allSettled(writes);
  assert.deepEqual(
    settled.map(s => (s.status === 'fulfilled' ? 'ok' : (s.reason as Error).name)),
    ['ok', 'NameConflictError', 'ok', 'AlreadyExistsError', 'ok', 'NotFoundError'],
  );
  for (const r of [a, b]) {
    assert.deepEqual(
      r.view(tx => findNodes(tx).map(n => [n.id, n.role])),
      [['n2', 'manager']],
    );
    assert.deepEqual(
      r.view(tx => findClusters(tx).map(c => c.id)),
      ['c1'],
    );
  }
  assertConverged([a, b]);
});

test('a new replica installed from a snapshot goes on applying the log in step', async () => {
  const log = new ReplicatedProposer(2, true);
  const [a, b] = log.replicas as [MemoryStore, MemoryStore];
  await a.update(tx => void createNode(tx, newNode('n1')), 1);
  await a.update(tx => void createCluster(tx, newCluster('c1')), 2);
  // A third manager joins behind a compacted log: it gets a snapshot (InstallSnapshot), then new entries.
  const c = new MemoryStore(log);
  c.restore(a.snapshot());
  log.replicas.push(c);
  await a.update(tx => void updateNode(tx, { ...copy(getNode(tx, 'n1')!), role: 'manager' }), 3);
  assertConverged([a, b, c]);
  assert.equal(c.view(tx => getNode(tx, 'n1'))?.meta.version.index, 3);
});
