/**
 * Allocation follows leadership: three in-process managers on loopback, networks created through every
 * daemon's socket (a follower's CreateNetwork is forwarded to the leader, whose pools alone allocate), then
 * the leader is stopped and the new leader, its pools rebuilt from the store, continues without a duplicate.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WireNetwork } from '../../proto/control-types.ts';
import type { Daemon } from '../../node/daemon.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { freePort, harness, until, type Call } from './helpers.ts';

const h = harness('shoal-network-leader-');
after(() => h.cleanup());

const names = ['m1', 'm2', 'm3'] as const;
type Name = (typeof names)[number];
const daemons = new Map<Name, Daemon>();

function managerOf(name: Name): Manager | undefined {
  return (daemons.get(name) as unknown as { manager?: Manager } | undefined)?.manager;
}

/** The manager that leads, once every running one agrees on it. */
async function leader(among: readonly Name[]): Promise<Name> {
  let found: Name | undefined;
  await until('one leader that the others follow', () => {
    found = among.find(n => managerOf(n)?.raft.isLeader === true);
    const id = found === undefined ? 0 : (managerOf(found)?.identity.raftId ?? 0);
    return Promise.resolve(found !== undefined && among.every(n => managerOf(n)?.raft.leader === id));
  });
  assert.ok(found);
  return found;
}

before(async () => {
  daemons.set('m1', await h.daemon('m1'));
  const init = await h.client('m1', 'Swarm')('Init', {
    listenAddr: `127.0.0.1:${await freePort()}`,
    advertiseAddr: '',
  });
  const addr = managerOf('m1')?.identity.addr;
  for (const name of ['m2', 'm3'] as const) {
    daemons.set(name, await h.daemon(name));
    await h.client(name, 'Swarm')('Join', {
      token: init.managerToken,
      remoteAddr: addr,
      listenAddr: `127.0.0.1:${await freePort()}`,
      advertiseAddr: '',
    });
  }
  await leader(names);
});

async function create(via: Call, name: string): Promise<WireNetwork> {
  return (await via('CreateNetwork', { spec: { name, driver: 'overlay' } })).network as WireNetwork;
}

function assertDistinct(networks: readonly WireNetwork[]): void {
  const subnets = networks.map(n => n.allocation?.subnet);
  const vnis = networks.map(n => n.allocation?.vni);
  assert.equal(new Set(subnets).size, networks.length, `subnets: ${subnets.join(' ')}`);
  assert.equal(new Set(vnis).size, networks.length, `VNIs: ${vnis.join(' ')}`);
}

test('creates through every manager are allocated by the leader; a new leader hands out no duplicate', async () => {
  const first = await leader(names);
  // Interleaved and concurrent, through followers and the leader alike.
  const created = await Promise.all(
    names.flatMap(n => [0, 1, 2].map(i => create(h.client(n, 'Control'), `${n}-a${i}`))),
  );
  assertDistinct(created);

  await h.stop(first);
  daemons.delete(first);
  const rest = names.filter(n => n !== first);
  const second = await leader(rest);
  assert.notEqual(second, first);
  const more = await Promise.all(
    rest.flatMap(n => [0, 1, 2].map(i => create(h.client(n, 'Control'), `${n}-b${i}`))),
  );
  const all = (await h.client(rest[0] ?? 'm1', 'Control')('ListNetworks', {})).networks as WireNetwork[];
  assert.equal(all.length, 1 + created.length + more.length);
  assertDistinct(all);
});
