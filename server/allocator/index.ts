/**
 * Shoal's network allocator: subnets, gateways, VXLAN IDs, VIPs, task addresses and published ports
 * (swarmkit's `manager/allocator` and libnetwork's IPAM and overlay driver, in one pure object).
 *
 * Design: the leader holds one `NetworkAllocator`, built by `rebuild` from the store's networks, services
 * and tasks when it takes over. Requests are answered at once, from the pools, with the allocation or an
 * `AllocatorError` whose `kind` names the gRPC status (and nothing changed). The caller writes each answer
 * into its object through the store, with the `networkUpdates` that come with it (each subnet's serial
 * cursor), so nothing lives only in memory: a new leader's pools are exactly the old one's. Shoal refuses
 * overlapping subnets, exhausted pools and full subnets when asked, where Swarm accepts and fails later.
 * The spec checks of the Control API's boundary are here too (`validation.ts`, `address-space.ts`): pure
 * functions returning a readable problem. The folder is pure: no clock, no randomness, no I/O.
 */
export { AllocatorError, type AllocatorErrorKind } from './errors.ts';
export {
  NetworkAllocator,
  type AllocatorOptions,
  type AllocatorState,
  type LiveObjects,
  type RebuildProblem,
} from './network-allocator.ts';
export type { NetworkAllocationUpdate, ServiceAllocation, TaskAllocation } from './allocation-results.ts';
export { publishesIngress } from './service-allocation.ts';
export { taskHoldsAddresses } from './task-allocation.ts';
export { INGRESS_NETWORK_NAME, ingressNetworkSpec } from './ingress.ts';
export {
  attachmentProblem,
  constraintProblem,
  endpointSpecProblem,
  labelsProblem,
  MAX_ARG_BYTES,
  MAX_ARGS,
  MAX_CONSTRAINT_BYTES,
  MAX_CONSTRAINTS,
  MAX_ENV,
  MAX_LABEL_KEY_BYTES,
  MAX_LABEL_VALUE_BYTES,
  MAX_LABELS,
  MAX_PORT_NAME_BYTES,
  MAX_PORTS,
  MAX_SERVICE_NETWORKS,
  networkRemovalProblem,
  networkSpecProblem,
  serviceSpecProblem,
} from './validation.ts';
export {
  addressPoolProblem,
  DEFAULT_ADDRESS_POOLS,
  DEFAULT_GATEWAY_SUBNET,
  DEFAULT_SUBNET_SIZE,
  MAX_GATEWAY_PREFIX,
  MAX_SUBNET_PREFIX,
  MIN_GATEWAY_PREFIX,
  MIN_SUBNET_PREFIX,
  parseGatewaySubnet,
} from './address-space.ts';
export {
  containerNameConflict,
  containerNameProblem,
  MAX_NAME_LENGTH,
  objectNameProblem,
  PREDEFINED_NETWORKS,
  predefinedNetworkProblem,
} from './object-names.ts';
export {
  jsonBytes,
  MAX_REPLICAS,
  MAX_SERVICE_SPEC_BYTES,
  MAX_SERVICE_TASKS_BYTES,
  serviceSizeProblem,
} from './spec-limits.ts';
export { FIRST_AUTO_VNI, MAX_VNI, MIN_VNI, VXLANID_LIST_OPTION } from './vni-pool.ts';
export { DEFAULT_OVERLAY_MTU, MTU_OPTION, overlayMtu } from './network-options.ts';
export { FIRST_DYNAMIC_PORT, LAST_DYNAMIC_PORT } from './port-pool.ts';
