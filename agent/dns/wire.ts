/**
 * The DNS wire format, as much as the embedded resolver needs: a strict parser for queries and the
 * encoders for its answers. Hand-written because DNS packets from tasks are untrusted: every length is
 * checked against the buffer before it is read, compression pointers may only point backward (so a
 * name cannot loop), labels are ≤ 63 octets and names ≤ 255, and the record counts must fit the
 * packet's length before any record is read. Parsing is O(packet length) whatever the packet claims.
 * No I/O here.
 */

export const TYPE_A = 1;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
export const TYPE_OPT = 41;
export const TYPE_ANY = 255;
export const CLASS_IN = 1;
export const CLASS_ANY = 255;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;
export const RCODE_REFUSED = 5;
/** Extended rcode 16 (EDNS version not supported): 1 in the OPT's upper rcode bits, 0 in the header. */
export const RCODE_BADVERS = 16;

/** Without EDNS, a UDP answer must fit 512 octets (RFC 1035 §4.2.1). */
export const UDP_PLAIN_LIMIT = 512;
/** The largest UDP payload we send, whatever a client advertises; also the size our OPT advertises. */
export const UDP_MAX_LIMIT = 4096;
/** The TTL of our answers; Docker's embedded DNS uses 600 s as well. */
export const ANSWER_TTL = 600;

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const OPCODE_MASK = 0x7800;
const HEADER = 12;
/** An OPT record with no options: root name, type, class (size), ttl (ext rcode, version, flags), rdlen. */
const OPT_LEN = 11;
/** The smallest resource record: root name (1) + type, class, ttl, rdlength (10). */
const MIN_RR = 11;
const MAX_NAME = 255;
/** Backward-only pointers already rule out loops; this only bounds the work on a pathological chain. */
const MAX_JUMPS = 64;

export interface Edns {
  /** The client's advertised UDP payload size (values under 512 count as 512). */
  udpSize: number;
  version: number;
}

export interface Query {
  id: number;
  /** The request's header flags, as sent (the RD bit and the opcode are echoed from it). */
  flags: number;
  /** Lowercase, labels joined with '.', no trailing dot; '' for the root. */
  name: string;
  /** A label holds a '.' or a byte outside printable ASCII: the name has no faithful dotted form. */
  oddName: boolean;
  qtype: number;
  qclass: number;
  /** The question section to echo: the name uncompressed in the client's own case, qtype, qclass. */
  question: Buffer;
  edns: Edns | null;
}

/**
 * A query, a reply to send without looking further (FORMERR, NOTIMP, BADVERS: the header was readable
 * but the rest is not something we answer), or nothing at all (no readable header, or not a query:
 * answering responses would let two resolvers bounce packets off each other forever).
 */
export type Parsed = { kind: 'query'; query: Query } | { kind: 'reply'; packet: Buffer } | { kind: 'drop' };

const DROP: Parsed = { kind: 'drop' };

/**
 * Walks the name at `off`, validating it. Returns the offset just after it in the original stream, or
 * -1 if it is malformed.
 */
function walkName(buf: Buffer, off: number, end: number): number {
  let pos = off;
  // A pointer must point strictly before the start of the run of labels it ends, so each jump goes to a
  // smaller offset than the last: the walk always terminates.
  let floor = off;
  let after = -1;
  let total = 0;
  let jumps = 0;
  for (;;) {
    if (pos >= end) return -1;
    const len = buf[pos]!;
    if (len === 0) {
      total += 1;
      if (total > MAX_NAME) return -1;
      return after === -1 ? pos + 1 : after;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= end) return -1;
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= floor || target < HEADER || ++jumps > MAX_JUMPS) return -1;
      if (after === -1) after = pos + 2;
      floor = target;
      pos = target;
      continue;
    }
    if (kind !== 0) return -1; // 0x40 and 0x80 label types are obsolete or reserved
    total += len + 1;
    if (total > MAX_NAME || pos + 1 + len > end) return -1;
    pos += 1 + len;
  }
}

