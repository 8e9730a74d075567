/**
 * The server on loopback sockets, asked by a real client (dig): answers, TC + TCP, EDNS, forwarding.
 * All of it twice: UDP through the native batch loop (the default), and through node's dgram as
 * SHOAL_DNS_BATCH=0 asks.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { encodeARecords, encodeResponse, parseQuery } from '../../../agent/dns/wire.ts';
import { upstreamsFromResolvConf, parseUpstream } from '../../../agent/dns/upstreams.ts';
import {
  NET_A,
  NET_B,
  answers,
  dig,
  query,
  startLoopbackDns,
  status,
  testView,
  type LoopbackDns,
  type UdpPath,
} from './fixtures.ts';

/** A fake upstream on 127.0.0.1 (never a real resolver): answers every A query with 203.0.113.7. */
async function fakeUpstream(silent = false): Promise<{ port: number; seen: string[]; close(): void }> {
  const seen: string[] = [];
  const udp = dgram.createSocket('udp4');
  await new Promise<void>(r => udp.bind({ address: '127.0.0.1', port: 0 }, r));
  const answer = (msg: Buffer): Buffer | null => {
    const p = parseQuery(msg);
    if (p.kind !== 'query') return null;
    seen.push(p.query.name);
    return encodeResponse(p.query, 0, 1, encodeARecords(['203.0.113.7']), 65535);
  };
  udp.on('message', (msg, rinfo) => {
    const out = answer(msg);
    if (out && !silent) udp.send(out, rinfo.port, rinfo.address);
  });
  const port = udp.address().port;
  const tcp = net.createServer(conn => {
    conn.on('error', () => conn.destroy());
    conn.on('data', d => {
      const out = answer(d.subarray(2));
      if (out && !silent) conn.write(Buffer.concat([Buffer.from([out.length >> 8, out.length & 0xff]), out]));
    });
  });
  await new Promise<void>((r, j) => tcp.listen({ host: '127.0.0.1', port }, r).once('error', j));
  return {
    port,
    seen,
    close: () => {
      udp.close();
      tcp.close();
    },
  };
}

/** The nice value of each thread of this process (field 19 of /proc/self/task/TID/stat). */
function threadNices(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      out.set(Number(tid), nice);
    } catch {
      // A thread that ended meanwhile.
    }
  }
  return out;
}

/** SHOAL_DNS_BATCH as each path is asked for: unset (the default, batches), or 0. */
const PATHS: { path: UdpPath; env: string | undefined }[] = [
  { path: 'batch', env: undefined },
  { path: 'dgram', env: '0' },
];

for (const { path, env } of PATHS) {
  describe(`UDP through ${path}`, () => suite(path, env));
}

