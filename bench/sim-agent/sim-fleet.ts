/**
 * Many simulated agents in one process (sim-agent.ts): joined a bounded number at a time, spread over
 * the managers; their sessions held on one event loop; what they hold added up (progress) and
 * conditions over them awaited with the time they first held (a condition is looked at again after
 * any agent's change, at most every few milliseconds).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SimAgentKey } from './node-keys.ts';
import { SimAgent } from './sim-agent.ts';
import { ConnectGate } from './connect-gate.ts';
import { runningKey } from './view-summary.ts';

export interface SimFleetOptions {
  /** Agent k is `<prefix>-<slot>`. */
  hostnamePrefix: string;
  /** Which agents (by slot) keep their whole network view (tests). @default none */
  keepView?: (slot: number) => boolean;
  /** The agents' call and session deadline. @default 5000 */
  rpcTimeoutMs?: number;
  /** How many agents open a session at once (connect-gate.ts). @default 64 */
  connectParallel?: number;
}

/** What a fleet's agents hold, added up (plain data: it crosses a process boundary). */
export interface FleetProgress {
  agents: number;
  alive: number;
  /** Live agents with a session established. */
  inSession: number;
  /** Live agents whose session was established at or after `since` (the query's). */
  sessionsSince: number;
  /** Established sessions that ended other than by a kill, over the fleet's life. */
  sessionsLost: number;
  /** Status calls that timed out and went again on the same session. */
  statusRetries: number;
  /** The longest the fleet's event loop was held since the last progress (its agents' timers late by as much). */
  loopDelayMaxMs: number;
  /** Why sessions ended (lost, or not established), counted over the fleet's life. */
  endings: Record<string, number>;
  assignmentBytes: number;
  assignmentMessages: number;
  /**
   * Service id → its tasks desired running that a manager holds RUNNING, on live agents in session (an
   * agent without a session still holds what it was last assigned, which may have moved since).
   */
  running: Record<string, number>;
}

/** Progress with nothing in it (a sum starts from it). */
export function noProgress(): FleetProgress {
  return {
    agents: 0,
    alive: 0,
    inSession: 0,
    sessionsSince: 0,
    sessionsLost: 0,
    statusRetries: 0,
    loopDelayMaxMs: 0,
    endings: {},
    assignmentBytes: 0,
    assignmentMessages: 0,
    running: {},
  };
}

/** When a condition over the views first held: every peer's view, and the first view. */
export interface ViewsHeld {
  /** Every live agent whose view has the network holds `count` running endpoints of the service on it. */
  allAt: number;
  /** Some agent's view holds them (the task is RUNNING in the store: the view says so). */
  anyAt: number;
}

/** How often a condition is looked at, at most. */
const EVALUATE_EVERY_MS = 5;

export class SimFleet {
  readonly agents: SimAgent[] = [];
  private readonly waiters = new Set<() => void>();
  private evaluation: NodeJS.Timeout | undefined;

  private readonly gate: ConnectGate;
  private readonly loopDelays = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly o: SimFleetOptions) {
    this.gate = new ConnectGate(o.connectParallel ?? 64);
    this.loopDelays.enable();
  }

  /**
   * Joins one agent per key (slot `firstSlot + k`) with `token`, agent k through manager k mod n, at
   * most `parallel` joins at once. Each joined agent is added to the fleet; throws the first failure.
   */
  async join(
    keys: readonly SimAgentKey[],
    firstSlot: number,
    token: string,
    managers: readonly string[],
    parallel = 16,
  ): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let k = next++; k < keys.length; k = next++) {
        const key = keys[k];
        const manager = managers[k % managers.length];
        if (key === undefined || manager === undefined) continue;
        const agent = new SimAgent({
          hostname: `${this.o.hostnamePrefix}-${firstSlot + k}`,
          key,
          keepView: this.o.keepView?.(firstSlot + k) ?? false,
          ...(this.o.rpcTimeoutMs === undefined ? {} : { rpcTimeoutMs: this.o.rpcTimeoutMs }),
          onChange: () => this.changed(),
          gate: this.gate,
        });
        await agent.join({ token, manager });
        this.agents.push(agent);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  }

  /** Every joined agent starts holding its session. */
  start(): void {
    for (const a of this.agents) a.start();
  }

  /** Kills `count` live agents (the first ones), as nodes that die at once; returns them. */
  kill(count: number): SimAgent[] {
    const victims = this.agents.filter(a => a.alive).slice(0, count);
    for (const a of victims) a.kill();
    return victims;
  }

  /** Ends every session (the process is going). */
  stop(): void {
    for (const a of this.agents) a.kill();
    clearTimeout(this.evaluation);
    this.loopDelays.disable();
  }

  progress(since = Infinity): FleetProgress {
    const p = noProgress();
    p.agents = this.agents.length;
    p.loopDelayMaxMs = Math.round(this.loopDelays.max / 1e6);
    this.loopDelays.reset();
    for (const a of this.agents) {
      p.sessionsLost += a.sessionsLost;
      p.statusRetries += a.statusRetries;
      for (const [why, n] of a.endings) p.endings[why] = (p.endings[why] ?? 0) + n;
      p.assignmentBytes += a.assignmentBytes;
      p.assignmentMessages += a.assignmentMessages;
      if (!a.alive) continue;
      p.alive++;
      if (a.sessionSince === undefined) continue;
      p.inSession++;
      if (a.sessionSince >= since) p.sessionsSince++;
      for (const t of a.tasks.values()) {
        if (t.desiredState === 'running' && t.written === 'running')
          p.running[t.serviceId] = (p.running[t.serviceId] ?? 0) + 1;
      }
    }
    return p;
  }

  /**
   * When every live agent whose view has `networkId` holds `count` (or more) running endpoints of
   * `serviceId` on it, and when the first view did. Rejects after `ms`.
   */
  async viewsHold(networkId: string, serviceId: string, count: number, ms: number): Promise<ViewsHeld> {
    const key = runningKey(networkId, serviceId);
    const holds = (a: SimAgent): boolean => (a.summary.running.get(key) ?? 0) >= count;
    const anyAt = this.until(() => this.agents.some(a => a.alive && holds(a)), ms);
    const allAt = this.until(
      () => this.agents.every(a => !a.alive || !a.summary.networks.has(networkId) || holds(a)),
      ms,
    );
    return { allAt: await allAt, anyAt: await anyAt };
  }

  /** Resolves with the time (ms since the epoch) `cond` was first seen to hold; rejects after `ms`. */
  until(cond: () => boolean, ms: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!cond()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(Date.now());
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`sim-fleet: a condition did not hold within ${ms} ms`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  private changed(): void {
    if (this.waiters.size === 0) return;
    this.evaluation ??= setTimeout(() => {
      this.evaluation = undefined;
      for (const w of [...this.waiters]) w();
    }, EVALUATE_EVERY_MS);
  }
}
