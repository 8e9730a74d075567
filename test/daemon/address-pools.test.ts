/**
 * `swarm init --default-addr-pool CIDR --default-addr-pool-mask-length N --gateway-subnet CIDR` through an
 * in-process shoald: refused pools (or a gateway range they overlap) leave the node out of any swarm, the
 * ingress network and the next networks are carved from the given pools, the gateway range reaches the
 * agent and no overlay may overlap it, and a restarted manager keeps both (the cluster object holds them).
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { AssignedTask } from '../../agent/exec/executor.ts';
import { TestExecutor } from '../../agent/exec/test-executor.ts';
import type { WireNetwork } from '../../proto/control-types.ts';
import type { NetworkView } from '../../proto/dispatcher-types.ts';
import { freePort, harness, until } from './helpers.ts';

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

test('swarm init --gateway-subnet: checked against the pools, kept in the cluster, sent to every agent, kept out of overlays', async () => {
  /** The test executor, keeping the network view each assignment message left the agent with. */
  class ViewRecorder extends TestExecutor {
    view: NetworkView | undefined;
    override apply(tasks: readonly AssignedTask[], view?: NetworkView): void {
      this.view = view;
      super.apply(tasks);
    }
  }
  const executor = new ViewRecorder();
  await h.daemon('m2', { executor });
  const swarm = h.client('m2', 'Swarm');
  const init = async (o: object): Promise<unknown> =>
    swarm('Init', { listenAddr: `127.0.0.1:${await freePort()}`, advertiseAddr: '', ...o });
  const refused: [object, RegExp][] = [
    [
      { defaultAddrPool: ['172.16.0.0/12'] },
      /^default address pool 172\.16\.0\.0\/12 overlaps the node gateway bridge range 172\.18\.0\.0\/16/,
    ],
    [
      { gatewaySubnet: '10.7.0.0/16' },
      /^default address pool 10\.0\.0\.0\/8 overlaps the node gateway bridge range 10\.7\.0\.0\/16/,
    ],
    [{ defaultAddrPool: ['127.0.0.0/8'] }, /^default address pool 127\.0\.0\.0\/8 overlaps loopback/],
    [{ defaultAddrPool: ['128.0.0.0/1'] }, /^default address pool 128\.0\.0\.0\/1 overlaps link-local/],
    [
      { gatewaySubnet: '192.168.0.0/25' },
      /^invalid gateway subnet 192\.168\.0\.0\/25: the prefix length must be at most 24/,
    ],
    [
      { gatewaySubnet: '192.168.0.0/15' },
      /^invalid gateway subnet 192\.168\.0\.0\/15: the prefix length must be at least 16/,
    ],
    [
      { gatewaySubnet: '192.168.0.1/24' },
      /^invalid gateway subnet 192\.168\.0\.1\/24: it should be 192\.168\.0\.0\/24/,
    ],
    [{ gatewaySubnet: '169.254.0.0/16' }, /^gateway subnet 169\.254\.0\.0\/16 overlaps link-local/],
  ];
  for (const [req, details] of refused) {
    await assert.rejects(init(req), (err: grpc.ServiceError) => {
      assert.equal(err.code, grpc.status.INVALID_ARGUMENT, err.details);
      assert.match(err.details, details);
      return true;
    });
    assert.equal((await swarm('Info', {})).state, 'inactive');
  }

  await init({ gatewaySubnet: '192.168.64.0/20' });
  const control = h.client('m2', 'Control');
  const { cluster } = (await control('GetCluster', {})) as { cluster: { gatewaySubnet: string } };
  assert.equal(cluster.gatewaySubnet, '192.168.64.0/20');
  await until('the agent has the gateway range in its view', async () => {
    await Promise.resolve();
    return executor.view?.gatewaySubnet === '192.168.64.0/20';
  });
  await assert.rejects(
    control('CreateNetwork', { spec: { name: 'over', driver: 'overlay', subnet: '192.168.70.0/24' } }),
    (err: grpc.ServiceError) => {
      assert.equal(err.code, grpc.status.INVALID_ARGUMENT, err.details);
      assert.equal(
        err.details,
        'subnet 192.168.70.0/24 overlaps the node gateway bridge range 192.168.64.0/20 (swarm init --gateway-subnet), where tasks get their eth1 addresses',
      );
      return true;
    },
  );
  const { network } = await control('CreateNetwork', {
    spec: { name: 'old-range', driver: 'overlay', subnet: '172.18.0.0/16' },
  });
  assert.equal((network as WireNetwork).allocation?.subnet, '172.18.0.0/16');

  // A restarted manager reads the range back from the cluster object.
  await h.stop('m2');
  await h.daemon('m2');
  await assert.rejects(
    h.client('m2', 'Control')('CreateNetwork', {
      spec: { name: 'over2', driver: 'overlay', subnet: '192.168.64.0/24' },
    }),
    { code: grpc.status.INVALID_ARGUMENT },
  );
});