function suite(path: UdpPath, env: string | undefined): void {
  /** The embedded DNS on loopback as SHOAL_DNS_BATCH=`env` makes it, on `path`. */
  async function start(opts: Parameters<typeof startLoopbackDns>[0]): Promise<LoopbackDns> {
    const was = process.env.SHOAL_DNS_BATCH;
    if (env === undefined) delete process.env.SHOAL_DNS_BATCH;
    else process.env.SHOAL_DNS_BATCH = env;
    let s: LoopbackDns;
    try {
      s = await startLoopbackDns(opts);
    } finally {
      if (was === undefined) delete process.env.SHOAL_DNS_BATCH;
      else process.env.SHOAL_DNS_BATCH = was;
    }
    if (s.udpPath !== path) {
      await s.close();
      assert.fail(
        `UDP through ${s.udpPath}, not ${path}${path === 'batch' ? ' (is the addon built? npm run build)' : ''}`,
      );
    }
    return s;
  }

  let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
  let server: LoopbackDns;
  let at: string[];

  before(async () => {
    upstream = await fakeUpstream();
    server = await start({ upstreams: [`127.0.0.1:${upstream.port}`] });
    at = ['@127.0.0.1', '-p', String(server.port)];
  });
  after(async () => {
    await server.close();
    upstream.close();
  });

  test('web → its VIP; tasks.web → its running tasks; web.1.<task> → that task; case-insensitive', async () => {
    assert.deepEqual(answers(await dig([...at, 'web'])), ['10.0.1.2']);
    assert.deepEqual(answers(await dig([...at, 'WEB'])), ['10.0.1.2']);
    assert.deepEqual(answers(await dig([...at, 'tasks.web'])).sort(), [
      '10.0.1.10',
      '10.0.1.11',
      '10.0.1.12',
    ]);
    assert.deepEqual(answers(await dig([...at, 'web.1.webtask1'])), ['10.0.1.10']);
    assert.deepEqual(answers(await dig([...at, 'lonely'])), ['10.0.1.40']);
  });

  test('a dnsrr service answers its tasks, starting with the next one each time', async () => {
    const firsts = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const ips = answers(await dig([...at, 'rr']));
      assert.deepEqual([...ips].sort(), ['10.0.1.20', '10.0.1.21', '10.0.1.22']);
      firsts.add(ips[0] ?? '');
    }
    assert.equal(firsts.size, 3);
  });

  test('a service on a network the asker is not on: NXDOMAIN, not sent upstream', async () => {
    const before = upstream.seen.length;
    const out = await dig([...at, 'other']);
    assert.equal(status(out), 'NXDOMAIN');
    assert.equal(status(await dig([...at, 'tasks.other'])), 'NXDOMAIN');
    assert.equal(upstream.seen.length, before);
  });

  test('scaled to 0 and AAAA: NOERROR with no records, at once', async () => {
    const t0 = Date.now();
    const zero = await dig([...at, 'zero']);
    assert.equal(status(zero), 'NOERROR');
    assert.deepEqual(answers(zero), []);
    assert.ok(Date.now() - t0 < 1000, 'answered at once');
    const aaaa = await dig([...at, 'web', 'AAAA']);
    assert.equal(status(aaaa), 'NOERROR');
    assert.match(aaaa, /ANSWER: 0/);
  });

  test('60 tasks: UDP without EDNS gets TC; dig +tcp gets all 60; EDNS 4096 gets all 60 over UDP', async () => {
    const udp = await dig([...at, '+noedns', '+ignore', 'tasks.big']);
    assert.match(udp, /flags:[^;]*\btc\b/);
    assert.deepEqual(answers(udp), []);
    const tcp = await dig([...at, '+tcp', 'tasks.big']);
    assert.equal(answers(tcp).length, 60);
    // dig retries over TCP by itself on TC.
    assert.equal(answers(await dig([...at, '+noedns', 'tasks.big'])).length, 60);
    const edns = await dig([...at, '+bufsize=4096', 'tasks.big']);
    assert.doesNotMatch(edns, /flags:[^;]*\btc\b/);
    assert.match(edns, /EDNS: version: 0/);
    assert.equal(answers(edns).length, 60);
  });

  test('reverse lookups: a task address → its task name on the network, a VIP → its service; others forwarded', async () => {
    const ptr = (out: string): string[] =>
      out
        .split('\n')
        .filter(l => /\sIN\s+PTR\s/.test(l) && !l.startsWith(';'))
        .map(l => l.trim().split(/\s+/).at(-1) ?? '');
    assert.deepEqual(ptr(await dig([...at, '-x', '10.0.1.11'])), ['web.2.webtask2.a.']);
    assert.deepEqual(ptr(await dig([...at, '-x', '10.0.1.2'])), ['web.a.']);
    assert.deepEqual(ptr(await dig([...at, '+tcp', '-x', '10.0.1.40'])), ['lonely.a.']);
    assert.equal(status(await dig([...at, '-x', '10.0.2.10'])), 'NXDOMAIN', 'another network’s task');
    const a = await dig([...at, '11.1.0.10.in-addr.arpa', 'A']);
    assert.equal(status(a), 'NOERROR');
    assert.deepEqual(ptr(a), []);
    await dig([...at, '-x', '203.0.113.9']);
    assert.ok(
      upstream.seen.includes('9.113.0.203.in-addr.arpa'),
      'an address the cluster does not have goes upstream',
    );
  });

  test('an outside name goes to the (fake) upstream, over UDP and TCP', async () => {
    assert.deepEqual(answers(await dig([...at, 'example.org'])), ['203.0.113.7']);
    assert.deepEqual(answers(await dig([...at, '+tcp', 'tcp.example.org'])), ['203.0.113.7']);
    assert.ok(upstream.seen.includes('example.org') && upstream.seen.includes('tcp.example.org'));
  });

  test('records follow setView: scale web to 10', async () => {
    const view = testView();
    const web = view.endpoints.filter(e => e.serviceId === 'sweb' && e.running);
    for (let i = web.length; i < 10; i++) {
      view.endpoints.push({ ...web[0]!, taskId: `webmore${i}`, slot: i + 1, addr: `10.0.1.${60 + i}/24` });
    }
    server.dns.setView(view);
    assert.ok(await server.dns.synced());
    assert.equal(answers(await dig([...at, 'tasks.web'])).length, 10);
    server.dns.setView(testView());
    assert.ok(await server.dns.synced());
    assert.equal(answers(await dig([...at, 'tasks.web'])).length, 3);
  });

  test('askers: answers follow the networks of the source address; a source no task asks from is REFUSED, not forwarded', async () => {
    const seen = upstream.seen.length;
    server.dns.setAskers(new Map([['127.0.0.1', [NET_B]]]));
    assert.ok(await server.dns.synced());
    assert.deepEqual(answers(await dig([...at, 'other'])), ['10.0.2.2']);
    assert.equal(status(await dig([...at, 'web'])), 'NXDOMAIN');
    server.dns.setAskers(new Map([['127.0.0.9', [NET_A]]]));
    assert.ok(await server.dns.synced());
    assert.equal(status(await dig([...at, 'web'])), 'REFUSED');
    assert.equal(status(await dig([...at, '+tcp', 'web'])), 'REFUSED');
    assert.equal(status(await dig([...at, 'example.org'])), 'REFUSED');
    assert.equal(upstream.seen.length, seen, 'nothing asked upstream for a stranger');
    server.dns.setAskers(new Map([['127.0.0.1', [NET_A]]]));
    assert.ok(await server.dns.synced());
    assert.deepEqual(answers(await dig([...at, 'web'])), ['10.0.1.2']);
  });

  test(
    'the resolver thread runs ahead of the process’s other threads (nice -10), so they do not delay answers',
    { skip: process.getuid?.() !== 0 && 'needs root to raise a priority' },
    () => {
      const nices = threadNices();
      assert.equal(nices.get(process.pid), 0, 'the main thread as it was');
      assert.ok([...nices.values()].includes(-10), JSON.stringify([...nices]));
    },
  );

  test('the resolver thread dies: it is started again, with the view, askers and sockets it had', async () => {
    const before = server.dns.restarts;
    server.dns.crash();
    const deadline = Date.now() + 10_000;
    while (server.dns.restarts === before) {
      assert.ok(Date.now() < deadline, 'restarted');
      await new Promise(r => setTimeout(r, 10));
    }
    assert.equal(await server.dns.listen('127.0.0.1', server.port), server.port, 'the same port again');
    assert.ok(await server.dns.synced());
    assert.deepEqual(answers(await dig([...at, 'web'])), ['10.0.1.2']);
    assert.deepEqual(answers(await dig([...at, '+tcp', 'tasks.web'])).sort(), [
      '10.0.1.10',
      '10.0.1.11',
      '10.0.1.12',
    ]);
    assert.deepEqual(answers(await dig([...at, 'example.org'])), ['203.0.113.7'], 'forwarding too');
  });

  test('a silent upstream: SERVFAIL within the timeout, over UDP and TCP', async () => {
    const silent = await fakeUpstream(true);
    const s = await start({ upstreams: [`127.0.0.1:${silent.port}`], upstreamTimeoutMs: 300 });
    try {
      const args = ['@127.0.0.1', '-p', String(s.port)];
      const t0 = Date.now();
      assert.equal(status(await dig([...args, 'quiet.example'])), 'SERVFAIL');
      const took = Date.now() - t0;
      assert.ok(took >= 250 && took < 1500, `SERVFAIL after ${took} ms`);
      assert.equal(status(await dig([...args, '+tcp', 'quiet.example'])), 'SERVFAIL');
      assert.ok(silent.seen.length >= 2, 'the upstream was asked');
    } finally {
      await s.close();
      silent.close();
    }
  });

  test('no upstream at all: SERVFAIL at once', async () => {
    const s = await start({ upstreams: [] });
    try {
      assert.equal(status(await dig(['@127.0.0.1', '-p', String(s.port), 'example.org'])), 'SERVFAIL');
    } finally {
      await s.close();
    }
  });

  test('upstream addresses: resolv.conf without 127.0.0.11; ip, ip:port, [ip6]:port', () => {
    const conf =
      'search x\nnameserver 127.0.0.11\nnameserver 10.255.255.53\n# nameserver 1.1.1.1\nnameserver fe80::1%eth0\n';
    assert.deepEqual(upstreamsFromResolvConf(conf), ['10.255.255.53', 'fe80::1']);
    assert.deepEqual(parseUpstream('10.0.0.1'), { host: '10.0.0.1', port: 53 });
    assert.deepEqual(parseUpstream('10.0.0.1:5353'), { host: '10.0.0.1', port: 5353 });
    assert.deepEqual(parseUpstream('[::1]:5353'), { host: '::1', port: 5353 });
    assert.deepEqual(parseUpstream('::1'), { host: '::1', port: 53 });
    assert.throws(() => parseUpstream('dns.example'));
    assert.throws(() => parseUpstream('10.0.0.1:99999'));
  });

  test('TCP: pipelined queries in one write are all answered; a frame with no readable header closes the connection', async () => {
    const framed = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
    const conn = net.connect({ host: '127.0.0.1', port: server.port });
    await new Promise<void>((r, j) => conn.once('connect', r).once('error', j));
    let got = Buffer.alloc(0);
    conn.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    const q1 = query('web');
    const q2 = query('tasks.big');
    q2.writeUInt16BE(0x4321, 0);
    conn.write(Buffer.concat([framed(q1), framed(q2)]));
    const deadline = Date.now() + 3000;
    const frames = (): Buffer[] => {
      const out: Buffer[] = [];
      for (let o = 0; o + 2 <= got.length;) {
        const len = got.readUInt16BE(o);
        if (o + 2 + len > got.length) break;
        out.push(got.subarray(o + 2, o + 2 + len));
        o += 2 + len;
      }
      return out;
    };
    while (frames().length < 2) {
      assert.ok(Date.now() < deadline, 'two answers over one connection');
      await new Promise(r => setTimeout(r, 10));
    }
    const [a, b] = frames();
    assert.equal(a?.readUInt16BE(0), 0x1234);
    assert.equal(b?.readUInt16BE(0), 0x4321);
    assert.equal(b?.readUInt16BE(6), 60, 'all 60 over TCP');
    const closed = new Promise<void>(r => conn.once('close', () => r()));
    conn.write(framed(Buffer.from([1, 2, 3])));
    await closed;
  });
}
