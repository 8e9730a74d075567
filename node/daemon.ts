/**
 * shoald's node: it composes this node's place in a swarm (node-state.ts), the manager it runs while it
 * is one (manager-host.ts), its agent (agent-lifecycle.ts), the local socket (local-router.ts) serving
 * the Swarm calls (swarm-membership.ts), and the node loop, which every poll period renews the
 * certificate and follows the role the managers give the node (role-follower.ts). Swarm calls and the
 * loop's checks run one at a time, in order.
 */
import type { Agent } from '../agent/session/agent.ts';
import { DamagedIdentityFileError } from '../server/ca/identity-file-error.ts';
import type { Manager } from '../server/manager/manager.ts';
import { openPrivateDataDir } from './private-data-dir.ts';
import { NotAMemberOfLogError } from '../server/raft/index.ts';
import { roleOf } from './saved-state.ts';
import { messageOf } from '../lib/message-of.ts';
import { AgentLifecycle } from './agent-lifecycle.ts';
import { CertificateRenewal } from './certificate-renewal.ts';
import { pollMsOf, type DaemonOptions } from './daemon-options.ts';
import { KekSync } from './kek-sync.ts';
import { LocalRouter } from './local-router.ts';
import { ManagerHost } from './manager-host.ts';
import { ManagerLink } from './manager-link.ts';
import { NodeState } from './node-state.ts';
import { RoleFollower } from './role-follower.ts';
import { SwarmMembership } from './swarm-membership.ts';

export class Daemon {
  private readonly state: NodeState;
  private readonly host: ManagerHost;
  private readonly link: ManagerLink;
  private readonly renewal: CertificateRenewal;
  private readonly agent: AgentLifecycle;
  private readonly follower: RoleFollower;
  private readonly local: LocalRouter;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Swarm calls and the node loop's checks run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly o: DaemonOptions) {
    const log = o.log;
    // New certificates: clients with the old ones are closed, and the new ones' renewal scheduled.
    this.state = new NodeState(o.dataDir, certs => {
      this.link.close();
      this.renewal.reset(certs);
    });
    this.host = new ManagerHost(
      o,
      () => this.state.kek,
      err => this.managerFailed(err),
    );
    this.link = new ManagerLink(this.state, this.host);
    this.renewal = new CertificateRenewal({
      state: this.state,
      link: this.link,
      hostname: o.hostname,
      log,
      now: o.now ?? Date.now,
    });
    this.agent = new AgentLifecycle(o, { state: this.state, link: this.link, stopped: () => this.stopped });
    const kek = new KekSync({ state: this.state, host: this.host, link: this.link, log });
    this.follower = new RoleFollower({
      state: this.state,
      host: this.host,
      link: this.link,
      renewal: this.renewal,
      kek,
      log,
    });
    const swarm = new SwarmMembership(o, {
      state: this.state,
      host: this.host,
      link: this.link,
      agent: this.agent,
      renewal: this.renewal,
    });
    this.local = new LocalRouter({
      socketPath: o.socketPath,
      log,
      swarm,
      serial: fn => this.serial(fn),
      manager: () => this.host.manager,
      inSwarm: () => this.isActive,
      agent: this.agent,
    });
  }

  /**
   * Starts the daemon; if the data folder holds a cluster member, that manager starts too. Throws
   * UnsafeDataDirError if the data folder is open to other users, DamagedIdentityFileError if a file
   * that says who this node is does not hold what it should (both before anything is changed), and what
   * Manager.start throws.
   */
  static async start(o: DaemonOptions): Promise<Daemon> {
    // Everything shoald creates is its own (0600 files, 0700 folders), LevelDB's files included, which
    // it creates 0644 less the umask. Tasks get docker's 022 back (agent/exec/task-process.ts).
    process.umask(0o077);
    openPrivateDataDir(o.dataDir);
    const d = new Daemon(o);
    const saved = d.state.load();
    if (saved !== undefined) {
      if (roleOf(saved) === 'manager') {
        await d.host.start(saved.identity, d.state.requireCerts()).catch((err: unknown) => {
          if (!(err instanceof NotAMemberOfLogError)) throw err;
          throw new DamagedIdentityFileError(
            d.state.statePath,
            `identity.raftId is not a member the Raft log in ${d.state.raftDir} has known`,
            { cause: err },
          );
        });
      }
      await d.agent.start();
    }
    await d.local.listen();
    d.schedule();
    return d;
  }

  /** Whether this node is in a swarm (as a manager or a worker). */
  get isActive(): boolean {
    return this.state.saved !== undefined;
  }

  /** The manager this node runs now; undefined on a worker and outside a swarm. */
  get manager(): Manager | undefined {
    return this.host.manager;
  }

  /** This node's agent's session with the managers, while it runs. */
  get agentSession(): Agent | undefined {
    return this.agent.session;
  }

  /**
   * This node's manager stopped because its storage failed (it gave up every leader role already): the
   * owner is told, and exits (shoald: non-zero, for a supervisor to restart it); without an owner that
   * listens, the manager is stopped here, so nothing answers on its port as if it worked.
   */
  private managerFailed(err: Error): void {
    if (this.o.onFatal !== undefined) this.o.onFatal(err);
    else void this.serial(() => this.host.stop());
  }

  /** Runs `fn` after everything queued before it (Swarm calls and the node loop's checks). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The node loop: every poll period, one check of this node against what the managers say. */
  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.serial(() => (this.stopped ? Promise.resolve() : this.follower.check()))
        .catch((err: unknown) => this.o.log.warn({ err: messageOf(err) }, 'node check failed'))
        .finally(() => this.schedule());
    }, pollMsOf(this.o));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.local.close();
    // A check under way finishes first: it may be starting or stopping the manager.
    await this.queue;
    await this.agent.stop();
    this.link.close();
    await this.host.stop();
    this.local.removeSocket();
  }
}
