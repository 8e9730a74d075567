/** The strict wire codec: round trips, and every kind of malformed packet refused without a throw. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RCODE_BADVERS,
  RCODE_FORMERR,
  RCODE_NOERROR,
  RCODE_NOTIMP,
  TYPE_A,
  TYPE_AAAA,
  encodeARecords,
  encodeResponse,
  parseQuery,
  udpLimit,
} from '../../../agent/dns/wire.ts';
import { query } from './fixtures.ts';

const rcodeOf = (b: Buffer): number => b.readUInt16BE(2) & 0xf;

test('a plain query parses: id, lowercase name, type, question echoed in the client case', () => {
  const p = parseQuery(query('WeB.Example', TYPE_AAAA));
  assert.equal(p.kind, 'query');
  if (p.kind !== 'query') return;
  assert.equal(p.query.id, 0x1234);
  assert.equal(p.query.name, 'web.example');
  assert.equal(p.query.qtype, TYPE_AAAA);
  assert.equal(p.query.edns, null);
  assert.equal(p.query.question.toString('latin1', 1, 4), 'WeB');
  assert.equal(udpLimit(p.query), 512);
});

test('an answer round trip: header, question, A records with a pointer to the name, OPT echoed', () => {
  const p = parseQuery(query('web', TYPE_A, { size: 1232 }));
  assert.equal(p.kind, 'query');
  if (p.kind !== 'query') return;
  assert.equal(udpLimit(p.query), 1232);
  const out = encodeResponse(p.query, RCODE_NOERROR, 2, encodeARecords(['10.0.1.2', '192.168.255.1']), 1232);
  assert.equal(out.readUInt16BE(0), 0x1234);
  const flags = out.readUInt16BE(2);
  assert.ok(flags & 0x8000, 'QR');
  assert.ok(flags & 0x0100, 'RD echoed');
  assert.equal(flags & 0x0200, 0, 'no TC');
  assert.deepEqual(
    [out.readUInt16BE(4), out.readUInt16BE(6), out.readUInt16BE(8), out.readUInt16BE(10)],
    [1, 2, 0, 1],
  );
  const a0 = 12 + 5 + 4; // header, "\x03web\x00", qtype+qclass
  assert.equal(out.readUInt16BE(a0), 0xc00c);
  assert.deepEqual([...out.subarray(a0 + 12, a0 + 16)], [10, 0, 1, 2]);
  assert.deepEqual([...out.subarray(a0 + 28, a0 + 32)], [192, 168, 255, 1]);
  assert.equal(out.readUInt16BE(a0 + 32 + 1), 41, 'OPT last');
  assert.equal(out.length, a0 + 32 + 11);
});

test('too big for the UDP limit: TC set, no answers', () => {
  const p = parseQuery(query('tasks.big'));
  if (p.kind !== 'query') return assert.fail('not parsed');
  const ips = Array.from({ length: 60 }, (_, i) => `10.0.1.${i}`);
  const out = encodeResponse(p.query, RCODE_NOERROR, 60, encodeARecords(ips), udpLimit(p.query));
  assert.ok(out.readUInt16BE(2) & 0x0200);
  assert.equal(out.readUInt16BE(6), 0);
  assert.ok(out.length <= 512);
  const full = encodeResponse(p.query, RCODE_NOERROR, 60, encodeARecords(ips), 65535);
  assert.equal(full.readUInt16BE(6), 60);
});

test('EDNS: a version other than 0 gets BADVERS; two OPTs are FORMERR', () => {
  const bad = parseQuery(query('web', TYPE_A, { size: 4096, version: 1 }));
  assert.equal(bad.kind, 'reply');
  if (bad.kind !== 'reply') return;
  const opt = bad.packet.subarray(bad.packet.length - 11);
  assert.equal(opt[5], RCODE_BADVERS >> 4);
  const q = query('web', TYPE_A, { size: 4096 });
  const two = Buffer.concat([q, q.subarray(q.length - 11)]);
  two.writeUInt16BE(2, 10);
  const p = parseQuery(two);
  assert.equal(p.kind === 'reply' && rcodeOf(p.packet), RCODE_FORMERR);
});

test('malformed: short header or a response dropped; readable header gets FORMERR or NOTIMP', () => {
  assert.equal(parseQuery(Buffer.alloc(0)).kind, 'drop');
  assert.equal(parseQuery(Buffer.alloc(11)).kind, 'drop');
  const resp = query('web');
  resp[2]! |= 0x80;
  assert.equal(parseQuery(resp).kind, 'drop');
  const notify = query('web');
  notify[2] = 0x20; // opcode 4
  const n = parseQuery(notify);
  assert.equal(n.kind === 'reply' && rcodeOf(n.packet), RCODE_NOTIMP);

  const formerr = (b: Buffer, why: string): void => {
    const p = parseQuery(b);
    assert.equal(p.kind, 'reply', why);
    if (p.kind === 'reply') assert.equal(rcodeOf(p.packet), RCODE_FORMERR, why);
  };
  const q = query('web.example');
  for (let cut = 12; cut < q.length; cut++) formerr(q.subarray(0, cut), `truncated at ${cut}`);
  const lying = Buffer.from(q);
  lying.writeUInt16BE(3, 6); // 3 answers that are not there
  formerr(lying, 'lying ancount');
  const noQ = Buffer.from(q);
  noQ.writeUInt16BE(0, 4);
  formerr(noQ, 'qdcount 0');
  const two = Buffer.from(q);
  two.writeUInt16BE(2, 4);
  formerr(two, 'qdcount 2');
  formerr(Buffer.concat([q, Buffer.from([0])]), 'trailing byte');
  formerr(query('a'.repeat(64)), 'label of 64');
  formerr(query(Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.')), 'name over 255');
  // A pointer in the question can only point into the header (or forward): refused.
  const ptr = Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]);
  formerr(ptr, 'pointer to itself');
  const fwd = Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x10, 0, 1, 0, 1, 0]);
  formerr(fwd, 'forward pointer');
  const reserved = Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0x61, 0, 0, 1, 0, 1]);
  formerr(reserved, 'label type 0x40');
});

test('compression in the records after the question: backward pointers accepted, loops refused', () => {
  const q = query('web.example');
  // An additional record named by a pointer to the question's name (offset 12): fine.
  const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]);
  const ok = Buffer.concat([q, rr]);
  ok.writeUInt16BE(1, 10);
  assert.equal(parseQuery(ok).kind, 'query');
  // A record whose name points at itself: a loop.
  const at = q.length;
  const loop = Buffer.concat([q, Buffer.from([0xc0 | (at >> 8), at & 0xff, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0])]);
  loop.writeUInt16BE(1, 10);
  const p = parseQuery(loop);
  assert.equal(p.kind === 'reply' && rcodeOf(p.packet), RCODE_FORMERR);
  // Two records pointing at each other's labels: still refused (pointers only go backward).
  const a = q.length;
  const mutual = Buffer.concat([
    q,
    Buffer.from([1, 0x78, 0xc0 | ((a + 14) >> 8), (a + 14) & 0xff, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]),
    Buffer.from([1, 0x79, 0xc0 | (a >> 8), a & 0xff, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]),
  ]);
  mutual.writeUInt16BE(2, 10);
  const m = parseQuery(mutual);
  assert.equal(m.kind === 'reply' && rcodeOf(m.packet), RCODE_FORMERR);
});
