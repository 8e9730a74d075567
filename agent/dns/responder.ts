/**
 * The answer path of the embedded DNS, without sockets: a packet in, a packet out (or "forward it", or
 * "drop it"). Answers for cluster names are encoded once per (asker's networks, name, type) and cached
 * until the next view, so the hot path is a scan, one map lookup and one copy; dnsrr answers, which
 * change order each time, are encoded per answer. The hot path allocates little on purpose (a cache
 * key string and the reply): at 20k queries a second, every kilobyte per query is a young-generation
 * GC pause every few hundred milliseconds, and those pauses are the DNS's tail latency.
 */
import { RecordTable, rotated } from './record-table.ts';
import {
  CLASS_ANY,
  CLASS_IN,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  RCODE_REFUSED,
  TYPE_A,
  TYPE_ANY,
  TYPE_PTR,
  SCAN_QUERY,
  UDP_MAX_LIMIT,
  UDP_PLAIN_LIMIT,
  badVersion,
  encodeARecords,
  encodePtrRecord,
  encodeResponse,
  encodeScanned,
  newScan,
  parseQuery,
  scanQuery,
  udpLimit,
  type Query,
  type Scan,
} from './wire.ts';

/** The largest DNS message over TCP (its length prefix is 16 bits). */
export const TCP_LIMIT = 65535;

export type Outcome =
  | { kind: 'reply'; packet: Buffer }
  /** Not a cluster name: the caller sends the packet upstream. */
  | { kind: 'forward'; query: Query }
  | { kind: 'drop' };

interface Cached {
  rcode: number;
  count: number;
  answers: Buffer | null;
  /** dnsrr: the IPs to rotate and encode per answer (answers is null then). */
  rotate: readonly string[] | null;
}

/** One asker's view of the records: the networks its task is on, and the answers cached for them. */
export interface Scope {
  readonly networkIds: readonly string[];
  cache: Map<string, Cached>;
  generation: number;
}

/** Caps the cache of one scope (names come from the table, but query types are the client's choice). */
const MAX_CACHED = 50_000;
const DROP: Outcome = { kind: 'drop' };

export class Responder {
  private table = new RecordTable();
  private generation = 0;
  private turn = 0;
  /** Reused by every respond(): reading a query allocates nothing. */
  private readonly scan: Scan = newScan();

  setTable(table: RecordTable): void {
    this.table = table;
    this.generation++;
  }

  get records(): RecordTable {
    return this.table;
  }

  scope(networkIds: readonly string[]): Scope {
    return { networkIds: [...networkIds], cache: new Map(), generation: this.generation };
  }

  /** Answers one message; `tcp` lifts the UDP size limit. Never throws on any input. */
  respond(packet: Buffer, scope: Scope, tcp: boolean): Outcome {
    const scan = this.scan;
    if (scanQuery(packet, scan) !== SCAN_QUERY || badVersion(scan)) return this.slow(packet, scope, tcp);
    if (scan.nameEnd === 13 || (scan.qclass !== CLASS_IN && scan.qclass !== CLASS_ANY)) {
      return this.slow(packet, scope, tcp);
    }
    if (scope.generation !== this.generation) {
      scope.cache.clear();
      scope.generation = this.generation;
    }
    // The key is the question's name as sent on the wire (length-prefixed labels, which a name without
    // odd bytes folds to lowercase exactly as its dotted form does), plus the type when it is not A: no
    // per-label strings. A name with odd bytes is never cached, so it always takes the slow path.
    const wire = packet.toString('latin1', 12, scan.nameEnd).toLowerCase();
    const key = scan.qtype === TYPE_A ? wire : `${wire}${scan.qtype}`;
    const c = scope.cache.get(key);
    if (c === undefined) return this.slow(packet, scope, tcp, key);
    return { kind: 'reply', packet: this.encode(c, packet, scan, limitOf(scan, tcp)) };
  }

