/** The host of a gRPC peer (`1.2.3.4:5678`, `[::1]:5678`, `ipv4:…`), as an address without the port. */
export function hostOf(peer: string): string {
  const p = peer.replace(/^ipv[46]:/, '');
  const colon = p.lastIndexOf(':');
  const host = (colon < 0 ? p : p.slice(0, colon)).replace(/^\[(.*)\]$/, '$1');
  return host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host;
}
