/**
 * Published ports on every node address, and `--internal` / the MTU option / refused options, for real
 * (root; the namespace lab): two shoald processes, a manager and a worker, each node's data plane in
 * its lab namespace. A published port answers on 127.0.0.1 and on every address of both nodes (the one
 * without a task too), from outside, from inside each node and from a task. A task on an internal
 * network has no way out even when it adds a default route itself, its names of the outside are
 * REFUSED, and its interfaces carry the network's MTU. Everything lives under the lab's prefix.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WireService, WireTask } from '../../proto/control-types.ts';
import { canRunLab, Lab } from './lab.ts';
import { ask, ECHO_NAME, run, SLEEP } from './in-netns.ts';
import { LabCluster, until, type Rpc } from './lab-cluster.ts';

const OUTSIDE = '198.51.100.100';
/** A server outside the cluster, on the underlay: answers "outside" to every connection. */
const OUTSIDE_SERVER = `require('net').createServer(c => c.end('outside\\n')).listen(7777, '${OUTSIDE}');`;

/** Every IPv4 address of a namespace, loopback included. */
function addresses(ns: string): string[] {
  return run(ns, ['ip', '-4', '-o', 'addr', 'show'])
    .split('\n')
    .flatMap(l => {
      const m = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(l);
      return m?.[1] === undefined ? [] : [m[1]];
    });
}

class TwoNodes {
  readonly lab = new Lab();
  readonly dir = mkdtempSync(join(tmpdir(), 'shoal-ports-'));
  // No upstream answers at OUTSIDE:5353: a forwarded name comes back SERVFAIL, a refused one REFUSED.
  readonly c = new LabCluster(
    this.lab,
    this.dir,
    ['--poll-ms', '200', '--dns', `${OUTSIDE}:5353`],
    'process',
  );
  control!: Rpc;
  readonly index = new Map<string, number>();

  async form(): Promise<void> {
    const { lab, c } = this;
    lab.create(2);
    for (const i of [1, 2]) c.start(i);
    for (const i of [1, 2])
      await until(`daemon ${i}`, () =>
        c
          .rpc(
            i,
            'Swarm',
          )('Info')
          .then(() => true),
      );
    const init = await c.rpc(1, 'Swarm')('Init', { listenAddr: `${Lab.addr(1)}:2377`, advertiseAddr: '' });
    await c.rpc(2, 'Swarm')('Join', {
      token: init.workerToken,
      remoteAddr: `${Lab.addr(1)}:2377`,
      listenAddr: `${Lab.addr(2)}:2377`,
      advertiseAddr: '',
    });
    this.control = c.rpc(1, 'Control');
    for (const [id, i] of await c.readyNodes(2)) this.index.set(id, i);
    execFileSync('ip', ['-n', lab.underlay, 'addr', 'add', `${OUTSIDE}/24`, 'dev', 'br0']);
    lab.spawnIn(lab.underlay, [process.execPath, '-e', OUTSIDE_SERVER], this.dir);
    await until('the outside server', () =>
      Promise.resolve(ask(lab.node(1), OUTSIDE, 7777) === 'outside' || undefined),
    );
  }

  async service(spec: Record<string, unknown>): Promise<WireService> {
    const full = { mode: 'replicated', replicas: 1, endpoint: { ports: [] }, ...spec };
    return (await this.control('CreateService', { spec: full })).service as WireService;
  }

  running(serviceId: string, n: number): Promise<WireTask[]> {
    return until(
      `${n} running tasks`,
      async () => {
        const filters = { serviceIds: [serviceId], nodeIds: [], desiredStates: [] };
        const ts = ((await this.control('ListTasks', { filters })).tasks as WireTask[]).filter(
          t => t.status.state === 'running' && t.desiredState === 'running',
        );
        return ts.length === n ? ts : undefined;
      },
      30_000,
    );
  }

  node(t: WireTask): number {
    const i = this.index.get(t.nodeId);
    assert.ok(i !== undefined, `task ${t.id} is on a known node`);
    return i;
  }

  ns(t: WireTask): string {
    return `${this.lab.node(this.node(t))}-t${t.id.slice(0, 12)}`;
  }

