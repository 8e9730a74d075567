/**
 * Watching committed changes: events come after apply, in log order, filtered; viewAndWatch hands over
 * from a read to the feed with no gap and no duplicate; a watcher that falls behind is closed, not buffered.
 */
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, test } from 'node:test';
import {
  createCluster,
  createNode,
  DEFAULT_WATCH_QUEUE_LIMIT,
  deleteNode,
  findNodes,
  getNode,
  nodeTable,
  updateNode,
  WatchQueueOverflowError,
  type Node,
  type StoreEvent,
  type Watcher,
} from '../../server/store/index.ts';
import { ReplicatedProposer, singleStore } from './fake-proposers.ts';
import { copy, newCluster, newNode } from './fixtures.ts';

/** Reads exactly `n` events. */
async function take(watcher: Watcher, n: number): Promise<StoreEvent[]> {
  const out: StoreEvent[] = [];
  while (out.length < n) {
    const r = await watcher.next();
    assert.equal(r.done, false, `watcher ended after ${out.length} of ${n} events`);
    out.push(r.value as StoreEvent);
  }
  return out;
}

const brief = (e: StoreEvent) => [e.kind, e.table, e.object.id, e.index];

describe('watch', () => {
  test('publishes only after apply, then every change in log order', async () => {
    const log = new ReplicatedProposer(1, false);
    const store = log.replicas[0]!;
    const watcher = store.watch();
    let got: StoreEvent | undefined;
    const first = watcher.next().then(r => (got = r.value as StoreEvent));
    const write = store.update(tx => void createNode(tx, newNode('n1')), 1);
    await tick();
    assert.equal(got, undefined, 'nothing before the entry is applied');
    log.commit();
    await Promise.all([write, first]);
    assert.deepEqual(brief(got!), ['create', 'nodes', 'n1', 1]);

    log.autoCommit = true;
    await store.update(tx => void updateNode(tx, { ...copy(getNode(tx, 'n1')!), role: 'manager' }), 2);
    await store.update(tx => {
      deleteNode(tx, 'n1');
      createCluster(tx, newCluster('c1'));
    }, 3);
    const [update, remove, create] = await take(watcher, 3);
    assert.deepEqual(
      [update, remove, create].map(e => brief(e!)),
      [
        ['update', 'nodes', 'n1', 2],
        ['remove', 'nodes', 'n1', 3],
        ['create', 'clusters', 'c1', 3],
      ],
    );
    assert.equal((update!.oldObject as Node).role, 'worker');
    assert.equal((update!.object as Node).role, 'manager');
    assert.equal(update!.object.meta.version.index, 2);
    assert.equal((remove!.object as Node).role, 'manager', 'a remove carries the object as it was');
    assert.equal(remove!.oldObject, undefined);
    watcher.close();
  });

  test('filters by table, kind and predicate', async () => {
    const { store } = singleStore();
    const nodesOnly = store.watch({ tables: [nodeTable.name] });
    const removes = store.watch({ kinds: ['remove'] });
    const managers = store.watch({ where: e => (e.object as Node).role === 'manager' });
    await store.update(tx => {
      createCluster(tx, newCluster('c1'));
      createNode(tx, newNode('n1'));
      createNode(tx, newNode('n2', { role: 'manager' }));
    }, 1);
    await store.update(tx => deleteNode(tx, 'n1'), 2);
    assert.deepEqual((await take(nodesOnly, 3)).map(brief), [
      ['create', 'nodes', 'n1', 1],
      ['create', 'nodes', 'n2', 1],
      ['remove', 'nodes', 'n1', 2],
    ]);
    assert.deepEqual((await take(removes, 1)).map(brief), [['remove', 'nodes', 'n1', 2]]);
    assert.deepEqual((await take(managers, 1)).map(brief), [['create', 'nodes', 'n2', 1]]);
    for (const w of [nodesOnly, removes, managers]) w.close();
  });

  test('a rejected entry publishes nothing', async () => {
    const { store, proposer } = singleStore();
    await store.update(tx => void createNode(tx, newNode('n1')), 1);
    const watcher = store.watch();
    const n1 = store.view(tx => getNode(tx, 'n1'))!;
    const stale = { ...n1, meta: { ...n1.meta, version: { index: 0 } } };
    assert.equal(
      store.applyStoreActions([{ kind: 'update', table: 'nodes', object: stale }], ++proposer.index).ok,
      false,
    );
    await store.update(tx => void createNode(tx, newNode('n2')), 3);
    assert.deepEqual((await take(watcher, 1)).map(brief), [['create', 'nodes', 'n2', 3]]);
    watcher.close();
  });

  test('close() ends a waiting read; leaving a for-await loop closes the watcher', async () => {
    const { store } = singleStore();
    const a = store.watch();
    const waiting = a.next();
    a.close();
    assert.deepEqual(await waiting, { done: true, value: undefined });
    assert.equal(a.closed, true);

    const b = store.watch();
    await store.update(tx => {
      createNode(tx, newNode('n1'));
      createNode(tx, newNode('n2'));
    }, 1);
    const seen: string[] = [];
    for await (const event of b) {
      seen.push(event.object.id);
      break;
    }
    assert.deepEqual(seen, ['n1']);
    assert.equal(b.closed, true);
    assert.deepEqual(await b.next(), { done: true, value: undefined });
  });

  test('a filter that throws closes its watcher with the error, and nothing else', async () => {
    const { store } = singleStore();
    const boom = new Error('bad filter');
    const bad = store.watch({
      where: () => {
        throw boom;
      },
    });
    const good = store.watch();
    await store.update(tx => void createNode(tx, newNode('n1')), 1);
    await assert.rejects(bad.next(), boom);
    assert.deepEqual((await take(good, 1)).map(brief), [['create', 'nodes', 'n1', 1]]);
    assert.equal(store.view(tx => getNode(tx, 'n1'))?.id, 'n1');
    good.close();
  });
});

