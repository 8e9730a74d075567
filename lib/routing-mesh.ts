/**
 * Whether a service, as network views carry it, publishes a port through the routing mesh (ingress mode,
 * Docker's default). Nodes build the ingress overlay, and views carry the nodes' legs on it, only while
 * some service does: the managers and the agents decide it with this one rule.
 */
interface PublishedPort {
  readonly publishMode: string;
  readonly publishedPort: number;
}

export function publishesThroughMesh(s: { readonly ports: readonly PublishedPort[] }): boolean {
  return s.ports.some(p => (p.publishMode === '' || p.publishMode === 'ingress') && p.publishedPort > 0);
}