function headerOnly(id: number, flags: number, rcode: number): Buffer {
  const out = Buffer.alloc(HEADER);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(FLAG_QR | (flags & (OPCODE_MASK | FLAG_RD)) | FLAG_RA | (rcode & 0xf), 2);
  return out;
}

/**
 * What `scanQuery` read from a query, in one object the caller reuses: the hot path checks a whole
 * message and answers it from the cache without allocating anything per query to read it.
 */
export interface Scan {
  id: number;
  flags: number;
  /** The offset just after the question's name (qtype and qclass follow); the name starts at 12. */
  nameEnd: number;
  qtype: number;
  qclass: number;
  /** The OPT's advertised UDP size (values under 512 count as 512), or -1 when there is no OPT. */
  ednsSize: number;
  ednsVersion: number;
}

export function newScan(): Scan {
  return { id: 0, flags: 0, nameEnd: 0, qtype: 0, qclass: 0, ednsSize: -1, ednsVersion: 0 };
}

/** scanQuery's verdicts: a query to answer, nothing at all, or a header-only NOTIMP or FORMERR. */
export const SCAN_QUERY = 0;
export const SCAN_DROP = 1;
export const SCAN_NOTIMP = 2;
export const SCAN_FORMERR = 3;

/**
 * Checks one query message (the whole UDP payload, or one TCP frame without its length prefix) and
 * fills `out`; returns one of the SCAN_ verdicts. `out.id` and `out.flags` are set for every verdict
 * but SCAN_DROP. An OPT with a version other than 0 is still SCAN_QUERY (the caller answers BADVERS).
 */
export function scanQuery(buf: Buffer, out: Scan): number {
  const end = buf.length;
  if (end < HEADER) return SCAN_DROP;
  const flags = (buf[2]! << 8) | buf[3]!;
  if ((flags & FLAG_QR) !== 0) return SCAN_DROP;
  out.id = (buf[0]! << 8) | buf[1]!;
  out.flags = flags;
  if ((flags & OPCODE_MASK) !== 0) return SCAN_NOTIMP;
  const qd = (buf[4]! << 8) | buf[5]!;
  const an = (buf[6]! << 8) | buf[7]!;
  const ns = (buf[8]! << 8) | buf[9]!;
  const records = an + ns + ((buf[10]! << 8) | buf[11]!);
  if (qd !== 1) return SCAN_FORMERR;
  const qEnd = walkName(buf, HEADER, end);
  if (qEnd < 0 || qEnd + 4 > end) return SCAN_FORMERR;
  // Counts that lie are caught before any record is read: each record takes at least 11 octets.
  if (records * MIN_RR > end - qEnd - 4) return SCAN_FORMERR;
  out.nameEnd = qEnd;
  out.qtype = (buf[qEnd]! << 8) | buf[qEnd + 1]!;
  out.qclass = (buf[qEnd + 2]! << 8) | buf[qEnd + 3]!;

  let pos = qEnd + 4;
  const arStart = an + ns;
  let ednsSize = -1;
  let ednsVersion = 0;
  for (let i = 0; i < records; i++) {
    const nameStart = pos;
    pos = walkName(buf, pos, end);
    if (pos < 0 || pos + 10 > end) return SCAN_FORMERR;
    const type = (buf[pos]! << 8) | buf[pos + 1]!;
    const rdlen = (buf[pos + 8]! << 8) | buf[pos + 9]!;
    if (pos + 10 + rdlen > end) return SCAN_FORMERR;
    if (type === TYPE_OPT) {
      // One OPT, in the additional section, owned by the root (RFC 6891 §6.1.1).
      if (i < arStart || ednsSize !== -1 || buf[nameStart] !== 0) return SCAN_FORMERR;
      ednsSize = Math.max(UDP_PLAIN_LIMIT, (buf[pos + 2]! << 8) | buf[pos + 3]!);
      ednsVersion = buf[pos + 5]!;
    }
    pos += 10 + rdlen;
  }
  if (pos !== end) return SCAN_FORMERR;
  out.ednsSize = ednsSize;
  out.ednsVersion = ednsVersion;
  return SCAN_QUERY;
}

