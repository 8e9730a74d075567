/**
 * A node kept busy for bench:dns: this process runs a real NodeRuntime (data plane, process executor,
 * its own resolver) in a lab namespace, as shoald's agent does, and creates `sleep` tasks on it. The
 * DNS measured meanwhile lives in the same process, so whatever creating tasks costs the agent (batches,
 * spawns, its garbage) is there to delay answers, as it was when the answer path shared the main thread.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { NodeRuntime } from '../agent/node-runtime.ts';
import type { WireTask } from '../proto/control-types.ts';
import type { NetworkView, ViewEndpoint } from '../proto/dispatcher-types.ts';
import { Lab } from '../test/lab/lab.ts';

const NETWORK = 'nbusy';
const GIVE_UP_MS = 180_000;

function wireTask(id: string, slot: number): WireTask {
  return {
    id,
    version: 1,
    serviceId: 'sbusy',
    slot,
    nodeId: 'busy',
    desiredState: 'running',
    status: { state: 'assigned', timestamp: 0, message: '', err: '' },
    spec: {
      command: ['sleep', '100000'],
      args: [],
      env: [],
      constraints: [],
      restart: null,
      stopGracePeriodMs: 0,
    },
    networks: [{ networkId: NETWORK, addresses: [`10.79.${slot >> 8}.${slot & 0xff}/16`] }],
    endpoint: null,
    createdAt: slot,
    updatedAt: slot,
  };
}

function viewOf(tasks: readonly WireTask[]): NetworkView {
  const endpoints: ViewEndpoint[] = tasks.map(t => ({
    taskId: t.id,
    serviceId: 'sbusy',
    slot: t.slot,
    name: '',
    nodeId: 'busy',
    networkId: NETWORK,
    addr: t.networks[0]?.addresses[0] ?? '',
    running: true,
  }));
  return {
    networks: [
      {
        id: NETWORK,
        name: 'busy',
        vni: 4097,
        subnet: '10.79.0.0/16',
        gateway: '10.79.0.1',
        internal: false,
        mtu: 1450,
        attachable: false,
        ingress: false,
      },
    ],
    nodes: [{ id: 'busy', addr: '198.51.100.1', ingressAddr: '' }],
    services: [
      {
        id: 'sbusy',
        name: 'busy',
        endpointMode: 'vip',
        virtualIps: [{ networkId: NETWORK, addr: '10.79.255.254/16' }],
        ports: [],
      },
    ],
    endpoints,
    gatewaySubnet: '172.18.0.0/16',
  };
}

async function poll(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + GIVE_UP_MS;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

export class BusyNode {
  private slot = 0;

  private constructor(
    private readonly lab: Lab,
    private readonly runtime: NodeRuntime,
    private readonly stateDir: string,
  ) {}

  static async start(log: Logger): Promise<BusyNode> {
    const lab = new Lab();
    const stateDir = mkdtempSync(join(tmpdir(), 'shoal-bench-busy-'));
    try {
      lab.create(1);
      const runtime = await NodeRuntime.start({
        nodeId: 'busy',
        stateDir,
        netnsPrefix: lab.node(1),
        nodeNetns: lab.node(1),
        dns: [],
        log,
      });
      return new BusyNode(lab, runtime, stateDir);
    } catch (err) {
      await lab.destroy();
      rmSync(stateDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Creates `n` tasks at once; resolves with the ms until all of them run. */
  async create(n: number): Promise<number> {
    const tasks = Array.from({ length: n }, () => wireTask(randomBytes(13).toString('hex'), ++this.slot));
    const running = new Set<string>();
    const off = this.runtime.executor.onStatus((id, st) => {
      if (st.state === 'running') running.add(id);
    });
    const t0 = Date.now();
    try {
      this.runtime.executor.apply(tasks, viewOf(tasks));
      await poll(`${n} running tasks`, () => running.size === n);
      return Date.now() - t0;
    } finally {
      off();
    }
  }

  /** Removes every task, and waits until their namespaces are gone. */
  async clear(): Promise<void> {
    this.runtime.executor.apply([], viewOf([]));
    const prefix = `${this.lab.node(1)}-t`;
    await poll('the tasks to go', () => {
      const left = readdirSync('/run/netns').join(' ');
      return this.runtime.executor.tasks().size === 0 && !left.includes(prefix);
    });
  }

  async destroy(): Promise<void> {
    try {
      await this.runtime.destroy();
    } finally {
      await this.lab.destroy();
      rmSync(this.stateDir, { recursive: true, force: true });
    }
  }
}
