/**
 * The answer path of the embedded DNS, without sockets: a packet in, a packet out (or "forward it", or
 * "drop it"). Answers for cluster names are encoded once per (asker's networks, name, type) and cached
 * until the next view, so the hot path is a parse, one map lookup and one copy; dnsrr answers, which
 * change order each time, are encoded per answer.
 */
import { RecordTable, rotated } from './record-table.ts';
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
  type Query,
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
    const parsed = parseQuery(packet);
    if (parsed.kind === 'drop') return DROP;
    if (parsed.kind === 'reply') return parsed;
    const q = parsed.query;
    if (q.oddName || q.name === '' || (q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY)) {
      return { kind: 'forward', query: q };
    }
    if (scope.generation !== this.generation) {
      scope.cache.clear();
      scope.generation = this.generation;
    }
    const key = q.qtype === TYPE_A ? q.name : `${q.qtype} ${q.name}`;
    let c = scope.cache.get(key);
    if (c === undefined) {
      const found = this.compute(q, scope.networkIds);
      if (found === null) return { kind: 'forward', query: q };
      c = found;
      if (scope.cache.size >= MAX_CACHED) scope.cache.clear();
      scope.cache.set(key, c);
    }
    const limit = tcp ? TCP_LIMIT : udpLimit(q);
    if (c.rotate !== null) {
      const ips = rotated(c.rotate, this.turn++);
      if (this.turn >= 0x3fffffff) this.turn = 0;
      return { kind: 'reply', packet: encodeResponse(q, c.rcode, ips.length, encodeARecords(ips), limit) };
    }
    return { kind: 'reply', packet: encodeResponse(q, c.rcode, c.count, c.answers, limit) };
  }

  /** The answer of a cluster name, or null when the name is not ours. */
  private compute(q: Query, networkIds: readonly string[]): Cached | null {
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
}
