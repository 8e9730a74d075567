/**
 * The real thing, as root, in namespaces this test creates (random prefix, removed at the end): a node
 * namespace with the gateway bridge, where the embedded DNS listens (this process being in another
 * namespace, as under `npm start`: bound there by the native addon stepping into it with setns, or by
 * bind-in-netns.mjs on the dgram path), and task namespaces whose 127.0.0.11:53 the data plane's own
 * rules redirect to it; asked with dig, busybox nslookup and getent from inside the tasks.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EmbeddedDns } from '../../../agent/dns/embedded-dns.ts';
import { encodeARecords, encodeResponse, parseQuery } from '../../../agent/dns/wire.ts';
import { taskDnsRoute } from '../../../agent/network/planner/plan-dns-redirect.ts';
import { taskRuleset } from '../../../agent/network/planner/plan-nft.ts';
import { NET_A, NET_B, answers, pathLog, quietLog, status, testView } from './fixtures.ts';

const isRoot = process.getuid?.() === 0;

function inNs(ns: string, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'ip',
      ['netns', 'exec', ns, ...argv],
      { timeout: 10_000 },
      (err, stdout, stderr) => {
        if (err && stdout === '') reject(new Error(`${argv.join(' ')}: ${err.message} ${stderr}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end();
  });
}

async function waitFor(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

const ip = (...args: string[]): void =>
  void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A node namespace with bridge shoalgw0 172.18.0.1/16, and task namespaces on it as the data plane wires them. */
class RedirectLab {
  readonly prefix = `sl${randomBytes(3).toString('hex')}`;
  readonly node = `${this.prefix}-n`;
  private readonly made: string[] = [];

  constructor() {
    this.add(this.node);
    ip('-n', this.node, 'link', 'add', 'shoalgw0', 'type', 'bridge');
    ip('-n', this.node, 'addr', 'add', '172.18.0.1/16', 'dev', 'shoalgw0');
    ip('-n', this.node, 'link', 'set', 'shoalgw0', 'up');
  }

  private add(ns: string): void {
    ip('netns', 'add', ns);
    this.made.push(ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  }

  /**
   * A task on `networks` whose eth1 is 172.18.0.<n>, with its DNS redirect (the data plane's route and
   * rules) and resolv.conf. `older`: as an agent before the route made it (route_localnet on eth1 and an
   * SNAT rule, no route), to be adopted.
   */
  task(name: string, n: number, networks: string[], older = false): string {
    const ns = `${this.prefix}-t${name}`;
    this.add(ns);
    ip(
      '-n',
      this.node,
      'link',
      'add',
      `gw${name}`,
      'master',
      'shoalgw0',
      'up',
      'type',
      'veth',
      'peer',
      'name',
      'eth1',
      'netns',
      ns,
    );
    ip('-n', ns, 'addr', 'add', `172.18.0.${n}/16`, 'dev', 'eth1');
    ip('-n', ns, 'link', 'set', 'eth1', 'up');
    ip('-n', ns, 'route', 'add', 'default', 'via', '172.18.0.1', 'dev', 'eth1');
    if (older) {
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.conf.eth1.route_localnet=1']);
      execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: olderRules(n) });
    } else {
      this.adopt(ns, n, networks);
    }
    mkdirSync(`/etc/netns/${ns}`, { recursive: true });
    writeFileSync(`/etc/netns/${ns}/resolv.conf`, 'nameserver 127.0.0.11\nsearch .\noptions ndots:0\n');
    return ns;
  }

  /** What the data plane does to a task it made (and to an adopted one): the route, then its ruleset. */
  adopt(ns: string, n: number, networks: string[]): void {
    ip('-n', ns, ...taskDnsRoute(`172.18.0.${n}`).split(' '));
    const rules = taskRuleset(testView(), networks, { resolver: '172.18.0.1' });
    execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules });
  }

  destroy(): void {
    for (const ns of this.made.reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    try {
      rmdirSync('/etc/netns');
    } catch {
      // not empty (someone else's), or not there
    }
  }
}

