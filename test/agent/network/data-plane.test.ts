/**
 * The data plane on real namespaces (root): two lab nodes, one overlay, tasks pinging across VXLAN, remote
 * entries following the view, adoption after a restart, a failed batch retried. Everything lives in the
 * lab's namespaces (underlay 198.51.100.0/24) and is removed at the end, also on failure.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { pino } from 'pino';
import type { WireTask } from '../../../proto/control-types.ts';
import type { NetworkView } from '../../../proto/dispatcher-types.ts';
import { DataPlane } from '../../../agent/network/data-plane.ts';
import { IpRunner, type BatchRunner } from '../../../agent/network/ip-runner.ts';
import type { SandboxEvent } from '../../../agent/network/sandbox.ts';
import { Lab } from '../../lab/lab.ts';
import { overlayView } from './view-fixtures.ts';

const root = process.getuid?.() === 0;
const log = pino({ level: 'silent' });
// As in shoald, which keeps its data folder private with this umask (node/daemon.ts).
process.umask(0o077);

const A = 'taska00000000000000000001';
const B = 'taskb00000000000000000002';
const C = 'taskc00000000000000000003';
const D = 'taskd00000000000000000004';
const E = 'taske00000000000000000005';

function view(eps: [string, string, string][]): NetworkView {
  // Standalone endpoints, named after their tasks.
  return overlayView(eps, [Lab.addr(1), Lab.addr(2)], taskId => ({ slot: 0, name: taskId }));
}

function task(id: string, nodeId: string, addr: string): WireTask {
  return {
    id,
    nodeId,
    serviceId: '',
    networks: [{ networkId: 'net1', addresses: [addr] }],
  } as unknown as WireTask;
}

const run = (argv: string[]): string => execFileSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8' });
const netnsList = (): string => run(['ip', 'netns', 'list']);
const ping = (ns: string, addr: string): boolean => {
  try {
    run(['ip', 'netns', 'exec', ns, 'busybox', 'ping', '-c', '1', '-W', '2', addr]);
    return true;
  } catch {
    return false;
  }
};

/** A and C, D, E on n1 (overlay addresses .3, .5, .6, .7), B on n2 (.4). */
const fiveView = (): NetworkView =>
  view([
    [A, 'n1', '10.0.1.3/24'],
    [B, 'n2', '10.0.1.4/24'],
    [C, 'n1', '10.0.1.5/24'],
    [D, 'n1', '10.0.1.6/24'],
    [E, 'n1', '10.0.1.7/24'],
  ]);
/** n1's tasks of fiveView. */
const onN1 = (): WireTask[] => [A, C, D, E].map((id, i) => task(id, 'n1', `10.0.1.${[3, 5, 6, 7][i]}/24`));

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 25));
  }
}

