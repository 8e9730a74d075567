/**
 * The answers the servers make themselves, not the responder: REFUSED to a source no task asks from,
 * and SERVFAIL when no upstream answered a forwarded name. Shared by the dgram, batch and TCP paths.
 */
import { RCODE_REFUSED, RCODE_SERVFAIL, encodeResponse, parseQuery, udpLimit, type Query } from './wire.ts';

export function servfail(q: Query, limit: number): Buffer {
  return encodeResponse(q, RCODE_SERVFAIL, 0, null, limit);
}

/** The answer to a query from nobody we know: REFUSED (FORMERR and the like as for anyone), or null to drop. */
export function refuse(packet: Buffer, tcp: boolean): Buffer | null {
  const parsed = parseQuery(packet);
  if (parsed.kind === 'drop') return null;
  if (parsed.kind === 'reply') return parsed.packet;
  return encodeResponse(parsed.query, RCODE_REFUSED, 0, null, tcp ? 65535 : udpLimit(parsed.query));
}
