/**
 * The names Docker refuses, with Docker's texts: services and networks (swarmkit's rule, the Control
 * API's), the networks every Docker host already has, and standalone tasks (docker's container names).
 * Pure checks returning the text a person is given, or undefined.
 */

/**
 * swarmkit's `isValidDNSName` (manager/controlapi/common.go, `^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$`):
 * letters and digits, with '-' and '_' only between them. Underscores are allowed: `docker stack deploy`
 * names services `<stack>_<name>` and generated names are `adjective_surname`. A '.' is not: `web.1`
 * would read as slot 1 of `web`. Written without swarmkit's nested repetition, which is linear in Go's
 * RE2 and exponential in a backtracking engine (`a…a!`); it matches the same strings.
 */
const DNS_NAME_COMPONENT = /^[a-zA-Z0-9](?:[-_a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** A service or network name is one DNS label (swarmkit's limit). */
export const MAX_NAME_LENGTH = 63;

/**
 * swarmkit's validateAnnotations, for a service or a network: its texts, in its order (the pattern
 * before the length, so a long name of bad characters is told about its characters).
 */
export function objectNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'meta: name must be provided';
  if (!DNS_NAME_COMPONENT.test(name)) return 'name must be valid as a DNS name component';
  if (name.length > MAX_NAME_LENGTH) return `name must be ${MAX_NAME_LENGTH} characters or fewer`;
  return undefined;
}

/** docker's `runconfig.IsPreDefinedNetwork`: the networks of every Docker host (exact, case-sensitive). */
export const PREDEFINED_NETWORKS: readonly string[] = Object.freeze(['bridge', 'host', 'none', 'default']);

/**
 * docker's refusal to create a network named like a predefined one (daemon/cluster/networks.go, 403
 * Forbidden). The name echoed is one of PREDEFINED_NETWORKS.
 */
export function predefinedNetworkProblem(name: string): string | undefined {
  return PREDEFINED_NETWORKS.includes(name)
    ? `${name} is a pre-defined network and cannot be created`
    : undefined;
}

/**
 * docker's container name rule (daemon/names: `^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`, so two characters at
 * least), for a standalone task (`shoal run --name`): it becomes the task's hostname and its DNS name on
 * the network.
 */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * What is wrong with `name` as a standalone task's name, in docker's text (`Invalid container name`).
 * Docker sets no length; a hostname holds at most 64 bytes, and the name is echoed only once it is short.
 */
export function containerNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'meta: name must be provided';
  if (name.length > MAX_NAME_LENGTH) return `name must be ${MAX_NAME_LENGTH} characters or fewer`;
  if (!CONTAINER_NAME.test(name)) {
    return `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`;
  }
  return undefined;
}

/**
 * docker's Conflict for a container name in use (HTTP 409), for a standalone task named like one that
 * still runs on the same node (docker's names are per host).
 */
export function containerNameConflict(name: string, holder: string): string {
  return `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`;
}
