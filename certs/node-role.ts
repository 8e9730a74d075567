/** The two roles a node certificate can carry, in its subject OU and as a DNS SAN (swarmkit's names). */
export type NodeRole = 'swarm-manager' | 'swarm-worker';

/** Every {@link NodeRole}, for validation and iteration. */
export const NODE_ROLES: readonly NodeRole[] = ['swarm-manager', 'swarm-worker'];

/** Whether `value` is one of the two {@link NodeRole}s. Never throws. */
export function isNodeRole(value: unknown): value is NodeRole {
  return value === 'swarm-manager' || value === 'swarm-worker';
}
