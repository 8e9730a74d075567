/**
 * `swarm init --default-addr-pool CIDR --default-addr-pool-mask-length N` through an in-process shoald:
 * refused pools leave the node out of any swarm, the ingress network and the next networks are carved
 * from the given pools, and a restarted manager keeps carving from them (the cluster object holds them).
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { WireNetwork } from '../../proto/control-types.ts';
import { freePort, harness } from './helpers.ts';

const h = harness('shoal-addr-pools-');
after(() => h.cleanup());

async function subnets(): Promise<Record<string, string | undefined>> {
  const { networks } = await h.client('m1', 'Control')('ListNetworks', {});
  return Object.fromEntries((networks as WireNetwork[]).map(n => [n.spec.name, n.allocation?.subnet]));
}

test('swarm init with address pools: refused pools change nothing; given ones are carved in order', async () => {
  await h.daemon('m1');
  const swarm = h.client('m1', 'Swarm');
  const init = async (pools: string[], mask: number): Promise<unknown> =>
    swarm('Init', {
      listenAddr: `127.0.0.1:${await freePort()}`,
      advertiseAddr: '',
      defaultAddrPool: pools,
      defaultAddrPoolMaskLength: mask,
    });
  const refused: [string[], number, RegExp][] = [
    [['10.20.0.0/16'], 30, /mask length 30: must be at most 29/],
    [['10.20.0.0/33'], 24, /invalid default address pool/],
    [['10.20.0.0/26'], 24, /is smaller than the mask length \/24/],
    [['10.20.0.0/16', '10.20.128.0/17'], 24, /overlap/],
  ];
  for (const [pools, mask, details] of refused) {
    await assert.rejects(init(pools, mask), (err: grpc.ServiceError) => {
      assert.equal(err.code, grpc.status.INVALID_ARGUMENT, err.details);
      assert.match(err.details, details);
      return true;
    });
    assert.equal((await swarm('Info', {})).state, 'inactive');
  }

  await init(['10.20.0.0/25', '172.28.0.0/16'], 26);
  const control = h.client('m1', 'Control');
  const create = async (name: string): Promise<unknown> =>
    control('CreateNetwork', { spec: { name, driver: 'overlay' } });
  await create('a');
  assert.deepEqual(await subnets(), { ingress: '10.20.0.0/26', a: '10.20.0.64/26' });
  // The first pool is full: the next subnet comes from the second.
  await create('b');
  assert.equal((await subnets()).b, '172.28.0.0/26');

  await h.stop('m1');
  await h.daemon('m1');
  await create('c');
  assert.equal((await subnets()).c, '172.28.0.64/26');
});
