/**
 * The responder's cached fast path (one scan, a key from the question's wire bytes) against a plain,
 * uncached reference built from parseQuery, the record table and encodeResponse: for random queries in
 * random case, types, classes and EDNS, odd labels and flipped bytes, both must give the same outcome
 * byte for byte, whatever the cache already holds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordTable } from '../../../agent/dns/record-table.ts';
import { Responder, TCP_LIMIT, type Outcome } from '../../../agent/dns/responder.ts';
import {
  CLASS_ANY,
  CLASS_IN,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  TYPE_A,
  TYPE_ANY,
  encodeARecords,
  encodeResponse,
  parseQuery,
  udpLimit,
} from '../../../agent/dns/wire.ts';
import { NET_A, NET_B, query, rng, testView } from './fixtures.ts';

type Expected = Outcome | { kind: 'rotated'; ips: string[] };

/** What the responder must answer, computed from scratch each time. */
function reference(table: RecordTable, packet: Buffer, networks: string[], tcp: boolean): Expected {
  const parsed = parseQuery(packet);
  if (parsed.kind !== 'query') return parsed;
  const q = parsed.query;
  if (q.oddName || q.name === '' || (q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY)) {
    return { kind: 'forward', query: q };
  }
  const found = table.lookup(q.name, networks);
  const limit = tcp ? TCP_LIMIT : udpLimit(q);
  if (found.kind === 'not-ours') return { kind: 'forward', query: q };
  if (found.kind === 'nxdomain') {
    return { kind: 'reply', packet: encodeResponse(q, RCODE_NXDOMAIN, 0, null, limit) };
  }
  if (q.qtype !== TYPE_A && q.qtype !== TYPE_ANY) {
    return { kind: 'reply', packet: encodeResponse(q, RCODE_NOERROR, 0, null, limit) };
  }
  if (found.rotate) return { kind: 'rotated', ips: [...found.ips] };
  const packetOut = encodeResponse(q, RCODE_NOERROR, found.ips.length, encodeARecords(found.ips), limit);
  return { kind: 'reply', packet: packetOut };
}

const NAMES = [
  'web',
  'tasks.big',
  'rr',
  'tasks.rr',
  'web.1.webtask1',
  'global.node1.globaltask1',
  'lonely',
  'zero',
  'gone',
  'other',
  'example.org',
  'a.b.c',
  '',
  // Odd names: never answered, always forwarded, even once their plain twin is cached.
  'we\x2eb',
  'w\xc9b',
  'W\xe9B',
  'web\x00',
  'w b',
];
const TYPES = [TYPE_A, 28, TYPE_ANY, 5, 0x0161, 0x0100 | TYPE_A];
const CLASSES = [CLASS_IN, CLASS_IN, CLASS_ANY, 3];

/** `name` in random case; a label may hold a '.' (written as one label, so the name is odd). */
function randomQuery(next: () => number): Buffer {
  const base = NAMES[next() % NAMES.length]!;
  let name = '';
  for (const ch of base) name += next() % 2 === 0 ? ch.toUpperCase() : ch;
  const qtype = TYPES[next() % TYPES.length]!;
  const edns = next() % 3;
  let b: Buffer;
  if (base === 'we\x2eb') {
    // One label holding the dot.
    b = Buffer.concat([
      Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
      Buffer.from([name.length]),
      Buffer.from(name, 'latin1'),
      Buffer.from([0, qtype >> 8, qtype & 0xff, 0, 1]),
    ]);
  } else {
    b = query(
      name,
      qtype,
      edns === 0 ? undefined : { size: next() & 0xffff, version: next() % 8 === 0 ? 1 : 0 },
    );
  }
  b.writeUInt16BE(next() & 0xffff, 0);
  if (next() % 2 === 0) b[2] = b[2]! & ~0x01; // RD off
  const cls = CLASSES[next() % CLASSES.length]!;
  // The name's end: its first zero byte, as no label above but the one of 'web\x00' holds one.
  const qEnd = b.indexOf(0, 12) + 1;
  if (base !== 'web\x00' && qEnd + 4 <= b.length) b.writeUInt16BE(cls, qEnd + 2);
  if (next() % 5 === 0) {
    for (let i = next() % 3; i >= 0; i--) b[next() % b.length] = next() & 0xff;
  }
  return b;
}