test('data plane on two lab nodes', { skip: root ? false : 'needs root' }, async t => {
  const lab = new Lab();
  const p1 = `${lab.prefix}-n1`;
  const p2 = `${lab.prefix}-n2`;
  const planes: DataPlane[] = [];
  t.after(async () => {
    for (const dp of planes) await dp.destroy().catch(() => undefined);
    await lab.destroy();
  });
  lab.create(2);
  // Counts VXLAN packets crossing the underlay bridge.
  execFileSync('ip', ['netns', 'exec', lab.underlay, 'nft', '-f', '-'], {
    input:
      'table bridge ul { chain vx { type filter hook forward priority 0; policy accept; udp dport 4789 counter; }; }\n',
  });
  const vxlanPackets = (): number =>
    Number(
      /packets (\d+)/.exec(
        run(['ip', 'netns', 'exec', lab.underlay, 'nft', 'list', 'table', 'bridge', 'ul']),
      )?.[1] ?? 0,
    );

  const dp1 = new DataPlane({ nodeId: 'n1', prefix: p1, nodeNetns: lab.node(1), log });
  const dp2 = new DataPlane({ nodeId: 'n2', prefix: p2, nodeNetns: lab.node(2), log });
  planes.push(dp1, dp2);
  await dp1.start();
  await dp2.start();
  const events1: SandboxEvent[] = [];
  dp1.onSandbox(e => events1.push(e));

  const both = view([
    [A, 'n1', '10.0.1.3/24'],
    [B, 'n2', '10.0.1.4/24'],
  ]);
  const tA = task(A, 'n1', '10.0.1.3/24');
  const tB = task(B, 'n2', '10.0.1.4/24');
  const nsA = `${p1}-t${A.slice(0, 12)}`;
  const nsB = `${p2}-t${B.slice(0, 12)}`;
  const ov1 = `${p1}-ov4097`;
  let gatewayA = '';
  /** A (re)started data plane of node 1 running its batches through `runner`, and what it announces. */
  const n1Plane = async (runner: BatchRunner): Promise<{ dp: DataPlane; events: SandboxEvent[] }> => {
    const dp = new DataPlane({ nodeId: 'n1', prefix: p1, nodeNetns: lab.node(1), log, runner });
    planes.push(dp);
    await dp.start();
    const events: SandboxEvent[] = [];
    dp.onSandbox(e => events.push(e));
    return { dp, events };
  };

  await t.test('a task on each node: they ping across VXLAN', async () => {
    const [r1, r2] = await Promise.all([dp1.update(both, [tA]), dp2.update(both, [tB])]);
    assert.deepEqual([...r1.failed], []);
    assert.deepEqual([...r2.failed], []);
    assert.equal(r1.ready.length, 1);
    gatewayA = r1.ready[0]?.gatewayAddr ?? '';
    assert.match(gatewayA, /^172\.18\.\d+\.\d+\/16$/);
    assert.deepEqual(
      events1.map(e => e.kind),
      ['added'],
    );
    assert.deepEqual(dp1.sandbox(A)?.legs, [{ networkId: 'net1', ifname: 'eth0', addr: '10.0.1.3/24' }]);

    const before = vxlanPackets();
    assert.ok(ping(nsA, '10.0.1.4'), 'A pings B over the overlay');
    assert.ok(vxlanPackets() > before, 'UDP 4789 crossed the underlay');

    const eth0 = JSON.parse(run(['ip', '-j', '-n', nsA, 'addr', 'show', 'eth0'])) as {
      mtu: number;
      address: string;
      addr_info: { family: string; local: string; prefixlen: number }[];
    }[];
    assert.equal(eth0[0]?.mtu, 1450);
    assert.equal(eth0[0]?.address, '02:42:0a:00:01:03');
    assert.ok(
      eth0[0]?.addr_info.some(a => a.family === 'inet' && `${a.local}/${a.prefixlen}` === '10.0.1.3/24'),
    );
    assert.match(run(['ip', '-n', nsA, 'addr', 'show', 'eth1']), /inet 172\.18\.\d+\.\d+\/16/);
    assert.match(run(['ip', '-n', nsA, 'route', 'show', 'default']), /default via 172\.18\.0\.1 dev eth1/);
    assert.ok(ping(nsA, '172.18.0.1'), 'the gateway bridge answers');
    // The bridge keeps its own address when a port with a lower one joins (a bridge without a set
    // address takes its lowest port's, and tasks that cached the old one lose their gateway).
    const bridgeMac = (): string =>
      (
        JSON.parse(run(['ip', '-j', '-n', lab.node(1), 'link', 'show', 'shoalgw0'])) as { address: string }[]
      )[0]?.address ?? '';
    assert.equal(bridgeMac(), '02:42:ac:12:00:01');
    const low = `${lab.prefix}lo`;
    run([
      'ip',
      '-n',
      lab.node(1),
      'link',
      'add',
      low,
      'address',
      '02:00:00:00:00:01',
      'type',
      'veth',
      'peer',
      'name',
      `${low}p`,
    ]);
    run(['ip', '-n', lab.node(1), 'link', 'set', low, 'master', 'shoalgw0', 'up']);
    assert.equal(bridgeMac(), '02:42:ac:12:00:01');
    run(['ip', '-n', lab.node(1), 'link', 'del', low]);
    assert.ok(ping(nsA, '172.18.0.1'), 'the gateway bridge still answers');
    assert.equal(
      readFileSync(`/etc/netns/${nsA}/resolv.conf`, 'utf8'),
      'nameserver 127.0.0.11\nsearch .\noptions ndots:0\n',
    );
    assert.equal(
      statSync(`/etc/netns/${nsA}/resolv.conf`).mode & 0o777,
      0o644,
      "readable by the task's users",
    );
    // Idempotent: the same update again changes nothing and keeps the sandbox.
    const again = await dp1.update(both, [tA]);
    assert.equal(again.ready[0]?.gatewayAddr, gatewayA);
    assert.deepEqual(
      events1.map(e => e.kind),
      ['added'],
    );
  });

  await t.test('B leaves the view: its remote entries go on n1, its namespace on n2', async () => {
    const onlyA = view([[A, 'n1', '10.0.1.3/24']]);
    assert.match(run(['ip', '-n', ov1, 'neigh', 'show', 'dev', 'vxlan0']), /10\.0\.1\.4/);
    await dp1.update(onlyA, [tA]);
    assert.doesNotMatch(run(['ip', '-n', ov1, 'neigh', 'show', 'dev', 'vxlan0']), /10\.0\.1\.4/);
    assert.doesNotMatch(run(['bridge', '-n', ov1, 'fdb', 'show', 'dev', 'vxlan0']), /02:42:0a:00:01:04/);
    const events2: SandboxEvent[] = [];
    dp2.onSandbox(e => events2.push(e));
    await dp2.update(onlyA, []);
    assert.ok(!netnsList().includes(nsB), "B's namespace is gone");
    assert.ok(!netnsList().includes(`${p2}-ov4097`), 'n2 no longer needs the overlay');
    assert.deepEqual(events2, [{ kind: 'removed', taskId: B, netns: nsB }]);
    assert.ok(!existsSync(`/etc/netns/${nsB}`));
  });

  await t.test('restart: a new data plane adopts A and removes a stale task namespace', async () => {
    await dp1.close();
    const stale = `${p1}-tdeadbeef0000`;
    run(['ip', 'netns', 'add', stale]);
    const dp1b = new DataPlane({ nodeId: 'n1', prefix: p1, nodeNetns: lab.node(1), log });
    planes.push(dp1b);
    await dp1b.start();
    await dp2.update(both, [tB]);
    const r = await dp1b.update(both, [tA]);
    assert.deepEqual([...r.failed], []);
    assert.equal(r.ready[0]?.gatewayAddr, gatewayA, 'the same eth1 address');
    assert.ok(!netnsList().includes(stale), 'the stale namespace is gone');
    assert.ok(ping(nsA, '10.0.1.4'), 'A still pings B');
  });

  await t.test(
    'a failed task batch: the stderr is reported, nothing half-built stays, a retry builds it',
    async () => {
      const dp1b = planes[2];
      assert.ok(dp1b);
      await dp1b.close();
      const nsC = `${p1}-t${C.slice(0, 12)}`;
      const real = new IpRunner();
      let injected = 0;
      const runner: BatchRunner = {
        run: batch => {
          if (batch.netns === nsC && batch.tool === 'ip' && !batch.bestEffort && injected === 0) {
            injected++;
            return Promise.resolve({
              ok: false,
              stderr: 'RTNETLINK answers: injected failure',
              failedLine: 2,
            });
          }
          return real.run(batch);
        },
      };
      const { dp, events } = await n1Plane(runner);
      const withC = view([
        [A, 'n1', '10.0.1.3/24'],
        [B, 'n2', '10.0.1.4/24'],
        [C, 'n1', '10.0.1.5/24'],
      ]);
      const tC = task(C, 'n1', '10.0.1.5/24');
      await dp2.update(withC, [tB]);
      const r = await dp.update(withC, [tA, tC]);
      assert.equal(r.failed.get(C), 'RTNETLINK answers: injected failure');
      assert.deepEqual(
        r.ready.map(s => s.taskId),
        [A],
      );
      assert.ok(!netnsList().includes(nsC), "C's half-built namespace was removed");
      await until('C built by a retry', () => events.some(e => e.kind === 'added' && e.sandbox.taskId === C));
      assert.ok(ping(nsC, '10.0.1.4'), 'C pings B');
      assert.ok(ping(nsA, '10.0.1.5'), 'A pings C');
    },
  );

  await t.test(
    'another gateway range from the managers: the bridge and every eth1 move to it, adopted after a restart',
    async () => {
      const dp = planes[3];
      assert.ok(dp);
      const moved: NetworkView = {
        ...view([
          [A, 'n1', '10.0.1.3/24'],
          [B, 'n2', '10.0.1.4/24'],
          [C, 'n1', '10.0.1.5/24'],
        ]),
        gatewaySubnet: '10.99.0.0/24',
      };
      const tasks = [task(A, 'n1', '10.0.1.3/24'), task(C, 'n1', '10.0.1.5/24')];
      const r = await dp.update(moved, tasks);
      assert.deepEqual([...r.failed], []);
      assert.deepEqual(r.ready.map(sb => sb.gatewayAddr).sort(), ['10.99.0.2/24', '10.99.0.3/24']);
      const bridge = JSON.parse(run(['ip', '-j', '-n', lab.node(1), 'addr', 'show', 'shoalgw0'])) as {
        addr_info: { family: string; local: string; prefixlen: number }[];
      }[];
      assert.deepEqual(
        bridge[0]?.addr_info.filter(a => a.family === 'inet').map(a => `${a.local}/${a.prefixlen}`),
        ['10.99.0.1/24'],
      );
      assert.match(run(['ip', '-n', nsA, 'route', 'show', 'default']), /default via 10\.99\.0\.1 dev eth1/);
      assert.ok(ping(nsA, '10.99.0.1'), 'the gateway bridge answers on the new range');
      assert.ok(ping(nsA, '10.0.1.4'), 'A still pings B over the overlay');
      assert.match(
        run(['ip', 'netns', 'exec', lab.node(1), 'nft', 'list', 'table', 'ip', 'shoal']),
        /ip saddr 10\.99\.0\.0\/24 oifname != "shoalgw0" masquerade/,
      );
      await dp.close();
      // A marker a rebuilt namespace would not have.
      run(['ip', '-n', nsA, 'addr', 'add', '127.0.0.99/8', 'dev', 'lo']);
      const again = new DataPlane({ nodeId: 'n1', prefix: p1, nodeNetns: lab.node(1), log });
      planes.push(again);
      await again.start();
      const adopted = await again.update(moved, tasks);
      assert.deepEqual(
        adopted.ready.map(sb => sb.gatewayAddr).sort(),
        ['10.99.0.2/24', '10.99.0.3/24'],
        'the same addresses',
      );
      assert.match(run(['ip', '-n', nsA, 'addr', 'show', 'lo']), /127\.0\.0\.99/, 'adopted, not rebuilt');
      assert.ok(ping(nsA, '10.99.0.1'));
      assert.match(
        run(['ip', '-n', nsA, 'route', 'show', 'table', 'local', '127.0.0.11']),
        /local 127\.0\.0\.11 dev lo .*src 10\.99\.0\.2/,
        "the adopted task asks its DNS from eth1's address",
      );
    },
  );

  await t.test("a task whose namespace is built starts while another's is still being built", async () => {
    const dp0 = planes[4];
    assert.ok(dp0);
    await dp0.close();
    const nsD = `${p1}-t${D.slice(0, 12)}`;
    const real = new IpRunner();
    let release: () => void = () => undefined;
    const held = new Promise<void>(r => (release = r));
    const runner: BatchRunner = {
      run: async batch => {
        if (batch.netns === nsD && batch.tool === 'nft') await held;
        return real.run(batch);
      },
    };
    const { dp, events } = await n1Plane(runner);
    const five = fiveView();
    const tasks = onN1();
    let settled = false;
    const update = dp.update(five, tasks).finally(() => (settled = true));
    await until('E announced', () => events.some(e => e.kind === 'added' && e.sandbox.taskId === E));
    assert.ok(!settled, 'the change is still under way');
    assert.ok(!events.some(e => e.kind === 'added' && e.sandbox.taskId === D), 'D is not built yet');
    assert.ok(dp.sandbox(E), 'E has its sandbox');
    assert.ok(dp.askers().has(dp.sandbox(E)?.gatewayAddr.split('/')[0] ?? ''), 'E asks the resolver');
    assert.notEqual(dp.resolverAddress(), undefined, 'the resolver address is known');
    release();
    const r = await update;
    assert.deepEqual([...r.failed], []);
    assert.deepEqual(r.ready.map(sb => sb.taskId).sort(), [A, C, D, E]);
    assert.equal(events.filter(e => e.kind === 'added' && e.sandbox.taskId === E).length, 1, 'once');
    assert.ok(ping(`${p1}-t${E.slice(0, 12)}`, '10.0.1.6'), 'E pings D');
  });

  await t.test(
    "tasks on one node never reach each other over the gateway bridge (Docker's icc off on docker_gwbridge), adopted ones too",
    async () => {
      const nsE = `${p1}-t${E.slice(0, 12)}`;
      const eth1 = (id: string): string => planes.at(-1)?.sandbox(id)?.gatewayAddr.split('/')[0] ?? '';
      const isolated = (id: string): boolean => {
        const [link] = JSON.parse(
          run(['ip', '-d', '-j', '-n', lab.node(1), 'link', 'show', `gw${id.slice(0, 11)}`]),
        ) as { linkinfo?: { info_slave_data?: { isolated?: boolean } } }[];
        return link?.linkinfo?.info_slave_data?.isolated === true;
      };
      const dAddr = eth1(D);
      assert.match(dAddr, /^172\.18\./);
      assert.ok(isolated(D) && isolated(E), 'both ports isolated');
      assert.ok(ping(nsE, '172.18.0.1'), 'E reaches the node through the bridge');
      assert.ok(!ping(nsE, dAddr), "E does not reach D's gateway address");
      assert.ok(ping(nsE, '10.0.1.6'), 'E reaches D over their overlay');

      // An older agent's port, not isolated: a restarted data plane adopts the task and isolates it.
      run([
        'ip',
        '-n',
        lab.node(1),
        'link',
        'set',
        `gw${D.slice(0, 11)}`,
        'type',
        'bridge_slave',
        'isolated',
        'off',
      ]);
      assert.ok(!isolated(D));
      const last = planes.at(-1);
      assert.ok(last);
      await last.close();
      const { dp } = await n1Plane(new IpRunner());
      const five = fiveView();
      const r = await dp.update(five, onN1());
      assert.deepEqual([...r.failed], []);
      assert.equal(eth1(D), dAddr, 'adopted, not rebuilt');
      assert.ok(isolated(D), "the adopted task's port is isolated again");
      assert.ok(!ping(nsE, dAddr));
    },
  );

  await t.test('destroy leaves nothing under the prefixes', async () => {
    for (const dp of planes) await dp.destroy();
    const left = netnsList()
      .split('\n')
      .filter(n => n.startsWith(`${p1}-`) || n.startsWith(`${p2}-`));
    assert.deepEqual(left, []);
    assert.doesNotMatch(run(['ip', '-n', lab.node(1), 'link']), /shoalgw0|gwtask/);
    assert.ok(!existsSync(`/etc/netns/${nsA}`));
  });
});
