/**
 * The checks the Control API makes once, at the boundary, before anything is written: pure functions that
 * return a readable problem (for InvalidArgument unless said otherwise) or undefined if there is none. They
 * look at the spec alone, or at the objects they are given; what depends on the pools (overlap, exhaustion,
 * ports and VNIs held by others) is the allocator's to refuse.
 */
import type {
  EndpointSpec,
  Network,
  NetworkSpec,
  Service,
  ServiceSpec,
  Task,
  TaskSpec,
  UpdateConfig,
} from '../store/index.ts';
import { compareTaskStates } from '../store/index.ts';
import { parseConstraint } from '../scheduler/constraint.ts';
import { quoted } from '../limits/limits.ts';
import { objectNameProblem } from './object-names.ts';
import { serviceSizeProblem } from './spec-limits.ts';
import { driverOptionsProblem } from './network-options.ts';
import { parseIpam } from './address-space.ts';
import { isStringList, isStringRecord, isWhole, utf8Bytes } from './value-checks.ts';

/*
 * Bounds on what one object may carry. Docker and swarmkit set none (a request is bounded only by gRPC's
 * 4 MiB message); Kubernetes limits a label value to 63 characters and a key to a 63-character name under
 * a DNS prefix of at most 253, and all annotations of an object to 256 KiB together. Ours are wider than
 * Kubernetes' labels (Docker users keep longer text in labels) and far below what would strain a Raft
 * entry per item; the size of a whole spec and request is bounded elsewhere.
 */

/** Labels on one object (service, network, node, config). */
export const MAX_LABELS = 1000;

/** A label key, in UTF-8 bytes: room for any reverse-DNS key of Docker's kind (com.example.team.label). */
export const MAX_LABEL_KEY_BYTES = 256;

/** A label value, in UTF-8 bytes. */
export const MAX_LABEL_VALUE_BYTES = 4096;

/**
 * One argument or environment entry of a task, in UTF-8 bytes: the kernel refuses to start a program with
 * a longer one (MAX_ARG_STRLEN, 32 pages), so a longer one would only fail on the node.
 */
export const MAX_ARG_BYTES = 128 * 1024;

/** A task's command and arguments together. */
export const MAX_ARGS = 4096;

/** A task's environment entries. */
export const MAX_ENV = 4096;

/** A service's placement constraints: each one is evaluated against every node for every task. */
export const MAX_CONSTRAINTS = 100;

/** One constraint, in UTF-8 bytes: enough for `node.labels.<longest key> != <longest value>`. */
export const MAX_CONSTRAINT_BYTES = MAX_LABEL_KEY_BYTES + MAX_LABEL_VALUE_BYTES + 64;

/** A service's ports: `-p 8000-9000:8000-9000` is 1001 of them. */
export const MAX_PORTS = 1024;

/** A port's name, in UTF-8 bytes. */
export const MAX_PORT_NAME_BYTES = 256;

/** The networks a service attaches to: each is an interface in every task and a VIP. */
export const MAX_SERVICE_NETWORKS = 100;

/**
 * What is wrong with `labels` as the labels of a `kind` (`service`, `node`…), or undefined: names to
 * strings, none empty, within MAX_LABELS, MAX_LABEL_KEY_BYTES and MAX_LABEL_VALUE_BYTES. `noun` names
 * another map held to the same rules (`driver option`).
 */
export function labelsProblem(kind: string, labels: unknown, noun = 'label'): string | undefined {
  if (!isStringRecord(labels)) return `${kind} ${noun}s must map names to strings`;
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) {
    return `${kind} has ${entries.length} ${noun}s; at most ${MAX_LABELS} are allowed`;
  }
  for (const [key, value] of entries) {
    if (key === '') return `${kind} ${noun}s must not have an empty name`;
    const keyBytes = utf8Bytes(key);
    if (keyBytes > MAX_LABEL_KEY_BYTES) {
      return `${kind} ${noun} ${quoted(key)} has a name of ${keyBytes} bytes; at most ${MAX_LABEL_KEY_BYTES} are allowed`;
    }
    const valueBytes = utf8Bytes(value);
    if (valueBytes > MAX_LABEL_VALUE_BYTES) {
      return `${kind} ${noun} ${quoted(key)} has a value of ${valueBytes} bytes; at most ${MAX_LABEL_VALUE_BYTES} are allowed`;
    }
  }
  return undefined;
}

/**
 * What is wrong with `list` as a `what` (`task arguments`) of at most `max` strings of at most
 * `maxBytes` each, or undefined. `item` names one entry in messages.
 */
function stringListProblem(
  what: string,
  item: string,
  list: unknown,
  max: number,
  maxBytes: number,
): string | undefined {
  if (!isStringList(list)) return `${what} must be strings`;
  if (list.length > max) return `${what}: ${list.length} given; at most ${max} are allowed`;
  for (const entry of list) {
    const bytes = utf8Bytes(entry);
    if (bytes > maxBytes) {
      return `${item} ${quoted(entry)} is ${bytes} bytes long; at most ${maxBytes} are allowed`;
    }
  }
  return undefined;
}

