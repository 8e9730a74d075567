/**
 * The manager this node runs, while it is one, and with it the role manager (which acts only while
 * it leads): started at start-up, init, join and promotion; stopped at demotion, leave and stop.
 */
import { RoleManager } from '../server/ca/role-manager.ts';
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
  private roles: RoleManager | undefined;

  /**
   * `kek`: the node's key-encryption key of the root CA key, as it is when the manager asks.
   * `onFailed`: the running manager stopped because its storage failed (its role manager is stopped).
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

  /** Starts this node's manager, and with it the role manager. Throws what Manager.start throws. */
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
      onFatal: err => this.failed(err),
      ...(o.managerPort === undefined ? {} : { managerPort: o.managerPort }),
      ...extra,
    });
    this.manager_ = m;
    this.roles = new RoleManager(m.store, m.raft, o.log, Math.min(pollMsOf(o), 1000));
    this.roles.start();
    return m;
  }

  private failed(err: Error): void {
    this.roles?.stop().catch(() => undefined);
    this.onFailed(err);
  }

  async stop(): Promise<void> {
    const [m, roles] = [this.manager_, this.roles];
    this.manager_ = undefined;
    this.roles = undefined;
    await roles?.stop();
    await m?.stop();
  }
}
