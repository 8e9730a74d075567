/**
 * The one leadership lifecycle of a manager: every leader-only service (the allocator's pools, the
 * dispatcher, the log broker, the task pipeline, the role manager) serves exactly while this manager
 * leads, for the term it leads in, and none of them looks at Raft's leadership itself.
 *
 * Raft says when the leader or the term changed (RaftNodeOptions.onLeaderChange → leaderChanged). On
 * becoming leader of a term, a read barrier first (a ReadIndex: it answers once an entry of this term is
 * committed, so the store holds everything earlier leaders committed); then the services start, in the
 * order added, with that term. The moment leadership is lost (another term, a follower, the manager
 * stopping or its storage failing) they stop, in reverse order, before anything else runs.
 */
import type { Logger } from 'pino';
import { messageOf } from '../../lib/message-of.ts';
import { NotLeaderError, type LeaderKnowledge } from '../../lib/not-leader-error.ts';

/** A service that runs on the leader only. */
export interface LeaderService {
  /** Named in logs. */
  readonly name: string;
  /** This manager leads `term` and its store holds everything committed before: serve. */
  start(term: number): void;
  /**
   * Leadership is gone (or the manager stops): serve no more, at once. Work under way may finish later
   * (it is fenced to its term); the promise, if any, settles when it has.
   */
  stop(): void | Promise<void>;
}

/** What the lifecycle reads of the Raft node. */
export interface LeadershipRaft extends LeaderKnowledge {
  readonly isLeader: boolean;
  readonly term: number;
  /** Resolves once this node has applied everything committed before the call. */
  readBarrier(): Promise<unknown>;
}

const STOPPING = 'the manager is stopping';

type State =
  | { kind: 'following' }
  | { kind: 'starting'; term: number }
  | { kind: 'leading'; term: number; started: LeaderService[] }
  | { kind: 'stopped' };

interface Waiter {
  resolve(term: number): void;
  reject(err: Error): void;
}

