/**
 * The address a joining node advertises when it is given none and listens on every address (`shoal swarm
 * join --token … HOST:PORT`, as `swarm init` prints it): the source address of this host's route to the
 * manager it joins, which is the address the manager sees it by (docker's daemon leaves it to the remote
 * side for the same reason). Nothing is sent: connecting a UDP socket only picks the route.
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIPv6 } from 'node:net';
import { quoted } from '../server/limits/limits.ts';
import { InvalidArgumentError } from '../lib/errors.ts';
import { messageOf } from '../lib/message-of.ts';

/** Whether `listenAddr` (`host:port`, `[v6]:port`, or '' for the default 0.0.0.0) names no one address. */
export function listensEverywhere(listenAddr: string): boolean {
  const host = listenAddr === '' ? '' : hostOf(listenAddr);
  return host === '' || host === '0.0.0.0' || host === '::';
}

/** `host` of `host:port` or `[v6]:port`, or the address itself when it has no port. */
function hostOf(addr: string): string {
  const v6 = /^\[([^\]]*)\](?::\d+)?$/.exec(addr);
  if (v6 !== null) return v6[1] ?? '';
  if (isIPv6(addr)) return addr;
  const colon = addr.lastIndexOf(':');
  return colon < 0 ? addr : addr.slice(0, colon);
}

/**
 * `host:port` to advertise: the local address the routes choose toward `remoteAddr` (`host:port`; a name
 * is resolved first), with the port of `listenAddr` (2377 when it has none).
 */
export async function advertiseToward(remoteAddr: string, listenAddr: string): Promise<string> {
  const port = /:(\d+)$/.exec(listenAddr)?.[1] ?? '2377';
  const local = await addressToward(remoteAddr).catch((err: unknown) => {
    const why = messageOf(err);
    throw new InvalidArgumentError(
      `could not choose an IP address to advertise: no route to ${quoted(remoteAddr)} (${why}); use --advertise-addr`,
    );
  });
  return isIPv6(local) ? `[${local}]:${port}` : `${local}:${port}`;
}

/** The local address the routes choose toward `remoteAddr` (`host:port`; a name is resolved first). */
async function addressToward(remoteAddr: string): Promise<string> {
  const { address, family } = await lookup(hostOf(remoteAddr));
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, address, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}