  async destroy(): Promise<void> {
    await this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

test(
  'published ports answer on 127.0.0.1 and every node address, from outside, the node and a task; --internal, the MTU and refused options',
  { skip: !canRunLab() && 'needs root and iproute2' },
  async t => {
    const s = new TwoNodes();
    t.after(() => s.destroy());
    await s.form();

    const pub = await s.service({
      name: 'pub',
      task: { command: ECHO_NAME },
      endpoint: { ports: [{ targetPort: 8080, publishedPort: 9000, publishMode: 'ingress' }] },
    });
    const [p] = await s.running(pub.id, 1);
    assert.ok(p !== undefined);
    const answer = `pub.1.${p.id}`;
    const client = await s.service({ name: 'client', task: { command: SLEEP } });
    const [c] = await s.running(client.id, 1);
    assert.ok(c !== undefined);

    for (const i of [1, 2]) {
      const node = s.lab.node(i);
      const all = addresses(node);
      assert.ok(all.includes('127.0.0.1') && all.includes(Lab.addr(i)) && all.length >= 4, all.join(' '));
      for (const addr of all) {
        await until(`port 9000 on ${addr} from inside node ${i}`, () =>
          Promise.resolve(ask(node, addr, 9000) === answer || undefined),
        );
        // Node-local addresses other than the underlay's are not routed from outside; each node's
        // underlay address is, and a task reaches its own node's addresses through its gateway.
        if (addr !== '127.0.0.1') {
          if (i === s.node(c)) assert.equal(ask(s.ns(c), addr, 9000), answer, `from a task to ${addr}`);
        }
      }
      assert.equal(ask(s.lab.underlay, Lab.addr(i), 9000), answer, `from outside to node ${i}`);
      assert.equal(ask(s.ns(c), Lab.addr(i), 9000), answer, `from a task to node ${i}`);
    }
    assert.ok(
      [1, 2].some(i => s.node(p) !== i),
      'one node runs no task of pub and still answered on all its addresses',
    );

    // Options: the MTU honoured, encrypted and unknown ones refused with the reason.
    await assert.rejects(
      s.control('CreateNetwork', { spec: { name: 'sec', driverOptions: { encrypted: '' } } }),
      {
        details: /^encrypted overlay networks are not supported: the nodes have no IPsec/,
      },
    );
    await assert.rejects(
      s.control('CreateNetwork', {
        spec: { name: 'odd', driverOptions: { 'com.docker.network.bridge.name': 'x' } },
      }),
      { details: /network driver option "com\.docker\.network\.bridge\.name" is not supported/ },
    );
    const priv = (
      await s.control('CreateNetwork', {
        spec: { name: 'priv', internal: true, driverOptions: { 'com.docker.network.driver.mtu': '1400' } },
      })
    ).network as { id: string; allocation: { vni: number } };
    await s.control('CreateNetwork', { spec: { name: 'open' } });

    const inside = await s.service({ name: 'inside', networks: ['priv'], task: { command: SLEEP } });
    const [a] = await s.running(inside.id, 1);
    const openSvc = await s.service({ name: 'opened', networks: ['open'], task: { command: SLEEP } });
    const [o] = await s.running(openSvc.id, 1);
    assert.ok(a !== undefined && o !== undefined);
    const ans = s.ns(a);

    // No way out: eth1 a /32 with a route to the bridge alone, no default route.
    assert.equal(run(ans, ['ip', 'route', 'show', 'default']).trim(), '');
    assert.match(run(ans, ['ip', '-o', '-4', 'addr', 'show', 'eth1']), /inet 172\.18\.0\.\d+\/32 /);
    assert.equal(ask(ans, OUTSIDE, 7777), '');
    // A task that adds a default route itself (it may: it owns its namespace) still gets nowhere, nor to
    // the node's published ports; the task on an ordinary network does reach the outside.
    run(ans, ['ip', 'route', 'add', 'default', 'via', '172.18.0.1', 'dev', 'eth1', 'onlink']);
    assert.equal(ask(ans, OUTSIDE, 7777), '');
    assert.equal(ask(ans, '172.18.0.1', 9000), '');
    assert.equal(ask(s.ns(o), OUTSIDE, 7777), 'outside');

    // Its DNS: cluster names answered, names of the outside refused at once.
    const dig = (ns: string, ...args: string[]): string =>
      run(ns, ['dig', '+tries=1', '+time=5', ...args], 15_000);
    assert.equal(
      dig(ans, '+short', 'inside').trim(),
      (inside.endpoint?.virtualIps[0]?.addr ?? '').split('/')[0],
    );
    assert.match(dig(ans, 'outside.example'), /status: REFUSED/);
    assert.match(dig(s.ns(o), 'outside.example'), /status: SERVFAIL/);

    // The MTU on both ends of its leg, the overlay's bridge and vxlan0; the ordinary network keeps 1450.
    const ov = `${s.lab.node(s.node(a))}-ov${priv.allocation.vni}`;
    assert.match(run(ans, ['ip', 'link', 'show', 'eth0']), / mtu 1400 /);
    assert.match(run(ov, ['ip', 'link', 'show', 'br0']), / mtu 1400 /);
    assert.match(run(ov, ['ip', 'link', 'show', 'vxlan0']), / mtu 1400 /);
    assert.match(run(ov, ['ip', 'link', 'show', `v${a.id.slice(0, 12)}`]), / mtu 1400 /);
    assert.match(run(s.ns(o), ['ip', 'link', 'show', 'eth0']), / mtu 1450 /);
  },
);
