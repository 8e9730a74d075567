import {
  DEFAULT_RESTART_POLICY,
  DEFAULT_STOP_GRACE_PERIOD_MS,
  DEFAULT_UPDATE_CONFIG,
  type Cluster,
  type Network,
  type NewObject,
  type Node,
  type Service,
  type ServiceSpec,
  type Task,
  type TaskSpec,
} from '../../server/store/index.ts';

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

/** An overlay network named `name`, not allocated yet, with `overrides` merged over its spec. */
export function newNetwork(
  id: string,
  name: string,
  overrides: Partial<Network['spec']> = {},
): NewObject<Network> {
  return {
    id,
    spec: {
      name,
      labels: {},
      driver: 'overlay',
      driverOptions: {},
      attachable: false,
      internal: false,
      ingress: false,
      ...overrides,
    },
  };
}

/** A task template running `sleep 1000` with Swarm's defaults. */
export function newTaskSpec(): TaskSpec {
  return {
    command: ['sleep', '1000'],
    args: [],
    env: [],
    constraints: [],
    restart: { ...DEFAULT_RESTART_POLICY },
    stopGracePeriodMs: DEFAULT_STOP_GRACE_PERIOD_MS,
  };
}

/** A replicated vip service named `name` with `overrides` merged over its spec. */
export function newServiceSpec(name: string, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    labels: {},
    mode: { replicated: { replicas: 1 } },
    task: newTaskSpec(),
    networks: [],
    endpoint: { mode: 'vip', ports: [] },
    update: { ...DEFAULT_UPDATE_CONFIG },
    ...overrides,
  };
}

/** A service named `name`, not allocated yet. */
export function newService(
  id: string,
  name: string,
  overrides: Partial<ServiceSpec> = {},
): NewObject<Service> {
  return { id, spec: newServiceSpec(name, overrides) };
}

/** A new task of `serviceId` in `slot`, unscheduled, with `overrides` merged over the top level. */
export function newTask(
  id: string,
  serviceId: string,
  slot: number,
  overrides: Partial<Omit<Task, 'id' | 'meta'>> = {},
): NewObject<Task> {
  return {
    id,
    serviceId,
    slot,
    nodeId: '',
    desiredState: 'running',
    status: { state: 'new', timestamp: 0 },
    spec: newTaskSpec(),
    networks: [],
    ...overrides,
  };
}

/** `structuredClone` typed, for changing an object read from the store (they are frozen). */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
