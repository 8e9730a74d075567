/**
 * The real thing, as root: 127.0.0.11:53 served inside network namespaces this test creates (random
 * prefix, lo up, removed at the end), asked with dig and busybox nslookup from inside them.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { test } from 'node:test';
import { EmbeddedDns } from '../../../agent/dns/embedded-dns.ts';
import type { SandboxEvent, TaskNetworking } from '../../../agent/network/sandbox.ts';
import { encodeARecords, encodeResponse, parseQuery } from '../../../agent/dns/wire.ts';
import { NET_A, NET_B, answers, quietLog, status, testView } from './fixtures.ts';

const isRoot = process.getuid?.() === 0;

function inNs(ns: string, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns, ...argv], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err && stdout === '') reject(new Error(`${argv.join(' ')}: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

test(
  'dig and busybox nslookup inside task namespaces, scoped per task; sockets let go on removal',
  { skip: !isRoot && 'needs root' },
  async t => {
    const prefix = `sl${randomBytes(3).toString('hex')}`;
    const nsA = `${prefix}-ta`;
    const nsB = `${prefix}-tb`;
    const made: string[] = [];
    const upstream = dgram.createSocket('udp4');
    const dns = new EmbeddedDns({ upstreams: [], upstreamTimeoutMs: 500, log: quietLog });
    t.after(async () => {
      await dns.close();
      upstream.close();
      for (const ns of made) {
        try {
          execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
        } catch {
          // already gone
        }
      }
    });
    for (const ns of [nsA, nsB]) {
      execFileSync('ip', ['netns', 'add', ns]);
      made.push(ns);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }

    // A fake upstream on the agent's loopback (never a real resolver).
    await new Promise<void>(r => upstream.bind({ address: '127.0.0.1', port: 0 }, r));
    upstream.on('message', (msg, rinfo) => {
      const p = parseQuery(msg);
      if (p.kind === 'query') {
        upstream.send(
          encodeResponse(p.query, 0, 1, encodeARecords(['203.0.113.7']), 4096),
          rinfo.port,
          rinfo.address,
        );
      }
    });
    const fwd = new EmbeddedDns({ upstreams: [`127.0.0.1:${upstream.address().port}`], log: quietLog });
    t.after(() => fwd.close());

    dns.setView(testView());
    fwd.setView(testView());
    const t0 = Date.now();
    await Promise.all([
      fwd.addSandbox({
        taskId: 'ta',
        netns: nsA,
        legs: [{ networkId: NET_A, ifname: 'eth0', addr: '10.0.1.10/24' }],
        gatewayAddr: '',
      }),
      dns.addSandbox({
        taskId: 'tb',
        netns: nsB,
        legs: [{ networkId: NET_B, ifname: 'eth0', addr: '10.0.2.10/24' }],
        gatewayAddr: '',
      }),
    ]);
    t.diagnostic(`two sandboxes served after ${Date.now() - t0} ms`);

    const digA = (...args: string[]): Promise<string> =>
      inNs(nsA, ['dig', '+time=2', '+tries=1', '@127.0.0.11', ...args]);
    assert.deepEqual(answers(await digA('web')), ['10.0.1.2']);
    assert.deepEqual(answers(await digA('+tcp', 'web')), ['10.0.1.2']);
    assert.equal(answers(await digA('tasks.big')).length, 60);
    assert.equal(answers(await digA('+tcp', 'tasks.big')).length, 60);
    assert.deepEqual(answers(await digA('web.1.webtask1')), ['10.0.1.10']);
    assert.equal(status(await digA('other')), 'NXDOMAIN');
    assert.deepEqual(answers(await digA('outside.example')), ['203.0.113.7']);

    const nslookup = await inNs(nsA, ['busybox', 'nslookup', 'web', '127.0.0.11']);
    assert.match(nslookup, /10\.0\.1\.2/);

    // The task on network b sees b's services only.
    const digB = (...args: string[]): Promise<string> =>
      inNs(nsB, ['dig', '+time=2', '+tries=1', '@127.0.0.11', ...args]);
    assert.deepEqual(answers(await digB('other')), ['10.0.2.2']);
    assert.equal(status(await digB('web')), 'NXDOMAIN');
    assert.equal(status(await digB('outside.example')), 'SERVFAIL', 'no upstream configured there');

    // Removal closes the sockets inside the namespace.
    dns.removeSandbox('tb');
    const deadline = Date.now() + 3000;
    for (;;) {
      const ss = await inNs(nsB, ['ss', '-ulnH']);
      if (!ss.includes('127.0.0.11:53')) break;
      assert.ok(Date.now() < deadline, `socket still open: ${ss}`);
      await new Promise(r => setTimeout(r, 20));
    }
    assert.equal(dns.serves('tb'), false);
    assert.equal(fwd.serves('ta'), true);
  },
);

test(
  'a namespace that does not exist: addSandbox rejects, nothing kept',
  { skip: !isRoot && 'needs root' },
  async () => {
    const dns = new EmbeddedDns({ upstreams: [], log: quietLog });
    try {
      await assert.rejects(
        dns.addSandbox({
          taskId: 'x',
          netns: `sl${randomBytes(3).toString('hex')}-none`,
          legs: [],
          gatewayAddr: '',
        }),
      );
      assert.equal(dns.serves('x'), false);
      await assert.rejects(
        dns.addSandbox({ taskId: 'y', netns: '-n', legs: [], gatewayAddr: '' }),
        /bad network namespace/,
      );
    } finally {
      await dns.close();
    }
  },
);

test(
  'follow(): sandboxes added and removed by the data plane are served and let go',
  { skip: !isRoot && 'needs root' },
  async t => {
    const ns = `sl${randomBytes(3).toString('hex')}-tf`;
    const dns = new EmbeddedDns({ upstreams: [], log: quietLog });
    t.after(async () => {
      await dns.close();
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    });
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    dns.setView(testView());
    let listener: ((e: SandboxEvent) => void) | undefined;
    const networking: TaskNetworking = {
      update: () => Promise.resolve({ ready: [], failed: new Map() }),
      sandbox: () => undefined,
      onSandbox: l => {
        listener = l;
        return () => (listener = undefined);
      },
    };
    const off = dns.follow(networking);
    const sandbox = {
      taskId: 'tf',
      netns: ns,
      legs: [{ networkId: NET_A, ifname: 'eth0', addr: '10.0.1.10/24' }],
      gatewayAddr: '',
    };
    listener?.({ kind: 'added', sandbox });
    // A sandbox whose namespace is gone is logged, not thrown.
    listener?.({ kind: 'added', sandbox: { ...sandbox, taskId: 'ghost', netns: `${ns}-gone` } });
    const deadline = Date.now() + 5000;
    while (!dns.serves('tf')) {
      assert.ok(Date.now() < deadline, 'served after the added event');
      await new Promise(r => setTimeout(r, 10));
    }
    assert.deepEqual(answers(await inNs(ns, ['dig', '+time=2', '+tries=1', '@127.0.0.11', 'web'])), [
      '10.0.1.2',
    ]);
    listener?.({ kind: 'removed', taskId: 'tf', netns: ns });
    assert.equal(dns.serves('tf'), false);
    off();
    assert.equal(listener, undefined);
  },
);
