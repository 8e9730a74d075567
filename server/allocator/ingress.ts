import type { NetworkSpec } from '../store/index.ts';

/** The routing-mesh network's name. */
export const INGRESS_NETWORK_NAME = 'ingress';

/**
 * The spec of the `ingress` network that `swarm init` creates. Like Swarm's (since 2019), it asks for no
 * subnet: it is allocated before any other network, so it gets the first subnet of the default address
 * pools and the first VNI — 10.0.0.0/24, gateway 10.0.0.1, VNI 4096 with the default pool.
 */
export function ingressNetworkSpec(): NetworkSpec {
  return {
    name: INGRESS_NETWORK_NAME,
    labels: {},
    driver: 'overlay',
    driverOptions: {},
    attachable: false,
    internal: false,
    ingress: true,
  };
}
