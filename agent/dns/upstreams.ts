/**
 * Where the embedded DNS forwards the names that are not the cluster's: the node's own resolvers (its
 * /etc/resolv.conf, without 127.0.0.11, which inside a task would be ourselves) or `--dns` addresses.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

/** Our own address inside every task: never an upstream (a forward to it would loop). */
export const EMBEDDED_DNS_ADDR = '127.0.0.11';

/** `ip`, `ip:port` (IPv4) or `[ip6]:port` / bare `ip6` → an upstream; throws on anything else. */
export function parseUpstream(s: string): Upstream {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  let host = s;
  let port = 53;
  if (v6 !== null) {
    host = v6[1] ?? '';
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else if (isIP(s) === 0) {
    const colon = s.lastIndexOf(':');
    if (colon > 0) {
      host = s.slice(0, colon);
      port = Number(s.slice(colon + 1));
    }
  }
  if (isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`not a DNS server address (ip, ip:port or [ip6]:port): ${JSON.stringify(s)}`);
  }
  return { host, port };
}

/** The `nameserver` addresses of a resolv.conf text, minus 127.0.0.11. */
export function upstreamsFromResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    const addr = m?.[1]?.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) means nothing outside the host
    if (addr !== undefined && isIP(addr) !== 0 && addr !== EMBEDDED_DNS_ADDR) out.push(addr);
  }
  return out;
}

/** The node's resolvers from /etc/resolv.conf (none if it cannot be read). */
export function nodeUpstreams(path = '/etc/resolv.conf'): string[] {
  try {
    return upstreamsFromResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}
