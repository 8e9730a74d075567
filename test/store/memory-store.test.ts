/**
 * MemoryStore transactions: what a write transaction sees, what it records, when its writes become
 * visible, and how the apply path decides (versions, existence, names) — all or nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AlreadyExistsError,
  createCluster,
  createNode,
  deleteNode,
  getCluster,
  getNode,
  InvalidArgumentError,
  NameConflictError,
  nodeTable,
  NotFoundError,
  SequenceConflictError,
  TransactionClosedError,
  updateCluster,
  updateNode,
  type ReadTx,
  type Tx,
} from '../../server/store/index.ts';
import { ReplicatedProposer, singleStore } from './fake-proposers.ts';
import { copy, newCluster, newNode } from './fixtures.ts';

describe('visibility', () => {
  test('writes are invisible to view until the entry is applied', async () => {
    const log = new ReplicatedProposer(1, false);
    const store = log.replicas[0]!;
    const done = store.update(tx => void createNode(tx, newNode('n1')), 1000);
    assert.equal(log.pending.length, 1, 'proposed as one entry');
    assert.equal(
      store.view(tx => getNode(tx, 'n1')),
      undefined,
    );
    log.commit();
    await done;
    assert.equal(store.view(tx => getNode(tx, 'n1'))?.id, 'n1');
  });

  test('a transaction reads its own writes, and nobody else does', async () => {
    const { store } = singleStore();
    await store.update(tx => void createNode(tx, newNode('n1')), 1);
    await store.update(tx => {
      createNode(tx, newNode('n2'));
      const n1 = copy(getNode(tx, 'n1')!);
      n1.spec.availability = 'drain';
      updateNode(tx, n1);
      deleteNode(tx, 'n2');
      assert.equal(getNode(tx, 'n2'), undefined);
      assert.equal(getNode(tx, 'n1')?.spec.availability, 'drain');
      assert.deepEqual(
        tx.find(nodeTable).map(n => n.id),
        ['n1'],
      );
      // Outside the transaction, still the committed state.
      assert.equal(store.view(r => getNode(r, 'n1'))?.spec.availability, 'active');
    }, 2);
    assert.equal(store.view(tx => getNode(tx, 'n1'))?.spec.availability, 'drain');
  });

  test('objects read from the store are frozen', async () => {
    const { store } = singleStore();
    await store.update(tx => void createNode(tx, newNode('n1')), 1);
    const node = store.view(tx => getNode(tx, 'n1'))!;
    assert.throws(() => {
      node.spec.availability = 'drain';
    }, TypeError);
    assert.throws(() => {
      node.spec.labels['x'] = 'y';
    }, TypeError);
  });

  test('the store keeps its own copy of what was written', async () => {
    const { store } = singleStore();
    const mine = newNode('n1');
    await store.update(tx => void createNode(tx, mine), 1);
    mine.spec.labels['changed'] = 'after';
    assert.deepEqual(store.view(tx => getNode(tx, 'n1'))?.spec.labels, {});
  });
});

describe('versions and times', () => {
  test('meta.version.index is the index of the entry that wrote the object; times come from `now`', async () => {
    const { store, proposer } = singleStore();
    await store.update(tx => void createNode(tx, newNode('n1')), 1000);
    assert.deepEqual(store.view(tx => getNode(tx, 'n1'))?.meta, {
      version: { index: 1 },
      createdAt: 1000,
      updatedAt: 1000,
    });
    proposer.index = 41; // other entries (conf changes, other writes) went by
    const n1 = copy(store.view(tx => getNode(tx, 'n1'))!);
    n1.status.state = 'down';
    await store.update(tx => void updateNode(tx, n1), 2000);
    const after = store.view(tx => getNode(tx, 'n1'))!;
    assert.deepEqual(after.meta, { version: { index: 42 }, createdAt: 1000, updatedAt: 2000 });
    assert.equal(store.appliedIndex, 42);
  });

  test('the recorded action carries the version read, and the times; createdAt cannot be rewritten', async () => {
    const { store, proposer } = singleStore();
    await store.update(tx => void createNode(tx, newNode('n1')), 1000);
    const n1 = copy(store.view(tx => getNode(tx, 'n1'))!);
    n1.meta.createdAt = 5;
    await store.update(tx => void updateNode(tx, n1), 3000);
    const action = proposer.proposals[1]?.[0];
    assert.equal(action?.kind, 'update');
    assert.deepEqual(action?.object.meta, { version: { index: 1 }, createdAt: 1000, updatedAt: 3000 });
  });

  test('a stale update is refused when recorded: update out of sequence', async () => {
    const { store, proposer } = singleStore();
    await store.update(tx => void createNode(tx, newNode('n1')), 1);
    const stale = copy(store.view(tx => getNode(tx, 'n1'))!);
    await store.update(tx => void updateNode(tx, { ...copy(getNode(tx, 'n1')!), role: 'manager' }), 2);
    await assert.rejects(
      store.update(tx => void updateNode(tx, stale), 3),
      (err: unknown) => {
        assert.ok(err instanceof SequenceConflictError);
        assert.equal(err.message, 'update out of sequence');
        assert.equal(err.table, 'nodes');
        assert.equal(err.id, 'n1');
        assert.equal(err.givenVersion, 1);
        assert.equal(err.storedVersion, 2);
        return true;
      },
    );
    assert.equal(proposer.proposals.length, 2, 'nothing proposed');
  });

  test('a stale update is refused when applied, even if it passed when recorded', async () => {
    const log = new ReplicatedProposer(1, false);
    const store = log.replicas[0]!;
    await Promise.all([store.update(tx => void createNode(tx, newNode('n1')), 1), log.commit()]);
    const rename = (role: 'manager' | 'worker') => (tx: Tx) =>
      void updateNode(tx, { ...copy(getNode(tx, 'n1')!), role });
    const first = store.update(rename('manager'), 2);
    const second = store.update(rename('worker'), 3); // read the same version: the first is not applied yet
    log.commit();
    await first;
    await assert.rejects(second, { name: 'SequenceConflictError', message: 'update out of sequence' });
    assert.equal(store.view(tx => getNode(tx, 'n1'))?.role, 'manager');
  });
});

describe('checks when recording', () => {
  test('create of an existing id → AlreadyExistsError; update/delete of a missing id → NotFoundError', async () => {
    const { store, proposer } = singleStore();
    await store.update(tx => void createNode(tx, newNode('n1')), 1);
    await assert.rejects(
      store.update(tx => void createNode(tx, newNode('n1')), 2),
      (err: unknown) => err instanceof AlreadyExistsError && err.table === 'nodes' && err.id === 'n1',
    );
    await assert.rejects(
      store.update(tx => void updateNode(tx, { ...copy(getNode(tx, 'n1')!), id: 'nope' }), 2),
      (err: unknown) =>
        err instanceof NotFoundError && err.id === 'nope' && err.message === 'object does not exist',
    );
    await assert.rejects(
      store.update(tx => deleteNode(tx, 'nope'), 2),
      NotFoundError,
    );
    assert.equal(proposer.proposals.length, 1);
  });

  test('unique names: a create or rename onto a taken name → NameConflictError, case-insensitively', async () => {
    const { store } = singleStore();
    await store.update(tx => {
      createCluster(tx, newCluster('c1', 'default'));
      createCluster(tx, newCluster('c2', 'other'));
    }, 1);
    await assert.rejects(
      store.update(tx => void createCluster(tx, newCluster('c3', 'Default')), 2),
      (err: unknown) => {
        assert.ok(err instanceof NameConflictError);
        assert.equal(err.message, 'name conflicts with an existing object');
        assert.deepEqual(
          [err.table, err.id, err.objectName, err.holderId],
          ['clusters', 'c3', 'Default', 'c1'],
        );
        return true;
      },
    );
    await assert.rejects(
      store.update(tx => {
        const c2 = copy(getCluster(tx, 'c2')!);
        c2.spec.name = 'DEFAULT';
        updateCluster(tx, c2);
      }, 2),
      NameConflictError,
    );
  });

  test('a name freed earlier in the same transaction may be taken; swaps work', async () => {
    const { store } = singleStore();
    await store.update(tx => {
      createCluster(tx, newCluster('c1', 'a'));
      createCluster(tx, newCluster('c2', 'b'));
    }, 1);
    await store.update(tx => {
      const c1 = copy(getCluster(tx, 'c1')!);
      const c2 = copy(getCluster(tx, 'c2')!);
      c1.spec.name = 'tmp';
      updateCluster(tx, c1);
      c2.spec.name = 'a';
      updateCluster(tx, c2);
      updateCluster(tx, { ...copy(getCluster(tx, 'c1')!), spec: { name: 'b' } });
    }, 2);
    const names = store.view(tx => [getCluster(tx, 'c1')?.spec.name, getCluster(tx, 'c2')?.spec.name]);
    assert.deepEqual(names, ['b', 'a']);
  });

  test('a failed write records nothing, so the callback may catch it and go on', async () => {
    const { store, proposer } = singleStore();
    await store.update(tx => void createNode(tx, newNode('n1')), 1);
    await store.update(tx => {
      assert.throws(() => createNode(tx, newNode('n1')), AlreadyExistsError);
      createNode(tx, newNode('n2'));
    }, 2);
    assert.deepEqual(
      proposer.proposals[1]?.map(a => [a.kind, a.object.id]),
      [['create', 'n2']],
    );
  });

  test('a callback that throws proposes nothing and rejects with its error', async () => {
    const { store, proposer } = singleStore();
    const boom = new Error('boom');
    await assert.rejects(
      store.update(tx => {
        createNode(tx, newNode('n1'));
        throw boom;
      }, 1),
      boom,
    );
    assert.equal(proposer.proposals.length, 0);
    assert.equal(
      store.view(tx => getNode(tx, 'n1')),
      undefined,
    );
  });

  test('a transaction that writes nothing proposes nothing', async () => {
    const { store, proposer } = singleStore();
    await store.update(tx => void getNode(tx, 'x'), 1);
    await store.update(tx => {
      createNode(tx, newNode('n1'));
      deleteNode(tx, 'n1');
    }, 1);
    assert.equal(proposer.proposals.length, 0);
  });

  test('asynchronous callbacks, late use of a transaction, bad ids and clocks are refused', async () => {
    const { store } = singleStore();
    // Cast: the types already forbid this; the runtime check is for callers the types do not reach.
    let lateWrite: unknown;
    const asyncFn = (async (tx: Tx) => {
      await Promise.resolve();
      try {
        createNode(tx, newNode('late'));
      } catch (err) {
        lateWrite = err;
        throw err; // must not become an unhandled rejection
      }
    }) as unknown as (tx: Tx) => void;
    await assert.rejects(store.update(asyncFn, 1), InvalidArgumentError);
    await Promise.resolve();
    assert.ok(lateWrite instanceof TransactionClosedError);
    let kept: ReadTx | undefined;
    store.view(tx => {
      kept = tx;
    });
    assert.throws(() => getNode(kept!, 'n1'), TransactionClosedError);
    await assert.rejects(
      store.update(tx => void createNode(tx, newNode('')), 1),
      InvalidArgumentError,
    );
    await assert.rejects(
      store.update(tx => void createNode(tx, newNode('n1')), NaN),
      InvalidArgumentError,
    );
  });
});

describe('the changelist', () => {
  test('holds one action per touched object, in first-touch order', async () => {
    const { store, proposer } = singleStore();
    await store.update(tx => {
      createNode(tx, newNode('a'));
      createNode(tx, newNode('b'));
    }, 1);
    await store.update(tx => {
      deleteNode(tx, 'b');
      updateNode(tx, { ...copy(getNode(tx, 'a')!), role: 'manager' });
      createNode(tx, newNode('c')); // create then update: one create
      updateNode(tx, { ...copy(getNode(tx, 'c')!), role: 'manager' });
      createNode(tx, newNode('b', { role: 'manager' })); // remove then create: an update of the committed one
      updateNode(tx, { ...copy(getNode(tx, 'a')!), role: 'worker' }); // second update: still one action
    }, 2);
    const actions = proposer.proposals[1]!;
    assert.deepEqual(
      actions.map(a => [a.kind, a.object.id, a.object.meta.version.index]),
      [
        ['update', 'b', 1],
        ['update', 'a', 1],
        ['create', 'c', 0],
      ],
    );
    const nodes = store.view(tx => tx.find(nodeTable).map(n => [n.id, n.role, n.meta.version.index]));
    assert.deepEqual(nodes, [
      ['a', 'worker', 2],
      ['b', 'manager', 2],
      ['c', 'manager', 2],
    ]);
  });
});

describe('applyStoreActions', () => {
  test('rejects the whole list if any action fails, and still counts the index', async () => {
    const { store } = singleStore();
    await store.update(tx => void createNode(tx, newNode('n1')), 1);
    const n1 = store.view(tx => getNode(tx, 'n1'))!;
    const result = store.applyStoreActions(
      [
        { kind: 'create', table: 'nodes', object: { ...newNode('n2'), meta: n1.meta } },
        { kind: 'update', table: 'nodes', object: { ...n1, meta: { ...n1.meta, version: { index: 0 } } } },
      ],
      5,
    );
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.error instanceof SequenceConflictError);
    assert.equal(
      store.view(tx => getNode(tx, 'n2')),
      undefined,
      'no partial apply',
    );
    assert.equal(store.appliedIndex, 5);
  });

  test('judges each kind of conflict with the same errors as recording', () => {
    const { store } = singleStore();
    const meta = { version: { index: 0 }, createdAt: 1, updatedAt: 1 };
    assert.deepEqual(
      store.applyStoreActions([{ kind: 'create', table: 'nodes', object: { ...newNode('n1'), meta } }], 1),
      {
        ok: true,
        index: 1,
      },
    );
    const verdict = (actions: Parameters<typeof store.applyStoreActions>[0], index: number): string => {
      const r = store.applyStoreActions(actions, index);
      return r.ok ? 'ok' : r.error.name;
    };
    assert.equal(
      verdict([{ kind: 'create', table: 'nodes', object: { ...newNode('n1'), meta } }], 2),
      'AlreadyExistsError',
    );
    assert.equal(
      verdict([{ kind: 'remove', table: 'nodes', object: { ...newNode('x'), meta } }], 3),
      'NotFoundError',
    );
    assert.equal(
      verdict([{ kind: 'update', table: 'nodes', object: { ...newNode('x'), meta } }], 4),
      'NotFoundError',
    );
    assert.equal(
      verdict([{ kind: 'create', table: 'volumes', object: { ...newNode('s'), meta } }], 5),
      'InvalidArgumentError',
    );
    const c = (id: string, name: string) => ({ ...newCluster(id, name), meta });
    assert.equal(
      verdict(
        [
          { kind: 'create', table: 'clusters', object: c('c1', 'x') },
          { kind: 'create', table: 'clusters', object: c('c2', 'X') },
        ],
        6,
      ),
      'NameConflictError',
    );
    assert.equal(verdict([{ kind: 'remove', table: 'nodes', object: { ...newNode('n1'), meta } }], 7), 'ok');
  });

  test('refuses an index that does not move forward (a driver bug, thrown, not a verdict)', () => {
    const { store } = singleStore();
    store.applyStoreActions([], 3);
    assert.throws(() => store.applyStoreActions([], 3), InvalidArgumentError);
    assert.throws(() => store.applyStoreActions([], 2), InvalidArgumentError);
  });
});
