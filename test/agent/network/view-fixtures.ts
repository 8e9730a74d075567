/** NetworkView pieces for the data-plane tests: one way to write a network, a service and an endpoint. */
import type { WirePortConfig } from '../../../proto/control-types.ts';
import type { NetworkView, ViewEndpoint, ViewNetwork, ViewService } from '../../../proto/dispatcher-types.ts';

/** A /24 network; its gateway is the subnet's .1. */
export const viewNetwork = (id: string, subnet: string, ingress = false, vni = 4096): ViewNetwork => ({
  id,
  name: id,
  vni,
  subnet,
  gateway: subnet.replace(/0\/24$/, '1'),
  attachable: false,
  ingress,
  internal: false,
  mtu: 1450,
});

/** A service with these VIPs ([network id, CIDR]; none = dnsrr) and ports (tcp, ingress, target 80 unless said). */
export const viewService = (
  id: string,
  vips: [string, string][],
  ports: Partial<WirePortConfig>[] = [],
): ViewService => ({
  id,
  name: id,
  endpointMode: vips.length > 0 ? 'vip' : 'dnsrr',
  virtualIps: vips.map(([networkId, addr]) => ({ networkId, addr })),
  ports: ports.map(p => ({
    name: '',
    protocol: '',
    targetPort: 80,
    publishedPort: 0,
    publishMode: '',
    ...p,
  })),
});

/** A running task of `serviceId` on node n1 at `addr` (CIDR), unless said otherwise. */
export const viewEndpoint = (
  serviceId: string,
  networkId: string,
  addr: string,
  running = true,
  o: Partial<ViewEndpoint> = {},
): ViewEndpoint => ({
  taskId: `${serviceId}-${addr}`,
  serviceId,
  slot: 1,
  name: '',
  nodeId: 'n1',
  networkId,
  addr,
  running,
  ...o,
});

/**
 * One overlay (`net1`, VNI 4097, 10.0.1.0/24) on two nodes at `nodeAddrs`, with these endpoints
 * ([task id, node id, CIDR]), each made with `endpoint`'s fields.
 */
export function overlayView(
  endpoints: [string, string, string][],
  nodeAddrs: [string, string],
  endpoint: (taskId: string) => Partial<ViewEndpoint>,
): NetworkView {
  return {
    networks: [{ ...viewNetwork('net1', '10.0.1.0/24', false, 4097), name: 'web' }],
    nodes: nodeAddrs.map((addr, i) => ({ id: `n${i + 1}`, addr, ingressAddr: '' })),
    services: [],
    endpoints: endpoints.map(([taskId, nodeId, addr]) =>
      viewEndpoint('', 'net1', addr, true, { taskId, nodeId, ...endpoint(taskId) }),
    ),
    gatewaySubnet: '172.18.0.0/16',
  };
}
