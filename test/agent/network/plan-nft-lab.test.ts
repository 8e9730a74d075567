/**
 * The nftables rulesets loaded for real (root): `nft -c` accepts them, a task's VIP spreads connections
 * over its backends (and refuses them at once without any), and a node's routing mesh, host-mode ports
 * and gateway masquerade carry traffic. Everything lives in namespaces built here by hand with `ip`
 * (random `sl…` prefix, deleted in `t.after`, also on failure); underlay in 198.51.100.0/24.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { NetworkView } from '../../../proto/dispatcher-types.ts';
import { nodeRuleset, taskRuleset, type NodeRulesetInput } from '../../../agent/network/planner/plan-nft.ts';
import { viewEndpoint, viewNetwork, viewService } from './view-fixtures.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (network namespaces, nft)' : false;
const execFileP = promisify(execFile);

/** Namespaces and processes of one test, removed by `destroy()` (processes by PID first: they pin namespaces). */
class Netns {
  readonly prefix = `sl${randomBytes(3).toString('hex')}`;
  private readonly names: string[] = [];
  private readonly children: ChildProcess[] = [];

  constructor(t: TestContext) {
    t.after(() => this.destroy());
  }

  add(short: string): string {
    const name = `${this.prefix}-${short}`;
    ip('netns', 'add', name);
    this.names.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** A veth `ifname` in `ns` with `addr`, its peer `port` enslaved to `br0` of `bridgeNs`. */
  wire(ns: string, ifname: string, addr: string, bridgeNs: string, port: string, bridge = 'br0'): void {
    ip('-n', ns, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', port, 'netns', bridgeNs);
    ip('-n', bridgeNs, 'link', 'set', port, 'master', bridge, 'up');
    ip('-n', ns, 'addr', 'add', addr, 'dev', ifname);
    ip('-n', ns, 'link', 'set', ifname, 'up');
  }

  bridge(ns: string, name = 'br0', addr?: string): void {
    ip('-n', ns, 'link', 'add', name, 'type', 'bridge');
    if (addr !== undefined) ip('-n', ns, 'addr', 'add', addr, 'dev', name);
    ip('-n', ns, 'link', 'set', name, 'up');
  }

  /** Starts a server in `ns` answering `<name> <peer address>` on every port, tcp and udp; resolves once it listens. */
  async server(ns: string, name: string, ports: number[]): Promise<void> {
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '-e', SERVER_JS, name, ...ports.map(String)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.children.push(child);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const deadline = Date.now() + 10_000;
    while (!out.includes('ready')) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`server ${name} in ${ns}: ${out}`);
      await new Promise(r => setTimeout(r, 10));
    }
  }