export class Leadership {
  private readonly services: LeaderService[] = [];
  private state: State = { kind: 'following' };
  /** Calls waiting for the services of the term under way to start (serving()). */
  private readonly waiters = new Set<Waiter>();
  /** Calls waiting for any leader to be known (leaderKnown()). */
  private readonly leaderWaiters = new Set<() => void>();
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly raft: LeadershipRaft,
    private readonly log: Logger,
    /** The pause before a read barrier that failed is asked again (leadership held meanwhile). */
    private readonly retryMs = 100,
  ) {}

  /** Adds a service; services start in the order added and stop in reverse. */
  add(service: LeaderService): void {
    this.services.push(service);
  }

  /** Takes a service out of the lifecycle, stopping it if it serves: it will not start again. */
  remove(service: LeaderService): void {
    const i = this.services.indexOf(service);
    if (i < 0) return;
    this.services.splice(i, 1);
    const s = this.state;
    if (s.kind !== 'leading' || !s.started.includes(service)) return;
    s.started.splice(s.started.indexOf(service), 1);
    void Promise.resolve(service.stop()).catch((err: unknown) => this.stopFailed(service, err));
  }

  /** The term whose services serve now; undefined while they do not. */
  get servingTerm(): number | undefined {
    return this.state.kind === 'leading' ? this.state.term : undefined;
  }

  /** Raft's word that the leader or the term changed (0: no leader known). */
  leaderChanged(leader: number): void {
    if (leader !== 0) for (const w of [...this.leaderWaiters]) w();
    this.check();
  }

  /**
   * Resolves with the term once the leader-only services serve. A leader whose services are starting
   * (the read barrier is under way) waits for them; otherwise NotLeaderError, as also when leadership is
   * lost before they start.
   */
  serving(): Promise<number> {
    const s = this.state;
    const raft = this.raft;
    if (s.kind === 'leading' && raft.isLeader && raft.term === s.term) return Promise.resolve(s.term);
    if (s.kind === 'stopped' || (s.kind !== 'starting' && !raft.isLeader)) {
      return Promise.reject(NotLeaderError.of(raft));
    }
    return new Promise((resolve, reject) => this.waiters.add({ resolve, reject }));
  }

  /** Resolves once some member leads (this one or another); throws after `ms`. */
  async leaderKnown(ms: number): Promise<void> {
    if (this.raft.leader !== 0) return;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.leaderWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.leaderWaiters.delete(done);
        reject(new Error('manager: no raft leader elected'));
      }, ms);
      this.leaderWaiters.add(done);
    });
  }

  /** Stops every service for good (the manager stops, or its storage failed). */
  async stop(): Promise<void> {
    clearTimeout(this.retry);
    const stopping = this.follow(STOPPING);
    this.state = { kind: 'stopped' };
    await stopping;
  }

  /** Brings the services in line with Raft's present state (which may be ahead of the word it sent). */
  private check(): void {
    const s = this.state;
    if (s.kind === 'stopped') return;
    const { isLeader, term } = this.raft;
    if (s.kind !== 'following' && (!isLeader || s.term !== term)) {
      void this.follow(isLeader ? `a new term (${term})` : 'this manager is no longer the leader');
    }
    if (isLeader && this.state.kind === 'following') this.take(term);
  }

  /** Leads `term` once the store caught up with the log. */
  private take(term: number): void {
    clearTimeout(this.retry);
    this.state = { kind: 'starting', term };
    this.raft.readBarrier().then(
      () => {
        if (this.state.kind !== 'starting' || this.state.term !== term) return;
        if (!this.raft.isLeader || this.raft.term !== term) return this.check();
        this.startAll(term);
      },
      (err: unknown) => {
        if (this.state.kind !== 'starting' || this.state.term !== term) return;
        this.log.warn({ err: messageOf(err), term }, 'leadership: read barrier failed; trying again');
        this.state = { kind: 'following' };
        this.retry = setTimeout(() => this.check(), this.retryMs);
      },
    );
  }

  private startAll(term: number): void {
    const started: LeaderService[] = [];
    this.state = { kind: 'leading', term, started };
    for (const service of this.services) {
      try {
        service.start(term);
        started.push(service);
      } catch (err) {
        // Serving some of them is worse than none: the others stop, and the whole start is tried again.
        this.log.error(
          { err: messageOf(err), service: service.name, term },
          'leadership: a service failed to start',
        );
        void this.follow(`${service.name} failed to start`);
        this.retry = setTimeout(() => this.check(), this.retryMs);
        return;
      }
    }
    this.log.info({ term, services: started.map(s => s.name) }, 'leading: leader-only services started');
    for (const w of [...this.waiters]) w.resolve(term);
    this.waiters.clear();
  }

  /**
   * Stops what was started, in reverse order, at once; resolves when their work under way is over. Calls
   * waiting for the services are refused unless this manager still leads (they get the next term's).
   */
  private async follow(why: string): Promise<void> {
    const s = this.state;
    this.state = { kind: 'following' };
    if (!this.raft.isLeader || s.kind === 'stopped' || why === STOPPING) {
      const refusal = NotLeaderError.of(this.raft);
      for (const w of this.waiters) w.reject(refusal);
      this.waiters.clear();
    }
    if (s.kind !== 'leading') return;
    const pending: Promise<void>[] = [];
    for (const service of [...s.started].reverse()) {
      try {
        const p = service.stop();
        if (p !== undefined) pending.push(p.catch((err: unknown) => this.stopFailed(service, err)));
      } catch (err) {
        this.stopFailed(service, err);
      }
    }
    this.log.info({ term: s.term, why }, 'leader-only services stopped');
    await Promise.all(pending);
  }

  private stopFailed(service: LeaderService, err: unknown): void {
    this.log.warn({ err: messageOf(err), service: service.name }, 'leadership: a service failed to stop');
  }
}