/** Whether a scanned query must be answered BADVERS (an EDNS version we do not speak). */
export function badVersion(scan: Scan): boolean {
  return scan.ednsSize !== -1 && scan.ednsVersion !== 0;
}

/** Parses one query message (the whole UDP payload, or one TCP frame without its length prefix). */
export function parseQuery(buf: Buffer): Parsed {
  const scan = newScan();
  const verdict = scanQuery(buf, scan);
  if (verdict === SCAN_DROP) return DROP;
  if (verdict === SCAN_NOTIMP)
    return { kind: 'reply', packet: headerOnly(scan.id, scan.flags, RCODE_NOTIMP) };
  if (verdict === SCAN_FORMERR) {
    return { kind: 'reply', packet: headerOnly(scan.id, scan.flags, RCODE_FORMERR) };
  }
  const { name, oddName } = questionName(buf, scan.nameEnd);
  // The question starts at offset 12, so a pointer in it could only point into the header, which
  // walkName refuses: the question is always uncompressed and can be echoed as it came.
  const question = buf.subarray(HEADER, scan.nameEnd + 4);
  const edns = scan.ednsSize === -1 ? null : { udpSize: scan.ednsSize, version: scan.ednsVersion };
  const query: Query = {
    id: scan.id,
    flags: scan.flags,
    name,
    oddName,
    qtype: scan.qtype,
    qclass: scan.qclass,
    question,
    edns,
  };
  if (badVersion(scan)) {
    return { kind: 'reply', packet: encodeResponse(query, RCODE_BADVERS, 0, null, UDP_MAX_LIMIT) };
  }
  return { kind: 'query', query };
}

/** The question's name, dotted and lowercase, from its uncompressed labels at 12..nameEnd. */
function questionName(buf: Buffer, nameEnd: number): { name: string; oddName: boolean } {
  let name = '';
  let oddName = false;
  let pos = HEADER;
  while (pos < nameEnd - 1) {
    const s = pos + 1;
    const e = s + buf[pos]!;
    for (let j = s; j < e; j++) {
      const c = buf[j]!;
      if (c <= 0x20 || c >= 0x7f || c === 0x2e) oddName = true;
    }
    name += (pos === HEADER ? '' : '.') + buf.toString('latin1', s, e);
    pos = e;
  }
  return { name: name.toLowerCase(), oddName };
}

/** The answer section for A records of the question's name: 16 octets per address. */
export function encodeARecords(ips: readonly string[]): Buffer {
  const out = Buffer.allocUnsafe(16 * ips.length);
  let o = 0;
  for (const ip of ips) {
    out.writeUInt16BE(0xc00c, o); // the question's name, which always starts at offset 12
    out.writeUInt16BE(TYPE_A, o + 2);
    out.writeUInt16BE(CLASS_IN, o + 4);
    out.writeUInt32BE(ANSWER_TTL, o + 6);
    out.writeUInt16BE(4, o + 10);
    writeIPv4(out, o + 12, ip);
    o += 16;
  }
  return out;
}

/**
 * One PTR answer record for the question's name (a compression pointer to it) naming `target` (dotted,
 * no trailing dot); null when `target` is not a valid name (an empty label, one over 63 bytes, or over
 * 255 bytes in all), which is then not answered.
 */