/** An older agent's DNS redirect (before the route): DNAT, SNAT to eth1, and route_localnet on eth1. */
function olderRules(n: number): string {
  return [
    'table ip shoal {',
    '\tchain nat_output {',
    '\t\ttype nat hook output priority -100; policy accept;',
    '\t\tip daddr 127.0.0.11 udp dport 53 dnat to 172.18.0.1:53',
    '\t\tip daddr 127.0.0.11 tcp dport 53 dnat to 172.18.0.1:53',
    '\t}',
    '\tchain nat_postrouting {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    `\t\tip daddr 172.18.0.1 meta l4proto { tcp, udp } th dport 53 snat to 172.18.0.${n}`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

for (const batch of [true, false]) {
  test(
    `one resolver on the bridge answers every task's 127.0.0.11, scoped by the asking task's address (UDP through ${batch ? 'batch' : 'dgram'})`,
    { skip: !isRoot && 'needs root' },
    async t => {
      const lab = new RedirectLab();
      const upstream = dgram.createSocket('udp4');
      t.after(() => {
        upstream.close();
        lab.destroy();
      });
      // A fake upstream on the agent's loopback (never a real resolver).
      await new Promise<void>(r => upstream.bind({ address: '127.0.0.1', port: 0 }, r));
      upstream.on('message', (msg, rinfo) => {
        const p = parseQuery(msg);
        if (p.kind === 'query') {
          const answer = encodeResponse(p.query, 0, 1, encodeARecords(['203.0.113.7']), 4096);
          upstream.send(answer, rinfo.port, rinfo.address);
        }
      });
      const a = lab.task('a', 2, [NET_A]);
      const b = lab.task('b', 3, [NET_B]);
      const c = lab.task('c', 4, [NET_A], true);
      const dns = await EmbeddedDns.start({
        upstreams: [`127.0.0.1:${upstream.address().port}`],
        log: quietLog,
        batch,
      });
      t.after(() => dns.close());
      dns.setView(testView());
      dns.setAskers(
        new Map([
          ['172.18.0.2', [NET_A]],
          ['172.18.0.3', [NET_B]],
          ['172.18.0.4', [NET_A]],
        ]),
      );
      assert.equal(await dns.listen('172.18.0.1', 53, lab.node), 53);
      assert.ok(await dns.synced());
      assert.match(
        await inNs(lab.node, ['ss', '-ulnH']),
        /172\.18\.0\.1:53\b/,
        'bound in the node namespace',
      );
      assert.doesNotMatch(
        execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }),
        /bind-in-netns\.mjs 172\.18\.0\.1/,
        'the bind helper is gone once it handed the sockets over',
      );

      const digA = (...args: string[]): Promise<string> =>
        inNs(a, ['dig', '+time=2', '+tries=1', '@127.0.0.11', ...args]);
      assert.deepEqual(answers(await digA('web')), ['10.0.1.2']);
      assert.match(await digA('web'), /SERVER: 127\.0\.0\.11#53/, 'the answer comes from 127.0.0.11');
      assert.deepEqual(answers(await digA('+tcp', 'web')), ['10.0.1.2']);
      assert.equal(answers(await digA('tasks.big')).length, 60);
      assert.equal(answers(await digA('+tcp', 'tasks.big')).length, 60);
      assert.deepEqual(answers(await digA('web.1.webtask1')), ['10.0.1.10']);
      assert.equal(status(await digA('other')), 'NXDOMAIN');
      assert.deepEqual(answers(await digA('outside.example')), ['203.0.113.7']);
      // (A client that binds 127.0.0.1 itself cannot leave by eth1 without route_localnet: see plan-dns-redirect.ts.)
      assert.match(await inNs(a, ['busybox', 'nslookup', 'web']), /10\.0\.1\.2/);
      assert.match(await inNs(a, ['getent', 'hosts', 'web']), /^10\.0\.1\.2\s+web/);

      // The task on network b sees b's services only, from the same socket.
      const digB = (...args: string[]): Promise<string> =>
        inNs(b, ['dig', '+time=2', '+tries=1', '@127.0.0.11', ...args]);
      assert.deepEqual(answers(await digB('other')), ['10.0.2.2']);
      assert.equal(status(await digB('web')), 'NXDOMAIN');

      // A task an older agent made (SNAT and route_localnet, no route) answers, and still does once
      // adopted: its ruleset replaced by today's (no SNAT) and the route added.
      const digC = (...args: string[]): Promise<string> =>
        inNs(c, ['dig', '+time=2', '+tries=1', '@127.0.0.11', ...args]);
      assert.deepEqual(answers(await digC('web')), ['10.0.1.2'], 'the older redirect');
      lab.adopt(c, 4, [NET_A]);
      assert.doesNotMatch(await inNs(c, ['nft', 'list', 'ruleset']), /snat/, 'adopted: no SNAT any more');
      assert.deepEqual(answers(await digC('web')), ['10.0.1.2'], 'adopted');
      assert.deepEqual(answers(await digC('+tcp', 'web')), ['10.0.1.2'], 'adopted, over TCP');

      // Let go: the socket in the node namespace is closed.
      dns.unlisten('172.18.0.1');
      const deadline = Date.now() + 3000;
      while ((await inNs(lab.node, ['ss', '-ulnH'])).includes('172.18.0.1:53')) {
        assert.ok(Date.now() < deadline, 'socket closed after unlisten');
        await new Promise(r => setTimeout(r, 20));
      }
      assert.match(await digA('web'), /connection refused|timed out|no servers/, 'nobody answers any more');

      // route_localnet (which an older agent's redirect set, and an adopted task keeps) must open no way
      // into a task's loopback from a neighbour on the bridge: b routes 127/8 to c (as a task, root in its
      // namespace, can) and sends there, then a marker to c's eth1 address along the same path, which
      // arrives after whatever went before it. (A task made today has no route_localnet at all.)
      const victim = spawn(
        'ip',
        [
          'netns',
          'exec',
          c,
          process.execPath,
          '-e',
          "const d = require('dgram').createSocket('udp4'); d.on('message', m => console.log(String(m))); d.bind(7777, () => console.log('up'))",
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      t.after(() => victim.kill('SIGKILL'));
      let heard = '';
      victim.stdout.on('data', (d: Buffer) => (heard += d.toString()));
      await waitFor(() => heard.includes('up'), 'the victim listening');
      ip('-n', b, 'route', 'del', 'local', '127.0.0.1', 'table', 'local');
      ip('-n', b, 'route', 'del', 'local', '127.0.0.0/8', 'table', 'local');
      ip('-n', b, 'route', 'add', '127.0.0.0/8', 'via', '172.18.0.4', 'dev', 'eth1');
      await inNs(b, [
        process.execPath,
        '-e',
        "const d = require('dgram').createSocket('udp4'); d.send('to-loopback', 7777, '127.0.0.1', () => d.send('marker', 7777, '172.18.0.4', () => d.close()))",
      ]);
      await waitFor(() => heard.includes('marker'), 'the marker');
      assert.doesNotMatch(heard, /to-loopback/, "b cannot reach c's loopback over the bridge");
    },
  );
}

test(
  'a node namespace that does not exist: listen rejects, nothing is kept',
  { skip: !isRoot && 'needs root' },
  async () => {
    const dns = await EmbeddedDns.start({ upstreams: [], log: quietLog });
    try {
      await assert.rejects(dns.listen('172.18.0.1', 53, `sl${randomBytes(3).toString('hex')}-none`));
      await assert.rejects(dns.listen('172.18.0.1', 53, '-n'), /bad network namespace/);
    } finally {
      await dns.close();
    }
  },
);

/** The network namespace inode of every thread of this process that differs from the process's own. */
function threadsElsewhere(): string[] {
  const own = statSync('/proc/self/ns/net').ino;
  const out: string[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const ino = statSync(`/proc/self/task/${tid}/ns/net`).ino;
      if (ino !== own) out.push(`thread ${tid} in net:[${ino}], not net:[${own}]`);
    } catch {
      // A thread that ended meanwhile.
    }
  }
  return out;
}

test(
  'the native bind steps into the node namespace with setns: answers there, starts no helper process, and the thread comes back to its own namespace',
  { skip: !isRoot && 'needs root' },
  async t => {
    const lab = new RedirectLab();
    // Any `ip` the resolver thread ran (ip netns exec, the helper's way in) would leave its mark here.
    const bin = mkdtempSync(join(tmpdir(), 'shoal-no-ip-'));
    t.after(() => {
      lab.destroy();
      rmSync(bin, { recursive: true, force: true });
    });
    const a = lab.task('a', 2, [NET_A]);
    const marker = join(bin, 'ip-was-run');
    writeFileSync(join(bin, 'ip'), `#!/bin/sh\necho "$*" >> '${marker}'\nexit 1\n`, { mode: 0o755 });
    const said = pathLog();
    const path = process.env.PATH;
    // The thread's environment is a copy of this one as it is when the thread starts.
    process.env.PATH = `${bin}:${path ?? ''}`;
    let dns: EmbeddedDns;
    try {
      dns = await EmbeddedDns.start({ upstreams: [], log: said.log, batch: true });
    } finally {
      process.env.PATH = path;
    }
    t.after(() => dns.close());
    assert.equal(said.udpPath(), 'batch', 'the native addon is built and loads (npm run build)');
    dns.setView(testView());
    dns.setAskers(new Map([['172.18.0.2', [NET_A]]]));
    assert.equal(await dns.listen('172.18.0.1', 53, lab.node), 53);
    assert.ok(await dns.synced());
    assert.deepEqual(threadsElsewhere(), [], 'every thread is back in its own namespace');
    assert.match(
      await inNs(lab.node, ['ss', '-ulnH']),
      /172\.18\.0\.1:53\b/,
      'UDP bound in the node namespace',
    );
    assert.match(await inNs(lab.node, ['ss', '-tlnH']), /172\.18\.0\.1:53\b/, 'TCP listening there too');
    assert.doesNotMatch(await inNs(a, ['ss', '-ulnH']), /:53\b/, 'nothing bound in the task namespace');

    const digA = (...args: string[]): Promise<string> =>
      inNs(a, ['dig', '+time=2', '+tries=1', '@127.0.0.11', ...args]);
    assert.deepEqual(answers(await digA('web')), ['10.0.1.2']);
    assert.deepEqual(answers(await digA('+tcp', 'web')), ['10.0.1.2']);
    assert.equal(answers(await digA('tasks.big')).length, 60);
    assert.equal(status(await digA('other')), 'NXDOMAIN');
    assert.equal(existsSync(marker), false, 'no helper process: the thread never ran ip');
    assert.doesNotMatch(
      execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }),
      /bind-in-netns\.mjs 172\.18\.0\.1/,
    );

    // A restarted thread binds again the same way.
    const before = dns.restarts;
    dns.crash();
    await waitFor(() => dns.restarts > before, 'the thread restarted');
    assert.equal(await dns.listen('172.18.0.1', 53, lab.node), 53);
    assert.ok(await dns.synced());
    assert.deepEqual(answers(await digA('web')), ['10.0.1.2'], 'answers again after the restart');
    assert.deepEqual(threadsElsewhere(), [], 'the new thread is back in its own namespace too');
    assert.equal(existsSync(marker), false, 'still no helper');

    // A namespace that is not there: refused, and the thread stays where it was.
    await assert.rejects(dns.listen('172.18.0.9', 53, `${lab.prefix}-none`), /network namespace/);
    assert.deepEqual(threadsElsewhere(), []);
  },
);