  /**
   * Everything the cache does not answer: malformed messages, names that are not ours, and the first
   * query for a name since the view changed (which fills the cache under `key`).
   */
  private slow(packet: Buffer, scope: Scope, tcp: boolean, key?: string): Outcome {
    const parsed = parseQuery(packet);
    if (parsed.kind === 'drop') return DROP;
    if (parsed.kind === 'reply') return parsed;
    const q = parsed.query;
    if (
      q.oddName ||
      q.name === '' ||
      (q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY) ||
      key === undefined
    ) {
      return this.outside(q, scope, tcp);
    }
    const c = this.compute(q, scope.networkIds);
    if (c === null) return this.outside(q, scope, tcp);
    if (scope.cache.size >= MAX_CACHED) scope.cache.clear();
    scope.cache.set(key, c);
    // The scan this answer is encoded from is still the one respond() made for this packet.
    const scan = this.scan;
    return { kind: 'reply', packet: this.encode(c, packet, scan, limitOf(scan, tcp)) };
  }

  /** A name that is not the cluster's: upstream, unless the asker is on --internal networks only. */
  private outside(q: Query, scope: Scope, tcp: boolean): Outcome {
    if (this.table.forwarding.forwards(scope.networkIds)) return { kind: 'forward', query: q };
    return {
      kind: 'reply',
      packet: encodeResponse(q, RCODE_REFUSED, 0, null, tcp ? TCP_LIMIT : udpLimit(q)),
    };
  }

  private encode(c: Cached, packet: Buffer, scan: Scan, limit: number): Buffer {
    if (c.rotate !== null) {
      const ips = rotated(c.rotate, this.turn++);
      if (this.turn >= 0x3fffffff) this.turn = 0;
      return encodeScanned(packet, scan, c.rcode, ips.length, encodeARecords(ips), limit);
    }
    return encodeScanned(packet, scan, c.rcode, c.count, c.answers, limit);
  }

  /** The answer of a cluster name, or null when the name is not ours. */
  private compute(q: Query, networkIds: readonly string[]): Cached | null {
    if (q.name.endsWith('.in-addr.arpa')) return this.computeReverse(q, networkIds);
    const found = this.table.lookup(q.name, networkIds);
    if (found.kind === 'not-ours') return null;
    if (found.kind === 'nxdomain') return { rcode: RCODE_NXDOMAIN, count: 0, answers: null, rotate: null };
    // A known name has only A records: AAAA and every other type get NOERROR with no records.
    if (q.qtype !== TYPE_A && q.qtype !== TYPE_ANY) {
      return { rcode: RCODE_NOERROR, count: 0, answers: null, rotate: null };
    }
    if (found.rotate) return { rcode: RCODE_NOERROR, count: 0, answers: null, rotate: found.ips };
    return {
      rcode: RCODE_NOERROR,
      count: found.ips.length,
      answers: encodeARecords(found.ips),
      rotate: null,
    };
  }

  /** A reverse name: the PTR of a task's address or a VIP on the asker's networks. */
  private computeReverse(q: Query, networkIds: readonly string[]): Cached | null {
    const found = this.table.lookupReverse(q.name, networkIds);
    if (found.kind === 'not-ours') return null;
    if (found.kind === 'nxdomain') return { rcode: RCODE_NXDOMAIN, count: 0, answers: null, rotate: null };
    const answer = q.qtype === TYPE_PTR || q.qtype === TYPE_ANY ? encodePtrRecord(found.name) : null;
    return { rcode: RCODE_NOERROR, count: answer === null ? 0 : 1, answers: answer, rotate: null };
  }
}

/** How large the reply may be: TCP's limit, the asker's EDNS size (capped), or plain UDP's 512. */
function limitOf(scan: Scan, tcp: boolean): number {
  if (tcp) return TCP_LIMIT;
  return scan.ednsSize === -1 ? UDP_PLAIN_LIMIT : Math.min(scan.ednsSize, UDP_MAX_LIMIT);
}
