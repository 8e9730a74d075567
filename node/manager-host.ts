/**
 * The manager this node runs, while it is one: started at start-up, init, join and promotion; stopped
 * at demotion, leave and stop. Its leader-only services (the role manager among them) come and go with
 * its leadership, inside the manager.
 */
import {
  Manager,
  type ManagerIdentity,
  type ManagerOptions,
  type NodeCerts,
} from '../server/manager/manager.ts';
import { pollMsOf, type DaemonOptions } from './daemon-options.ts';

export type ManagerStart = Pick<ManagerOptions, 'peers' | 'bootstrap' | 'forceNewCluster'>;

export class ManagerHost {
  private manager_: Manager | undefined;

  /**
   * `kek`: the node's key-encryption key of the root CA key, as it is when the manager asks.
   * `onFailed`: the running manager stopped because its storage failed (its leader-only services are stopped).
   */
  constructor(
    private readonly o: DaemonOptions,
    private readonly kek: () => Buffer | undefined,
    private readonly onFailed: (err: Error) => void,
  ) {}

  /** This node's running manager; undefined on a worker and outside a swarm. */
  get manager(): Manager | undefined {
    return this.manager_;
  }

  /** Starts this node's manager. Throws what Manager.start throws. */
  async start(identity: ManagerIdentity, certs: NodeCerts, extra: ManagerStart = {}): Promise<Manager> {
    const o = this.o;
    const m = await Manager.start({
      dataDir: o.dataDir,
      identity,
      certs,
      kek: this.kek,
      log: o.log,
      ...(o.tickMs === undefined ? {} : { tickMs: o.tickMs }),
      ...(o.snapshotEvery === undefined ? {} : { snapshotEvery: o.snapshotEvery }),
      ...(o.dispatcher === undefined ? {} : { dispatcher: o.dispatcher }),
      roleIntervalMs: Math.min(pollMsOf(o), 1000),
      onFatal: err => this.onFailed(err),
      ...(o.managerPort === undefined ? {} : { managerPort: o.managerPort }),
      ...extra,
    });
    this.manager_ = m;
    return m;
  }

  async stop(): Promise<void> {
    const m = this.manager_;
    this.manager_ = undefined;
    await m?.stop();
  }
}