test('the cached fast path answers exactly as an uncached reference, over 200,000 random queries', () => {
  const view = testView(300);
  const table = RecordTable.fromView(view);
  const responder = new Responder();
  responder.setTable(RecordTable.fromView(view));
  const scopes: [string[], ReturnType<Responder['scope']>][] = [
    [[NET_A], responder.scope([NET_A])],
    [[NET_B], responder.scope([NET_B])],
    [[NET_B, NET_A], responder.scope([NET_B, NET_A])],
  ];
  const next = rng(0xcafe);
  const kinds = { reply: 0, forward: 0, drop: 0, rotated: 0 };
  for (let i = 0; i < 200_000; i++) {
    const p = randomQuery(next);
    const [networks, scope] = scopes[next() % scopes.length]!;
    const tcp = next() % 4 === 0;
    const want = reference(table, p, networks, tcp);
    const got = responder.respond(p, scope, tcp);
    const what = `packet ${i}: ${p.toString('hex')}`;
    kinds[want.kind]++;
    if (want.kind === 'rotated') {
      assert.equal(got.kind, 'reply', what);
      if (got.kind !== 'reply') continue;
      const parsed = parseQuery(p);
      assert.ok(parsed.kind === 'query', what);
      const limit = tcp ? TCP_LIMIT : udpLimit(parsed.query);
      // Same header, question and OPT as an answer in the table's order; the addresses in some rotation.
      const sameOrder = encodeResponse(
        parsed.query,
        RCODE_NOERROR,
        want.ips.length,
        encodeARecords(want.ips),
        limit,
      );
      assert.equal(got.packet.length, sameOrder.length, what);
      const head = 12 + parsed.query.question.length;
      assert.deepEqual(got.packet.subarray(0, head), sameOrder.subarray(0, head), what);
      const ipsOf = (b: Buffer): string[] =>
        Array.from({ length: want.ips.length }, (_, k) =>
          [...b.subarray(head + 16 * k + 12, head + 16 * k + 16)].join('.'),
        ).sort();
      assert.deepEqual(ipsOf(got.packet), ipsOf(sameOrder), what);
      continue;
    }
    assert.equal(got.kind, want.kind, what);
    if (want.kind === 'reply' && got.kind === 'reply') assert.deepEqual(got.packet, want.packet, what);
    if (want.kind === 'forward' && got.kind === 'forward') assert.deepEqual(got.query, want.query, what);
  }
  // Every kind of outcome was exercised, so the comparison covered the cache, the misses and the rest.
  for (const [k, n] of Object.entries(kinds)) assert.ok(n > 1000, `${k}: ${n}`);
});

test('a new view empties the cache: the same question is answered from the new records', () => {
  const responder = new Responder();
  responder.setTable(RecordTable.fromView(testView()));
  const scope = responder.scope([NET_A]);
  const before = responder.respond(query('WEB'), scope, false);
  const view = testView();
  view.services = view.services.map(s =>
    s.id === 'sweb' ? { ...s, virtualIps: [{ networkId: NET_A, addr: '10.0.1.99/24' }] } : s,
  );
  responder.setTable(RecordTable.fromView(view));
  const after = responder.respond(query('web'), scope, false);
  assert.ok(before.kind === 'reply' && after.kind === 'reply');
  assert.deepEqual([...before.packet.subarray(-4)], [10, 0, 1, 2]);
  assert.deepEqual([...after.packet.subarray(-4)], [10, 0, 1, 99]);
});