/** What is wrong with `spec` as a network spec, or undefined. */
export function networkSpecProblem(spec: NetworkSpec): string | undefined {
  const problem = objectNameProblem(spec.name) ?? labelsProblem('network', spec.labels);
  if (problem !== undefined) return problem;
  const driver: unknown = spec.driver;
  if (driver !== 'overlay') {
    return `network driver ${quoted(String(driver))} is not supported: the cluster manages overlay networks only`;
  }
  const options =
    labelsProblem('network', spec.driverOptions, 'driver option') ?? driverOptionsProblem(spec.driverOptions);
  if (options !== undefined) return options;
  const ipam = parseIpam(spec.ipam);
  if ('problem' in ipam) return ipam.problem;
  for (const flag of ['attachable', 'internal', 'ingress'] as const) {
    if (typeof spec[flag] !== 'boolean') return `network ${flag} must be true or false`;
  }
  if (spec.ingress && spec.attachable) return 'ingress network cannot be attachable';
  return undefined;
}

/**
 * What is wrong with `spec` as a service spec, or undefined. `network(id)` looks up the networks the spec
 * attaches to (undefined: there is no such network).
 */
export function serviceSpecProblem(
  spec: ServiceSpec,
  network: (id: string) => Network | undefined,
): string | undefined {
  return (
    objectNameProblem(spec.name) ??
    labelsProblem('service', spec.labels) ??
    modeProblem(spec.mode) ??
    taskSpecProblem(spec.task) ??
    networksProblem(spec, network) ??
    endpointSpecProblem(spec.endpoint) ??
    updateConfigProblem(spec.update) ??
    serviceSizeProblem(spec)
  );
}

function modeProblem(mode: ServiceSpec['mode']): string | undefined {
  const keys = typeof mode === 'object' && mode !== null ? Object.keys(mode) : [];
  if (keys.length !== 1 || (keys[0] !== 'replicated' && keys[0] !== 'global')) {
    return 'service mode must be either replicated or global';
  }
  if ('replicated' in mode && !isWhole(mode.replicated?.replicas, 0)) {
    return `invalid replicas ${String(mode.replicated?.replicas)}: must be a whole number, 0 or more`;
  }
  return undefined;
}

/** What is wrong with a placement constraint (`node.role==manager`), or undefined: the scheduler's parser says. */
export function constraintProblem(constraint: string): string | undefined {
  const parsed = parseConstraint(constraint);
  return 'problem' in parsed ? parsed.problem : undefined;
}

function taskSpecProblem(task: TaskSpec): string | undefined {
  if (!isStringList(task.command) || task.command.length === 0 || task.command[0] === '') {
    return 'a service needs a command to run';
  }
  if (!isStringList(task.args)) return 'task arguments must be strings';
  const argv =
    stringListProblem(
      'command and arguments',
      'argument',
      [...task.command, ...task.args],
      MAX_ARGS,
      MAX_ARG_BYTES,
    ) ?? stringListProblem('environment variables', 'environment variable', task.env, MAX_ENV, MAX_ARG_BYTES);
  if (argv !== undefined) return argv;
  const badEnv = task.env.find(entry => entry === '' || entry.startsWith('='));
  if (badEnv !== undefined) return `invalid environment variable ${quoted(badEnv)}: expected KEY=value`;
  const constraints = stringListProblem(
    'placement constraints',
    'placement constraint',
    task.constraints,
    MAX_CONSTRAINTS,
    MAX_CONSTRAINT_BYTES,
  );
  if (constraints !== undefined) return constraints;
  for (const constraint of task.constraints) {
    const problem = constraintProblem(constraint);
    if (problem !== undefined) return problem;
  }
  const { restart } = task;
  if (!['none', 'on-failure', 'any'].includes(restart.condition)) {
    return `invalid restart condition ${quoted(String(restart.condition))}: expected none, on-failure or any`;
  }
  if (!isWhole(restart.delayMs, 0)) return 'restart delay must be 0 or more milliseconds';
  if (!isWhole(restart.maxAttempts, 0))
    return 'restart max attempts must be a whole number, 0 (unlimited) or more';
  if (!isWhole(task.stopGracePeriodMs, 0)) return 'stop grace period must be 0 or more milliseconds';
  return undefined;
}

function networksProblem(
  spec: ServiceSpec,
  network: (id: string) => Network | undefined,
): string | undefined {
  if (spec.networks.length > MAX_SERVICE_NETWORKS) {
    return `service attaches to ${spec.networks.length} networks; at most ${MAX_SERVICE_NETWORKS} are allowed`;
  }
  const seen = new Set<string>();
  for (const attachment of spec.networks) {
    const target: unknown = attachment.target;
    if (typeof target !== 'string' || target === '') return 'a network attachment needs a network';
    const found = network(target);
    // An unknown reference is echoed as given (Swarm's text), cut short if long.
    if (found === undefined)
      return `network ${target.length > 64 ? `${target.slice(0, 64)}…` : target} not found`;
    if (found.spec.ingress) {
      return `Service cannot be explicitly attached to the ingress network ${JSON.stringify(found.spec.name)}`;
    }
    if (seen.has(target)) return `network ${found.spec.name} is attached more than once`;
    seen.add(target);
  }
  return undefined;
}