describe('viewAndWatch', () => {
  test('the view plus the events after it is the current state: no gap, no duplicate', async () => {
    const log = new ReplicatedProposer(1, false);
    const store = log.replicas[0]!;
    const nodeIds = (ids: Set<string>, e: StoreEvent) => {
      if (e.kind === 'remove') ids.delete(e.object.id);
      else ids.add(e.object.id);
    };
    // Entries in flight on both sides of the view.
    const writes = [1, 2, 3].map(i => store.update(tx => void createNode(tx, newNode(`n${i}`)), i));
    log.commit([0, 1]);
    const { result, index, watcher } = store.viewAndWatch(tx => new Set(findNodes(tx).map(n => n.id)), {
      tables: ['nodes'],
    });
    assert.deepEqual([...result], ['n1', 'n2']);
    assert.equal(index, 2);
    writes.push(store.update(tx => deleteNode(tx, 'n1'), 4));
    writes.push(store.update(tx => void createNode(tx, newNode('n4')), 5));
    log.commit();
    await Promise.all(writes);

    const events = await take(watcher, 3);
    assert.deepEqual(events.map(brief), [
      ['create', 'nodes', 'n3', 3],
      ['remove', 'nodes', 'n1', 4],
      ['create', 'nodes', 'n4', 5],
    ]);
    assert.ok(events.every(e => e.index > index));
    for (const e of events) nodeIds(result, e);
    assert.deepEqual(
      [...result].sort(),
      store.view(tx => findNodes(tx).map(n => n.id)),
    );
    watcher.close();
  });

  test('if the view throws, no watcher is left behind', async () => {
    const { store } = singleStore();
    assert.throws(() =>
      store.viewAndWatch(() => {
        throw new Error('no');
      }),
    );
    assert.equal(store.watcherCount, 0);
  });

  test('closed watchers are forgotten by the store', async () => {
    const { store } = singleStore({ watchQueueLimit: 1 });
    const a = store.watch();
    store.watch();
    assert.equal(store.watcherCount, 2);
    a.close();
    assert.equal(store.watcherCount, 1);
    await store.update(tx => {
      createNode(tx, newNode('a'));
      createNode(tx, newNode('b'));
    }, 1);
    assert.equal(store.watcherCount, 0, 'the overflowing one too');
  });
});

describe('bounded queues', () => {
  test('a watcher more than maxQueued events behind is closed with WatchQueueOverflowError', async () => {
    const { store } = singleStore();
    const slow = store.watch({}, { maxQueued: 5 });
    const fine = store.watch({}, { maxQueued: 6 });
    await store.update(tx => {
      for (let i = 0; i < 6; i++) createNode(tx, newNode(`n${i}`));
    }, 1);
    await assert.rejects(
      slow.next(),
      (err: unknown) => err instanceof WatchQueueOverflowError && err.limit === 5,
    );
    assert.equal(slow.closed, true);
    assert.deepEqual(await slow.next(), { done: true, value: undefined }, 'the error is reported once');
    assert.equal((await take(fine, 6)).length, 6);
    fine.close();
  });

  test('the default bound is 10k events; a consumer that keeps up is never closed', async () => {
    assert.equal(DEFAULT_WATCH_QUEUE_LIMIT, 10_000);
    const { store } = singleStore();
    const lagging = store.watch();
    const keepingUp = store.watch({}, { maxQueued: 10 });
    const consumed: number[] = [];
    const consumer = (async () => {
      for await (const e of keepingUp) {
        consumed.push(e.index);
        if (consumed.length === 100) break;
      }
    })();
    for (let i = 0; i < 100; i++) await store.update(tx => void createNode(tx, newNode(`k${i}`)), i);
    await consumer;
    assert.equal(consumed.length, 100);

    await store.update(tx => {
      for (let i = 0; i < DEFAULT_WATCH_QUEUE_LIMIT - 100; i++) createNode(tx, newNode(`m${i}`));
    }, 1000);
    assert.equal(lagging.closed, false, 'exactly at the limit');
    await store.update(tx => void createNode(tx, newNode('one-too-many')), 1001);
    assert.equal(lagging.closed, true);
    await assert.rejects(lagging.next(), WatchQueueOverflowError);
  });

  test('the store-wide default can be set', async () => {
    const { store } = singleStore({ watchQueueLimit: 1 });
    const watcher = store.watch();
    await store.update(tx => {
      createNode(tx, newNode('a'));
      createNode(tx, newNode('b'));
    }, 1);
    await assert.rejects(watcher.next(), WatchQueueOverflowError);
  });
});
