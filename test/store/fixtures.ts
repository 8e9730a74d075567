import type { Cluster, NewObject, Node } from '../../server/store/index.ts';

/** A ready worker node, with `overrides` merged over the top level. */
export function newNode(id: string, overrides: Partial<Omit<Node, 'id' | 'meta'>> = {}): NewObject<Node> {
  return {
    id,
    spec: { desiredRole: 'worker', availability: 'active', labels: {} },
    role: 'worker',
    status: { state: 'ready', addr: '198.51.100.2' },
    description: { hostname: `host-${id}` },
    certificate: { status: 'issued', certPem: 'PEM' },
    ...overrides,
  };
}

/** A cluster object named `name`. */
export function newCluster(id: string, name = 'default'): NewObject<Cluster> {
  return {
    id,
    spec: { name },
    rootCa: { certPem: 'CERT', keyPem: 'KEY', caDigest: 'digest' },
    joinTokens: { worker: 'SWMTKN-1-a-w', manager: 'SWMTKN-1-a-m' },
    blacklistedCertificates: {},
  };
}

/** `structuredClone` typed, for changing an object read from the store (they are frozen). */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