/**
 * What is wrong with an endpoint spec, or undefined: Swarm's `validateEndpointSpec` (its texts), plus the
 * port ranges. A published port of 0 asks for one to be allocated.
 */
export function endpointSpecProblem(endpoint: EndpointSpec): string | undefined {
  const mode: unknown = endpoint.mode;
  if (mode !== 'vip' && mode !== 'dnsrr') {
    return `invalid endpoint mode ${quoted(String(mode))}: expected vip or dnsrr`;
  }
  if (endpoint.ports.length > MAX_PORTS) {
    return `${endpoint.ports.length} ports given; a service may have at most ${MAX_PORTS}`;
  }
  const published = new Set<string>();
  for (const port of endpoint.ports) {
    const { protocol, publishMode } = port as { protocol: unknown; publishMode: unknown };
    if (protocol !== 'tcp' && protocol !== 'udp') {
      return `invalid port protocol ${quoted(String(protocol))}: expected tcp or udp`;
    }
    if (publishMode !== 'ingress' && publishMode !== 'host') {
      return `invalid publish mode ${quoted(String(publishMode))}: expected ingress or host`;
    }
    if (!isWhole(port.targetPort, 1, 65535)) {
      return `invalid target port ${String(port.targetPort)}: must be between 1 and 65535`;
    }
    if (!isWhole(port.publishedPort, 0, 65535)) {
      return `invalid published port ${String(port.publishedPort)}: must be between 1 and 65535, or 0 to have one allocated`;
    }
    if (port.name !== undefined && typeof port.name !== 'string') return 'a port name must be a string';
    if (port.name !== undefined && utf8Bytes(port.name) > MAX_PORT_NAME_BYTES) {
      return `port name ${quoted(port.name)} is ${utf8Bytes(port.name)} bytes long; at most ${MAX_PORT_NAME_BYTES} are allowed`;
    }
    if (mode === 'dnsrr' && publishMode === 'ingress') {
      return "EndpointSpec: port published with ingress mode can't be used with dnsrr mode";
    }
    if (port.publishedPort === 0) continue;
    const key = `${protocol}/${port.publishedPort}`;
    if (published.has(key)) return 'EndpointSpec: duplicate published ports provided';
    published.add(key);
  }
  return undefined;
}

function updateConfigProblem(update: UpdateConfig): string | undefined {
  if (!isWhole(update.parallelism, 0))
    return 'update parallelism must be a whole number, 0 (all at once) or more';
  if (!isWhole(update.delayMs, 0)) return 'update delay must be 0 or more milliseconds';
  if (!isWhole(update.monitorMs, 0)) return 'update monitor period must be 0 or more milliseconds';
  if (!['pause', 'continue', 'rollback'].includes(update.failureAction)) {
    return `invalid update failure action ${quoted(String(update.failureAction))}: expected pause, continue or rollback`;
  }
  const ratio = update.maxFailureRatio;
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) {
    return 'update max failure ratio must be between 0 and 1';
  }
  if (!['stop-first', 'start-first'].includes(update.order)) {
    return `invalid update order ${quoted(String(update.order))}: expected stop-first or start-first`;
  }
  return undefined;
}

/**
 * Why `network` cannot be removed (FailedPrecondition, Swarm's texts), or undefined. `services` and `tasks`
 * are those attached to it (`findServices(tx, { networkId })`, `findTasks(tx, { networkId })`); for the
 * ingress network, `services` must be every service, since publishing in ingress mode depends on it.
 */
export function networkRemovalProblem(
  network: Network,
  services: readonly Service[],
  tasks: readonly Task[],
): string | undefined {
  if (network.spec.ingress) {
    const user = services.find(s => s.spec.endpoint.ports.some(p => p.publishMode === 'ingress'));
    if (user !== undefined)
      return `ingress network cannot be removed because service ${user.id} depends on it`;
  }
  const service = services.find(s => s.spec.networks.some(n => n.target === network.id));
  if (service !== undefined) return `network ${network.id} is in use by service ${service.id}`;
  const task = tasks.find(
    t =>
      t.networks.some(n => n.networkId === network.id) &&
      compareTaskStates(t.desiredState, 'running') <= 0 &&
      compareTaskStates(t.status.state, 'running') <= 0,
  );
  if (task !== undefined) return `network ${network.id} is in use by task ${task.id}`;
  return undefined;
}

/**
 * Why a standalone task may not attach to `network` (PermissionDenied, Swarm's text), or undefined.
 * `reference` is the name or id the caller gave.
 */
export function attachmentProblem(network: Network, reference: string): string | undefined {
  return network.spec.attachable ? undefined : `network ${reference} not manually attachable`;
}
