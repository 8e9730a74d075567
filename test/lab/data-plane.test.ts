/**
 * The data plane for real (root; the namespace lab): real shoald processes, one per lab node, running
 * busybox tasks in real namespaces. Overlay pings across VXLAN, VIP load balancing with nftables, the
 * routing mesh on every node and host-mode ports, clean removal, an agent killed with -9 and started
 * again, and a command that does not exist. Once with one manager and two workers, once with three
 * managers. Everything lives in namespaces with the lab's prefix, removed at the end, also on failure.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { WireService, WireTask } from '../../proto/control-types.ts';
import { cidrContains, cidrOf, formatIpv4, parseAddressWithPrefix } from '../../lib/ipv4.ts';
import { retryOutOfSequence } from '../daemon/out-of-sequence.ts';
import { canRunLab, Lab } from './lab.ts';
import { ask, ECHO_NAME, run, SLEEP } from './in-netns.ts';
import { LabCluster, until, type Rpc } from './lab-cluster.ts';

const REPO = resolve(import.meta.dirname, '../..');

/** The pids of the processes whose command line names the task (its launch, its wrapper). */
function processesOf(t: WireTask): string[] {
  try {
    return execFileSync('pgrep', ['-f', t.id], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** A fake upstream resolver for the lab (never a real one): every A query gets 203.0.113.7. */
const FAKE_UPSTREAM = `
const s = require('dgram').createSocket('udp4');
s.on('message', (q, r) => {
  let i = 12; while (q[i] !== 0) i += q[i] + 1; const end = i + 5;
  const head = Buffer.from(q.subarray(0, end)); head[2] = 0x81; head[3] = 0x80;
  head.writeUInt16BE(1, 6); head.writeUInt16BE(0, 8); head.writeUInt16BE(0, 10);
  const rr = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 203, 0, 113, 7]);
  s.send(Buffer.concat([head, rr]), r.port, r.address);
});
s.bind(5353, '198.51.100.100');
`;
const UPSTREAM = '198.51.100.100:5353';

class Scenario {
  readonly lab = new Lab();
  readonly dir = mkdtempSync(join(tmpdir(), 'shoal-dp-'));
  readonly c = new LabCluster(
    this.lab,
    this.dir,
    // shoald's default heartbeat (5 s, DOWN after 15 s): an agent killed with -9 must be back before its
    // node is declared down and its tasks move, and a restart takes seconds on a loaded machine.
    ['--poll-ms', '200', '--dns', UPSTREAM],
    'process',
  );
  control!: Rpc;
  /** Node id → lab index. */
  readonly index = new Map<string, number>();

  /** The nodes' gateway bridge range the cluster was made with. */
  gatewaySubnet = '172.18.0.0/16';

  async form(managers: number, gatewaySubnet?: string): Promise<void> {
    const { lab, c } = this;
    lab.create(3);
    for (const i of [1, 2, 3]) c.start(i);
    // Started side by side: each one answers when it is ready, in no particular order.
    for (const i of [1, 2, 3]) {
      await until(`daemon ${i}`, () =>
        c
          .rpc(
            i,
            'Swarm',
          )('Info')
          .then(() => true),
      );
    }
    const init = await c.rpc(1, 'Swarm')('Init', {
      listenAddr: `${Lab.addr(1)}:2377`,
      advertiseAddr: '',
      ...(gatewaySubnet === undefined ? {} : { gatewaySubnet }),
    });
    if (gatewaySubnet !== undefined) this.gatewaySubnet = gatewaySubnet;
    for (const i of [2, 3]) {
      await c.rpc(i, 'Swarm')('Join', {
        token: i <= managers ? init.managerToken : init.workerToken,
        remoteAddr: `${Lab.addr(1)}:2377`,
        listenAddr: `${Lab.addr(i)}:2377`,
        advertiseAddr: '',
      });
    }
    this.control = c.rpc(1, 'Control');
    for (const [id, i] of await c.readyNodes(3)) this.index.set(id, i);
    // The underlay counts VXLAN datagrams; an outside client sits on it at .100.
    execFileSync('ip', ['netns', 'exec', lab.underlay, 'nft', '-f', '-'], {
      input:
        'table bridge count { chain vxlan { type filter hook forward priority 0; udp dport 4789 counter; }; }',
    });
    execFileSync('ip', ['-n', lab.underlay, 'addr', 'add', '198.51.100.100/24', 'dev', 'br0']);
    lab.spawnIn(lab.underlay, [process.execPath, '-e', FAKE_UPSTREAM], this.dir);
  }

  /** The `shoal` CLI against node i's daemon: its output and exit code. */
  cli(i: number, args: string[]): { stdout: string; stderr: string; status: number | null } {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/shoal.ts', ...args], {
      cwd: REPO,
      env: { ...process.env, SHOAL_SOCKET: this.c.sock(i) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    // Killed (the timeout): say so, for the assertion that follows.
    const killed = r.status === null ? `\n[shoal ${args[0]}: ${r.error?.message ?? r.signal}]` : '';
    return { stdout: r.stdout, stderr: r.stderr + killed, status: r.status };
  }

  async service(spec: Record<string, unknown>): Promise<WireService> {
    const full = { mode: 'replicated', replicas: 1, endpoint: { ports: [] }, ...spec };
    return (await this.control('CreateService', { spec: full })).service as WireService;
  }

  async tasks(serviceId: string): Promise<WireTask[]> {
    const filters = { serviceIds: [serviceId], nodeIds: [], desiredStates: [] };
    return (await this.control('ListTasks', { filters })).tasks as WireTask[];
  }

  /** The service's running tasks once exactly `n` run. */
  running(serviceId: string, n: number, ms = 30_000): Promise<WireTask[]> {
    return until(
      `${n} running tasks`,
      async () => {
        const ts = (await this.tasks(serviceId)).filter(
          t => t.status.state === 'running' && t.desiredState === 'running',
        );
        return ts.length === n ? ts : undefined;
      },
      ms,
    );
  }

  async scale(serviceId: string, replicas: number): Promise<void> {
    await retryOutOfSequence(async () => {
      const s = (await this.control('GetService', { serviceId })).service as WireService;
      await this.control('UpdateService', {
        serviceId,
        version: s.version,
        spec: { ...s.spec, replicas },
      });
    });
  }

  node(t: WireTask): number {
    const i = this.index.get(t.nodeId);
    assert.ok(i !== undefined, `task ${t.id} is on a known node`);
    return i;
  }

  /** The task's network namespace on its node. */
  ns(t: WireTask): string {
    return `${this.lab.node(this.node(t))}-t${t.id.slice(0, 12)}`;
  }

  ip(t: WireTask): string {
    return (t.networks[0]?.addresses[0] ?? '').split('/')[0] ?? '';
  }

  namespaces(): string[] {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map(l => l.split(' ')[0] ?? '');
  }

  /** Every trace of `ids`'s tasks on any node: namespaces, FDB entries (MACs), nft rules (IPs). */
  traces(tasks: WireTask[]): string[] {
    const found: string[] = [];
    const nss = this.namespaces();
    for (const t of tasks) if (nss.includes(this.ns(t))) found.push(`namespace ${this.ns(t)}`);
    for (const i of [1, 2, 3]) {
      const node = this.lab.node(i);
      // A namespace may go while it is read: what is gone holds no trace.
      const read = (ns: string, argv: string[]): string => {
        try {
          return run(ns, argv);
        } catch {
          return '';
        }
      };
      const rules = read(node, ['nft', 'list', 'ruleset']);
      const fdb = nss
        .filter(ns => ns.startsWith(`${node}-ov`))
        .map(ns => read(ns, ['bridge', 'fdb', 'show']))
        .join('');
      const taskRules = nss
        .filter(ns => ns.startsWith(`${node}-t`))
        .map(ns => read(ns, ['nft', 'list', 'ruleset']))
        .join('');
      for (const t of tasks) {
        const ip = this.ip(t);
        const mac = `02:42:${ip
          .split('.')
          .map(b => Number(b).toString(16).padStart(2, '0'))
          .join(':')}`;
        if (fdb.includes(mac)) found.push(`fdb ${mac} on ${node}`);
        if (new RegExp(`\\b${ip.replaceAll('.', '\\.')}\\b`).test(rules + taskRules))
          found.push(`nft rule for ${ip} on ${node}`);
      }
    }
    return found;
  }

  async destroy(): Promise<void> {
    await this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function overlayAndVip(s: Scenario): Promise<{ web: WireService; client: WireTask }> {
  const net = (await s.control('CreateNetwork', { spec: { name: 'test' } })).network as {
    id: string;
    allocation: { subnet: string; vni: number };
  };
  assert.equal(net.allocation.subnet, '10.0.1.0/24');
  const web = await s.service({ name: 'web', replicas: 3, networks: ['test'], task: { command: ECHO_NAME } });
  const tasks = await s.running(web.id, 3);
  assert.deepEqual(new Set(tasks.map(t => s.node(t))), new Set([1, 2, 3]), 'spread over the nodes');
  for (const t of tasks) {
    const addrs = run(s.ns(t), ['ip', '-o', '-4', 'addr', 'show']);
    assert.match(addrs, new RegExp(`eth0\\s+inet ${s.ip(t).replaceAll('.', '\\.')}/24`));
    // eth1 on the node's gateway bridge, in the cluster's range; the default route through its first host.
    const range = parseAddressWithPrefix(s.gatewaySubnet);
    const eth1 = parseAddressWithPrefix(/eth1\s+inet (\S+)/.exec(addrs)?.[1] ?? '');
    assert.ok(range !== undefined && eth1 !== undefined, addrs);
    assert.equal(eth1.prefix, range.prefix, addrs);
    assert.ok(cidrContains(cidrOf(range.address, range.prefix), eth1.address), addrs);
    assert.equal(
      run(s.ns(t), ['ip', 'route', 'show', 'default']).trim(),
      `default via ${formatIpv4(range.address + 1)} dev eth1`,
    );
    assert.match(run(s.ns(t), ['ip', 'link', 'show', 'eth0']), /mtu 1450/);
    assert.match(run(s.ns(t), ['cat', '/etc/resolv.conf']), /nameserver 127\.0\.0\.11/);
  }
  // Tasks on different nodes ping each other across VXLAN, and the underlay carries UDP 4789.
  const [a, b, c] = tasks as [WireTask, WireTask, WireTask];
  for (const [from, to] of [
    [a, b],
    [b, c],
    [c, a],
  ] as const) {
    run(s.ns(from), ['busybox', 'ping', '-c', '1', '-W', '2', s.ip(to)]);
  }
  const counted = execFileSync(
    'ip',
    ['netns', 'exec', s.lab.underlay, 'nft', 'list', 'table', 'bridge', 'count'],
    {
      encoding: 'utf8',
    },
  );
  assert.ok(Number(/packets (\d+)/.exec(counted)?.[1] ?? 0) >= 6, counted);

  // VIP: 20 connections from a client task reach several tasks on different nodes.
  const clientSvc = await s.service({ name: 'client', networks: ['test'], task: { command: SLEEP } });
  const [client] = await s.running(clientSvc.id, 1);
  assert.ok(client !== undefined);
  const vip = (web.endpoint?.virtualIps[0]?.addr ?? '').split('/')[0] ?? '';
  assert.equal(vip, '10.0.1.2');
  const names = new Map(tasks.map(t => [`web.${t.slot}.${t.id}`, s.node(t)]));
  const answers = Array.from({ length: 20 }, () => ask(s.ns(client), vip, 8080));
  const reached = new Set(answers);
  assert.ok(
    answers.every(x => names.has(x)),
    `every connection reached a task of web: ${answers.join(', ')}`,
  );
  assert.ok(new Set([...reached].map(x => names.get(x))).size >= 2, 'tasks on different nodes');
  // Scaled to 1: once the backends follow, every connection reaches the one left.
  await s.scale(web.id, 1);
  const [left] = await s.running(web.id, 1);
  assert.ok(left !== undefined);
  const only = `web.${left.slot}.${left.id}`;
  await until('the VIP to follow the scale-down', async () =>
    Array.from({ length: 20 }, () => ask(s.ns(client), vip, 8080)).every(x => x === only) ? true : undefined,
  );
  // The removed backends left nothing behind on any node.
  const gone = tasks.filter(t => t.id !== left.id);
  await until('the removed tasks to leave no trace', () =>
    Promise.resolve(s.traces(gone).length === 0 ? true : undefined),
  );
  return { web, client };
}

/** The routing mesh, host mode, clean removal, an agent killed with -9, and a command that does not exist. */
async function meshAndLifecycle(s: Scenario, web: WireService, client: WireTask): Promise<void> {
  // Routing mesh: -p 9000:8080 on 2 replicas answers on every node, the one without a task too.
  const pub = await s.service({
    name: 'pub',
    replicas: 2,
    task: { command: ECHO_NAME },
    endpoint: { ports: [{ targetPort: 8080, publishedPort: 9000, publishMode: 'ingress' }] },
  });
  const pubTasks = await s.running(pub.id, 2);
  const pubNames = new Set(pubTasks.map(x => `pub.${x.slot}.${x.id}`));
  for (const i of [1, 2, 3]) {
    await until(`port 9000 on node ${i}`, () =>
      Promise.resolve(pubNames.has(ask(s.lab.underlay, Lab.addr(i), 9000)) ? true : undefined),
    );
  }
  assert.ok(
    [1, 2, 3].some(i => !pubTasks.some(x => s.node(x) === i)),
    'one node runs no task of pub and still answered',
  );
  await assert.rejects(
    s.service({
      name: 'taker',
      task: { command: SLEEP },
      endpoint: { ports: [{ targetPort: 80, publishedPort: 9000, publishMode: 'ingress' }] },
    }),
    { details: `port '9000' is already in use by service 'pub' (${pub.id}) as an ingress port` },
  );

  // Host mode: only the task's node answers.
  const hostm = await s.service({
    name: 'hostm',
    task: { command: ECHO_NAME },
    endpoint: { ports: [{ targetPort: 8080, publishedPort: 9100, publishMode: 'host' }] },
  });
  const [h] = await s.running(hostm.id, 1);
  assert.ok(h !== undefined);
  await until('the host-mode port', () =>
    Promise.resolve(ask(s.lab.underlay, Lab.addr(s.node(h)), 9100) === `hostm.1.${h.id}` ? true : undefined),
  );
  for (const i of [1, 2, 3].filter(i => i !== s.node(h)))
    assert.equal(ask(s.lab.underlay, Lab.addr(i), 9100), '');

  // service rm and scale 0 leave nothing of theirs on any node.
  const webLeft = (await s.tasks(web.id)).filter(x => x.status.state === 'running');
  await s.control('RemoveService', { serviceId: web.id });
  await s.scale(pub.id, 0);
  await until('no trace of web and pub', () =>
    Promise.resolve(s.traces([...webLeft, ...pubTasks]).length === 0 ? true : undefined),
  );
  for (const i of [1, 2, 3]) assert.equal(ask(s.lab.underlay, Lab.addr(i), 9000), '');

  // An agent killed with -9: its tasks keep running and reachable; what went stale meanwhile goes.
  const keep = await s.service({
    name: 'keep',
    replicas: 3,
    networks: ['test'],
    task: { command: ECHO_NAME },
  });
  const keepTasks = await s.running(keep.id, 3);
  const victim = keepTasks.find(x => s.node(x) === 3) ?? keepTasks[0];
  assert.ok(victim !== undefined);
  const stale = await s.service({
    name: 'stale',
    networks: ['test'],
    task: { command: SLEEP, constraints: [`node.hostname==node${s.node(victim)}`] },
  });
  const [staleTask] = await s.running(stale.id, 1);
  assert.ok(staleTask !== undefined);
  const proc = s.c.procs.get(s.node(victim));
  assert.ok(proc !== undefined);
  await s.lab.kill9(proc);
  assert.equal(ask(s.ns(client), s.ip(victim), 8080), `keep.${victim.slot}.${victim.id}`);
  await s.control('RemoveService', { serviceId: stale.id });
  s.c.start(s.node(victim));
  await until('the stale task to go', () =>
    Promise.resolve(s.traces([staleTask]).length === 0 ? true : undefined),
  );
  // Its processes too: they must not outlive its namespace (they did when the agent was killed before
  // it recorded them, and nothing else would end them).
  await until('the stale task’s processes to end', () =>
    Promise.resolve(processesOf(staleTask).length === 0 ? true : undefined),
  );
  assert.equal(ask(s.ns(client), s.ip(victim), 8080), `keep.${victim.slot}.${victim.id}`);
  assert.equal((await s.running(keep.id, 3)).length, 3);

  // A command that does not exist: FAILED with the reason, nothing left behind.
  const bad = await s.service({
    name: 'bad',
    networks: ['test'],
    task: { command: ['no-such-command'], restart: { condition: 'none', delayMs: 0, maxAttempts: 0 } },
  });
  const failed = await until('the task to fail', async () =>
    (await s.tasks(bad.id)).find(x => x.status.state === 'failed'),
  );
  assert.match(failed.status.err, /executable file not found/);
  await until('nothing left of the failed task', () =>
    Promise.resolve(s.traces([failed]).length === 0 ? true : undefined),
  );
}

test(
  'the data plane on 1 manager + 2 workers: overlays, VIPs, routing mesh, clean-up, agent restart, bad commands',
  { skip: !canRunLab() && 'needs root and iproute2' },
  async t => {
    const s = new Scenario();
    t.after(() => s.destroy());
    // A gateway bridge range other than the default (`swarm init --gateway-subnet`): tasks' eth1, their
    // default route and host-mode ports (DNAT to eth1) all live on it.
    await s.form(1, '192.168.200.0/24');
    const { web, client } = await overlayAndVip(s);
    await meshAndLifecycle(s, web, client);
  },
);

test(
  'the data plane on 3 managers: overlays, VIPs, DNS from inside a task, shoal run and exec, routing mesh, clean-up, agent restart, bad commands',
  { skip: !canRunLab() && 'needs root and iproute2' },
  async t => {
    const s = new Scenario();
    t.after(() => s.destroy());
    await s.form(3);
    const { web, client } = await overlayAndVip(s);
    const cns = s.ns(client);
    const dig = (...args: string[]): string => run(cns, ['dig', '+tries=1', '+time=2', ...args]);
    const short = (name: string): string[] => dig('+short', name).trim().split('\n').filter(Boolean).sort();

    // The embedded DNS, asked by real clients from inside the client task.
    assert.deepEqual(short('web'), ['10.0.1.2']);
    assert.match(run(cns, ['busybox', 'nslookup', 'web']), /Address:\s+10\.0\.1\.2/);
    await s.scale(web.id, 10);
    const ten = await s.running(web.id, 10);
    await until('tasks.web to list 10 addresses', () =>
      Promise.resolve(short('tasks.web').length === 10 ? true : undefined),
    );
    assert.deepEqual(short('tasks.web'), ten.map(x => s.ip(x)).sort());
    const one = ten[0];
    assert.ok(one !== undefined);
    assert.deepEqual(short(`web.${one.slot}.${one.id}`), [s.ip(one)]);
    assert.equal(dig('+short', '-x', s.ip(one)).trim(), `web.${one.slot}.${one.id}.test.`);
    const rr = await s.service({
      name: 'rr',
      replicas: 2,
      networks: ['test'],
      task: { command: SLEEP },
      endpoint: { mode: 'dnsrr', ports: [] },
    });
    const rrTasks = await s.running(rr.id, 2);
    await until('the dnsrr name', () =>
      Promise.resolve(
        short('rr').join() ===
          rrTasks
            .map(x => s.ip(x))
            .sort()
            .join()
          ? true
          : undefined,
      ),
    );
    await s.scale(rr.id, 0);
    await s.running(rr.id, 0);
    await until('rr scaled to 0 to answer empty', () =>
      Promise.resolve(short('rr').length === 0 ? true : undefined),
    );
    assert.match(dig('rr'), /status: NOERROR/);
    await s.control('CreateNetwork', { spec: { name: 'other' } });
    const db = await s.service({ name: 'db', networks: ['other'], task: { command: SLEEP } });
    await s.running(db.id, 1);
    assert.match(dig('db'), /status: NXDOMAIN/);
    assert.deepEqual(short('outside.example'), ['203.0.113.7']);

    // shoal run on an attachable network (and Swarm's refusal on another), shoal exec in a running task.
    await s.control('CreateNetwork', { spec: { name: 'test01', attachable: true } });
    const att = s.cli(1, [
      'run',
      '--network',
      'test01',
      '--name',
      'att1',
      '--',
      'cat',
      '/proc/sys/kernel/hostname',
    ]);
    assert.equal(att.status, 0, att.stderr);
    assert.equal(att.stdout.trim(), 'att1');
    const refused = s.cli(1, ['run', '--network', 'test', '--name', 'att2', '--', 'true']);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /network test not manually attachable/);
    // Without --name: the network's refusal, or a generated name (docker's adjective_surname) as hostname.
    const unnamedRefused = s.cli(1, ['run', '--network', 'test', '--', 'true']);
    assert.match(unnamedRefused.stderr, /network test not manually attachable/);
    const unnamed = s.cli(1, ['run', '--network', 'test01', '--', 'cat', '/proc/sys/kernel/hostname']);
    assert.equal(unnamed.status, 0, unnamed.stderr);
    assert.match(unnamed.stdout.trim(), /^[a-z]+_[a-z]+\d?$/);
    const ex = s.cli(s.node(client), [
      'exec',
      client.id,
      '--',
      'sh',
      '-c',
      'cat /proc/sys/kernel/hostname; exit 7',
    ]);
    assert.equal(ex.status, 7);
    assert.equal(ex.stdout.trim(), `client.1.${client.id}`);

    // service logs, asked on each manager: the output of the tasks on every node, stderr on stderr.
    const talk = await s.service({
      name: 'talk',
      replicas: 3,
      task: { command: ['sh', '-c', 'echo hello from $(hostname); echo oops >&2; exec sleep 100000'] },
    });
    const talkers = await s.running(talk.id, 3);
    const prefix = (x: WireTask): string => `talk.${x.slot}.${x.id.slice(0, 12)}@node${s.node(x)}    | `;
    const sorted = (text: string): string[] => text.split('\n').filter(Boolean).sort();
    for (const i of [1, 2, 3]) {
      const logs = s.cli(i, ['service', 'logs', 'talk']);
      assert.equal(logs.status, 0, logs.stderr);
      assert.deepEqual(
        sorted(logs.stdout),
        talkers.map(x => `${prefix(x)}hello from talk.${x.slot}.${x.id}`).sort(),
      );
      assert.deepEqual(sorted(logs.stderr), talkers.map(x => `${prefix(x)}oops`).sort());
    }

    await meshAndLifecycle(s, web, client);
  },
);
