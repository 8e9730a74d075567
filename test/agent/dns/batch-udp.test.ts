/**
 * UDP through the native batch loop (agent/dns/native), on loopback with real sockets: the same bytes
 * as the dgram path for the same queries, a burst from many sockets, and datagrams that must not stop
 * it (empty, the largest UDP allows, answers to a client that is gone).
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import { EmbeddedDns } from '../../../agent/dns/embedded-dns.ts';
import { query, quietLog, startLoopbackDns, type LoopbackDns } from './fixtures.ts';

let batch: LoopbackDns;
let plain: LoopbackDns;

before(async () => {
  batch = await startLoopbackDns({ batch: true });
  plain = await startLoopbackDns({ batch: false });
  assert.equal(batch.udpPath, 'batch', 'the native addon is built and loads (npm run build compiles it)');
  assert.equal(plain.udpPath, 'dgram');
});
after(async () => {
  await batch.close();
  await plain.close();
});

async function client(address = '127.0.0.1'): Promise<dgram.Socket> {
  const c = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    c.once('error', reject);
    c.bind({ address, port: 0 }, () => resolve());
  });
  return c;
}

/** Sends `packet` until an answer comes (a loaded loopback may drop one), within 3 s. */
async function ask(c: dgram.Socket, port: number, packet: Buffer): Promise<Buffer> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const got = await new Promise<Buffer | null>(resolve => {
      const timer = setTimeout(() => {
        c.off('message', on);
        resolve(null);
      }, 300);
      const on = (msg: Buffer): void => {
        clearTimeout(timer);
        c.off('message', on);
        resolve(msg);
      };
      c.on('message', on);
      c.send(packet, port, '127.0.0.1');
    });
    if (got !== null) return got;
    assert.ok(Date.now() < deadline, `no answer to ${packet.toString('hex')}`);
  }
}

/** One EDNS query; the fixtures' query() builds the rest. */
const edns = (name: string, size: number): Buffer => query(name, 1, { size });

test('the same bytes as the dgram path: A, AAAA, SRV, NXDOMAIN, PTR, TC, EDNS, FORMERR, REFUSED', async () => {
  const asks: [string, Buffer][] = [
    ['A web', query('web')],
    ['A WEB', query('WEB')],
    ['AAAA web', query('web', 28)],
    ['SRV web', query('web', 33)],
    ['NXDOMAIN other', query('other')],
    ['NXDOMAIN nothing.here', query('nothing.here')],
    ['PTR 10.0.1.11', query('11.1.0.10.in-addr.arpa', 12)],
    ['tasks.big, plain UDP: TC', query('tasks.big')],
    ['tasks.big, EDNS 4096', edns('tasks.big', 4096)],
    ['EDNS version 1: BADVERS', query('web', 1, { size: 1232, version: 1 })],
    ['a name cut short: FORMERR', Buffer.concat([query('web').subarray(0, 14)])],
    ['no upstream: SERVFAIL', query('example.org')],
  ];
  const c = await client();
  const stranger = await client('127.0.0.2');
  try {
    for (const [what, q] of asks) {
      const a = await ask(c, batch.port, q);
      const b = await ask(c, plain.port, q);
      assert.equal(a.toString('hex'), b.toString('hex'), what);
    }
    const a = await ask(stranger, batch.port, query('web'));
    const b = await ask(stranger, plain.port, query('web'));
    assert.equal(a.toString('hex'), b.toString('hex'), 'a stranger');
    assert.equal(a[3]! & 0xf, 5, 'a stranger is REFUSED');
  } finally {
    c.close();
    stranger.close();
  }
});

test('a burst of 500 queries from 50 sockets at once: every one answered, to its own socket and id', async () => {
  const sockets = await Promise.all(Array.from({ length: 50 }, () => client()));
  try {
    const waits: Promise<void>[] = [];
    sockets.forEach((s, n) => {
      const want = new Set<number>();
      for (let i = 0; i < 10; i++) want.add(n * 10 + i + 1);
      waits.push(
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`socket ${n}: no answer to ids ${[...want].join(',')}`)),
            5000,
          );
          s.on('message', msg => {
            const id = msg.readUInt16BE(0);
            if (!want.delete(id)) return reject(new Error(`socket ${n}: an answer for id ${id}`));
            // An answer for web: one A record, 10.0.1.2.
            assert.equal(msg.readUInt16BE(6), 1);
            assert.deepEqual([...msg.subarray(msg.length - 4)], [10, 0, 1, 2]);
            if (want.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          });
        }),
      );
    });
    for (let i = 0; i < 10; i++) {
      sockets.forEach((s, n) => {
        const q = query('web');
        q.writeUInt16BE(n * 10 + i + 1, 0);
        s.send(q, batch.port, '127.0.0.1');
      });
    }
    await Promise.all(waits);
  } finally {
    for (const s of sockets) s.close();
  }
});

test('an empty datagram and one of 65507 bytes are dropped, and it answers on', async () => {
  const c = await client();
  try {
    await new Promise<void>(r => c.send(Buffer.alloc(0), batch.port, '127.0.0.1', () => r()));
    const huge = Buffer.alloc(65507);
    query('web').copy(huge);
    await new Promise<void>(r => c.send(huge, batch.port, '127.0.0.1', () => r()));
    const got: Buffer[] = [];
    c.on('message', m => got.push(m));
    const q = query('web');
    q.writeUInt16BE(0x7777, 0);
    const answer = await ask(c, batch.port, q);
    assert.equal(answer.readUInt16BE(0), 0x7777);
    assert.ok(
      got.every(m => m.readUInt16BE(0) === 0x7777),
      'no answer to the empty or the cut-short datagram',
    );
  } finally {
    c.close();
  }
});

test('answers to clients that are gone (ICMP port unreachable) do not stop it', async () => {
  for (let i = 0; i < 100; i++) {
    const gone = await client();
    const q = query(i % 2 === 0 ? 'web' : 'tasks.big');
    await new Promise<void>(r => gone.send(q, batch.port, '127.0.0.1', () => r()));
    gone.close();
  }
  const c = await client();
  try {
    const answer = await ask(c, batch.port, query('web'));
    assert.equal(answer.readUInt16BE(6), 1);
  } finally {
    c.close();
  }
});

test('a port another socket holds: listen is refused, saying why as node would', async () => {
  const dns = await EmbeddedDns.start({ upstreams: [], log: quietLog, batch: true });
  try {
    await assert.rejects(dns.listen('127.0.0.1', plain.port), /address already in use/);
    assert.ok((await dns.listen('127.0.0.1', 0)) > 0, 'and binds elsewhere afterwards');
  } finally {
    await dns.close();
  }
});