export function encodePtrRecord(target: string): Buffer | null {
  const labels = target.split('.');
  const name = Buffer.alloc(target.length + 2);
  let n = 0;
  for (const label of labels) {
    const len = Buffer.byteLength(label, 'latin1');
    if (len === 0 || len > 63) return null;
    name[n++] = len;
    n += name.write(label, n, 'latin1');
  }
  name[n++] = 0;
  if (n > 255) return null;
  const out = Buffer.allocUnsafe(12 + n);
  out.writeUInt16BE(0xc00c, 0); // the question's name, which always starts at offset 12
  out.writeUInt16BE(TYPE_PTR, 2);
  out.writeUInt16BE(CLASS_IN, 4);
  out.writeUInt32BE(ANSWER_TTL, 6);
  out.writeUInt16BE(n, 10);
  name.copy(out, 12, 0, n);
  return out;
}

function writeIPv4(out: Buffer, off: number, ip: string): void {
  let part = 0;
  let n = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 0x2e) {
      out[off + part++] = n;
      n = 0;
    } else {
      n = n * 10 + (c - 0x30);
    }
  }
  out[off + part] = n;
}

/** The UDP payload size this query's answer must fit (TCP answers only need to fit 65535). */
export function udpLimit(query: Query): number {
  return query.edns === null ? UDP_PLAIN_LIMIT : Math.min(query.edns.udpSize, UDP_MAX_LIMIT);
}

/**
 * A whole response: header, the echoed question, `count` answer records already encoded in `answers`,
 * and an OPT record when the query had one. When it does not fit `limit`, the answers are left out and
 * TC is set, so the client asks again over TCP.
 */
export function encodeResponse(
  query: Query,
  rcode: number,
  count: number,
  answers: Buffer | null,
  limit: number,
): Buffer {
  const q = query.question;
  return writeResponse(
    query.id,
    query.flags,
    q,
    0,
    q.length,
    query.edns !== null,
    rcode,
    count,
    answers,
    limit,
  );
}

/** encodeResponse for a query read by scanQuery: the question is copied from the query's own bytes. */
export function encodeScanned(
  packet: Buffer,
  scan: Scan,
  rcode: number,
  count: number,
  answers: Buffer | null,
  limit: number,
): Buffer {
  const { id, flags, nameEnd, ednsSize } = scan;
  return writeResponse(id, flags, packet, HEADER, nameEnd + 4, ednsSize !== -1, rcode, count, answers, limit);
}

function writeResponse(
  id: number,
  flags: number,
  src: Buffer,
  qStart: number,
  qEnd: number,
  edns: boolean,
  rcode: number,
  count: number,
  answers: Buffer | null,
  limit: number,
): Buffer {
  const opt = edns ? OPT_LEN : 0;
  const q = qEnd - qStart;
  let body = answers === null ? 0 : answers.length;
  let tc = 0;
  if (HEADER + q + body + opt > limit) {
    body = 0;
    count = 0;
    tc = FLAG_TC;
  }
  const out = Buffer.allocUnsafe(HEADER + q + body + opt);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(FLAG_QR | FLAG_AA | tc | (flags & FLAG_RD) | FLAG_RA | (rcode & 0xf), 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(count, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(opt === 0 ? 0 : 1, 10);
  src.copy(out, HEADER, qStart, qEnd);
  if (body > 0 && answers !== null) answers.copy(out, HEADER + q);
  if (opt !== 0) {
    const o = HEADER + q + body;
    out[o] = 0;
    out.writeUInt16BE(TYPE_OPT, o + 1);
    out.writeUInt16BE(UDP_MAX_LIMIT, o + 3);
    out[o + 5] = rcode >> 4; // extended rcode, upper 8 bits
    out[o + 6] = 0; // version 0
    out.writeUInt16BE(0, o + 7); // no DO: we serve no DNSSEC
    out.writeUInt16BE(0, o + 9);
  }
  return out;
}

/** Whether a message from an upstream looks like a response at all (the forwarder passes it on as is). */
export function isResponse(buf: Buffer): boolean {
  return buf.length >= HEADER && (buf.readUInt16BE(2) & FLAG_QR) !== 0;
}
