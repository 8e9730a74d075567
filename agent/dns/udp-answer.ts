/**
 * One UDP query's answer, as both UDP paths give it (node's dgram in socket-server.ts, the native batches
 * in batch-udp-server.ts): REFUSED to a source no task asks from, else the responder's reply; null when
 * the query is dropped or forwarded, the upstream's answer (or SERVFAIL) then going to `later`.
 */
import { refuse, servfail } from './fallback-answers.ts';
import type { Forwarder } from './forwarder.ts';
import type { Responder, Scope } from './responder.ts';
import { udpLimit } from './wire.ts';

export function answerUdp(
  packet: Buffer,
  scope: Scope | undefined,
  responder: Responder,
  forwarder: Forwarder,
  later: (reply: Buffer) => void,
): Buffer | null {
  if (scope === undefined) return refuse(packet, false);
  const out = responder.respond(packet, scope, false);
  if (out.kind === 'reply') return out.packet;
  if (out.kind === 'drop') return null;
  // The question echoed in a SERVFAIL must outlive `packet`, whose memory the batch path reuses.
  const q = { ...out.query, question: Buffer.from(out.query.question) };
  forwarder.forward(packet, false, reply => later(reply ?? servfail(q, udpLimit(q))));
  return null;
}