  async destroy(): Promise<void> {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise(r => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    }
    for (const name of this.names.reverse()) {
      try {
        ip('netns', 'del', name);
      } catch {
        // already gone
      }
    }
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function nft(ns: string, text: string, check = false): void {
  execFileSync('ip', ['netns', 'exec', ns, 'nft', ...(check ? ['-c'] : []), '-f', '-'], {
    input: text,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

const SERVER_JS = `
const net = require('net'), dgram = require('dgram');
const [name, ...ports] = process.argv.slice(1);
let pending = ports.length * 2;
const up = () => { if (--pending === 0) console.log('ready'); };
for (const port of ports.map(Number)) {
  net.createServer(s => { s.on('error', () => {}); s.end(name + ' ' + s.remoteAddress); }).listen(port, '0.0.0.0', up);
  const u = dgram.createSocket('udp4');
  u.on('message', (m, r) => u.send(name + ' ' + r.address, r.port, r.address));
  u.bind(port, '0.0.0.0', up);
}`;

/** `count` sequential connections (or datagrams); each gives {ok: reply} or {err: code}, with its duration. */
const CLIENT_JS = `
const net = require('net'), dgram = require('dgram');
const [proto, host, port, count] = process.argv.slice(1);
const one = () => new Promise(resolve => {
  const t0 = Date.now();
  let done = false;
  const fin = r => { if (!done) { done = true; resolve({ ...r, ms: Date.now() - t0 }); } };
  if (proto === 'tcp') {
    let data = '';
    const s = net.connect({ host, port: +port });
    s.setTimeout(3000, () => { s.destroy(); fin({ err: 'TIMEOUT' }); });
    s.on('data', b => (data += b));
    s.on('end', () => fin({ ok: data }));
    s.on('error', e => fin({ err: e.code }));
  } else {
    const u = dgram.createSocket('udp4');
    const timer = setTimeout(() => { u.close(); fin({ err: 'TIMEOUT' }); }, 3000);
    const end = r => { clearTimeout(timer); u.close(); fin(r); };
    u.on('message', m => end({ ok: String(m) }));
    u.on('error', e => end({ err: e.code }));
    u.connect(+port, host, () => u.send('x'));
  }
});
(async () => { const out = []; for (let i = 0; i < +count; i++) out.push(await one()); console.log(JSON.stringify(out)); })();`;

interface Outcome {
  ok?: string;
  err?: string;
  ms: number;
}

async function connect(
  ns: string,
  proto: 'tcp' | 'udp',
  host: string,
  port: number,
  count = 1,
): Promise<Outcome[]> {
  const { stdout } = await execFileP('ip', [
    'netns',
    'exec',
    ns,
    process.execPath,
    '-e',
    CLIENT_JS,
    proto,
    host,
    String(port),
    String(count),
  ]);
  return JSON.parse(stdout) as Outcome[];
}

/** How many replies came from each server (by name), and every error. */
function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.ok !== undefined ? o.ok : `error ${o.err}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const network = viewNetwork;
const service = viewService;
const endpoint = viewEndpoint;

test('nft -c accepts the rulesets of varied views, and they load over one another', { skip }, t => {
  const lab = new Netns(t);
  const ns = lab.add('chk');
  const ing = network('ing', '10.0.0.0/24', true);
  const views: NetworkView[] = [
    { networks: [], nodes: [], services: [], endpoints: [], gatewaySubnet: '172.18.0.0/16' },
    {
      networks: [ing, network('front', '10.0.1.0/24'), network('b_2', '10.0.2.0/24')],
      nodes: [],
      services: [
        service(
          'web',
          [
            ['front', '10.0.1.2/24'],
            ['ing', '10.0.0.5/24'],
          ],
          [
            { publishedPort: 9000 },
            { protocol: 'udp', publishedPort: 9000, targetPort: 53 },
            { publishedPort: 9443, targetPort: 443, publishMode: 'ingress' },
          ],
        ),
        service('x.y_z', [['b_2', '10.0.2.2/24']], [{ publishedPort: 9001 }]),
        service(
          'dead',
          [
            ['front', '10.0.1.9/24'],
            ['b_2', '10.0.2.9/24'],
          ],
          [{ protocol: 'udp', publishedPort: 9002 }],
        ),
        service('rr', [], [{ publishedPort: 9003 }]),
      ],
      endpoints: [
        endpoint('web', 'front', '10.0.1.3/24'),
        endpoint('web', 'front', '10.0.1.4/24'),
        endpoint('web', 'ing', '10.0.0.11/24'),
        endpoint('web', 'ing', '10.0.0.12/24'),
        endpoint('x.y_z', 'b_2', '10.0.2.3/24'),
        endpoint('x.y_z', 'ing', '10.0.0.13/24'),
        endpoint('dead', 'front', '10.0.1.10/24', false),
        endpoint('rr', 'ing', '10.0.0.14/24'),
        endpoint('rr', 'ing', '10.0.0.15/24'),
      ],
      gatewaySubnet: '172.18.0.0/16',
    },
  ];
  const hostPorts: NodeRulesetInput['hostPorts'] = [
    { protocol: 'tcp', publishedPort: 8080, addr: '172.18.0.3', targetPort: 80 },
    { protocol: 'udp', publishedPort: 8080, addr: '172.18.0.4', targetPort: 53 },
  ];
  const texts: string[] = [];
  for (const view of views) {
    texts.push(
      taskRuleset(view, []),
      taskRuleset(view, ['front']),
      taskRuleset(view, ['front', 'b_2', 'ing']),
      taskRuleset(view, ['front'], { resolver: '172.18.0.1' }),
    );
    for (const ingressLeg of [undefined, 'shoaling0']) {
      for (const ports of [[], hostPorts]) {
        for (const resolver of [undefined, '172.18.0.1']) {
          texts.push(
            nodeRuleset({
              view,
              gatewayBridge: 'shoalgw0',
              gatewaySubnet: '172.18.0.0/16',
              ingressLeg,
              hostPorts: ports,
              resolver,
              internalAddrs: ports.length > 0 ? ['172.18.0.9', '172.18.0.7'] : [],
            }),
          );
        }
      }
    }
  }
  for (const text of texts) {
    assert.doesNotThrow(() => nft(ns, text, true), text);
    assert.doesNotThrow(() => nft(ns, text), text);
  }
});

test(
  'task VIP: connections spread over the running backends, go to the one left, and are refused without any',
  { skip },
  async t => {
    const lab = new Netns(t);
    const br = lab.add('br');
    lab.bridge(br);
    const client = lab.add('c');
    lab.wire(client, 'eth0', '10.0.1.5/24', br, 'vc');
    const backends = [
      ['b1', '10.0.1.3'],
      ['b2', '10.0.1.4'],
    ] as const;
    for (const [name, addr] of backends) {
      const ns = lab.add(name);
      lab.wire(ns, 'eth0', `${addr}/24`, br, `v${name}`);
    }
    await Promise.all(backends.map(([name]) => lab.server(`${lab.prefix}-${name}`, name, [8080])));

    const view = (running: [boolean, boolean]): NetworkView => ({
      networks: [network('front', '10.0.1.0/24')],
      nodes: [],
      services: [service('web', [['front', '10.0.1.2/24']])],
      endpoints: backends.map(([, addr], i) => endpoint('web', 'front', `${addr}/24`, running[i])),
      gatewaySubnet: '172.18.0.0/16',
    });

    nft(client, taskRuleset(view([true, true]), ['front']));
    assert.deepEqual(tally(await connect(client, 'tcp', '10.0.1.2', 8080, 10)), {
      'b1 10.0.1.5': 5,
      'b2 10.0.1.5': 5,
    });
    assert.deepEqual(tally(await connect(client, 'udp', '10.0.1.2', 8080, 4)), {
      'b1 10.0.1.5': 2,
      'b2 10.0.1.5': 2,
    });

    nft(client, taskRuleset(view([true, false]), ['front']));
    assert.deepEqual(tally(await connect(client, 'tcp', '10.0.1.2', 8080, 10)), { 'b1 10.0.1.5': 10 });

    nft(client, taskRuleset(view([false, false]), ['front']));
    for (const proto of ['tcp', 'udp'] as const) {
      const [refused] = await connect(client, proto, '10.0.1.2', 8080);
      assert.equal(refused?.err, 'ECONNREFUSED', `${proto}: ${JSON.stringify(refused)}`);
      assert.ok(refused.ms < 1000, `${proto} refused at once, not after a time-out: ${refused.ms} ms`);
    }
  },
);

test('node: routing mesh, host-mode port, dead published port and gateway masquerade', { skip }, async t => {
  const lab = new Netns(t);
  // Underlay: the node (198.51.100.1) and an outside client (198.51.100.100).
  const ul = lab.add('ul');
  lab.bridge(ul);
  const node = lab.add('n1');
  lab.wire(node, 'eth0', '198.51.100.1/24', ul, 'un1');
  const outside = lab.add('out');
  lab.wire(outside, 'eth0', '198.51.100.100/24', ul, 'uout');
  execFileSync('ip', ['netns', 'exec', node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  // The ingress network, as a plain L2 bridge: the node's leg and two backends of `web`.
  const ingress = lab.add('ing');
  lab.bridge(ingress);
  lab.wire(node, 'shoaling0', '10.0.0.2/24', ingress, 'leg');
  for (const [name, addr] of [
    ['i1', '10.0.0.11/24'],
    ['i2', '10.0.0.12/24'],
  ] as const) {
    lab.wire(lab.add(name), 'eth0', addr, ingress, `v${name}`);
  }
  // A host-mode task on the gateway bridge.
  lab.bridge(node, 'shoalgw0', '172.18.0.1/16');
  const hostTask = lab.add('h');
  lab.wire(hostTask, 'eth1', '172.18.0.3/16', node, 'gwh', 'shoalgw0');
  ip('-n', hostTask, 'route', 'add', 'default', 'via', '172.18.0.1', 'dev', 'eth1');
  await Promise.all([
    lab.server(`${lab.prefix}-i1`, 'i1', [80]),
    lab.server(`${lab.prefix}-i2`, 'i2', [80]),
    lab.server(hostTask, 'h', [80]),
    lab.server(outside, 'out', [7000]),
  ]);

  const view: NetworkView = {
    networks: [network('ing', '10.0.0.0/24', true)],
    nodes: [],
    services: [
      service(
        'web',
        [['ing', '10.0.0.5/24']],
        [{ publishedPort: 9000 }, { protocol: 'udp', publishedPort: 9053 }],
      ),
      service('gone', [['ing', '10.0.0.6/24']], [{ publishedPort: 9001 }]),
    ],
    endpoints: [
      endpoint('gone', 'ing', '10.0.0.13/24', false),
      endpoint('web', 'ing', '10.0.0.11/24'),
      endpoint('web', 'ing', '10.0.0.12/24'),
    ],
    gatewaySubnet: '172.18.0.0/16',
  };
  nft(
    node,
    nodeRuleset({
      view,
      gatewayBridge: 'shoalgw0',
      gatewaySubnet: '172.18.0.0/16',
      ingressLeg: 'shoaling0',
      hostPorts: [{ protocol: 'tcp', publishedPort: 8080, addr: '172.18.0.3', targetPort: 80 }],
      internalAddrs: [],
    }),
  );

  // From outside: spread over both backends, which see the node's leg (masquerade).
  assert.deepEqual(tally(await connect(outside, 'tcp', '198.51.100.1', 9000, 4)), {
    'i1 10.0.0.2': 2,
    'i2 10.0.0.2': 2,
  });
  assert.deepEqual(tally(await connect(outside, 'udp', '198.51.100.1', 9053, 2)), {
    'i1 10.0.0.2': 1,
    'i2 10.0.0.2': 1,
  });
  // The host-mode port keeps the client's address.
  assert.deepEqual(tally(await connect(outside, 'tcp', '198.51.100.1', 8080, 2)), { 'h 198.51.100.100': 2 });
  const [refused] = await connect(outside, 'tcp', '198.51.100.1', 9001);
  assert.equal(refused?.err, 'ECONNREFUSED', JSON.stringify(refused));
  assert.ok(refused.ms < 1000, `refused at once: ${refused.ms} ms`);
  // From the node itself (output chain) and from a task hairpinning through its gateway.
  assert.equal(Object.keys(tally(await connect(node, 'tcp', '198.51.100.1', 9000, 2))).length, 2);
  assert.deepEqual(Object.keys(tally(await connect(hostTask, 'tcp', '198.51.100.1', 9000, 2))).sort(), [
    'i1 10.0.0.2',
    'i2 10.0.0.2',
  ]);
  // A task's egress leaves masqueraded as the node.
  assert.deepEqual(tally(await connect(hostTask, 'tcp', '198.51.100.100', 7000)), { 'out 198.51.100.1': 1 });
});
