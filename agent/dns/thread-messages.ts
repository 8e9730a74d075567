/**
 * What the agent and the resolver thread (resolver-thread.ts) tell each other over postMessage. The
 * agent owns the state (the view, who asks from where, where to listen) and sends it whole; the thread
 * owns the sockets and answers. State messages carry a generation, and the thread confirms each one
 * once answers follow it, so the agent can hold a task back until its resolver knows it.
 */
import type { NetworkView } from '../../proto/dispatcher-types.ts';

/** Given to the thread when it starts (workerData). */
export interface ThreadInit {
  upstreams: string[];
  upstreamTimeoutMs: number;
  /** Whether debug lines are wanted (they cross the thread boundary otherwise for nothing). */
  debug: boolean;
  /** UDP through the native batch loop when the addon loads (else, or when false: node's dgram). */
  batch: boolean;
}

export type ToThread =
  /** Either part may be absent: it is unchanged then. Askers: source address → the asker's networks. */
  | { kind: 'state'; gen: number; view?: NetworkView; askers?: [string, string[]][] }
  /** UDP and TCP on addr:port (port 0: any free port, the same for both); in `netns` when given. */
  | { kind: 'listen'; addr: string; port: number; netns?: string }
  | { kind: 'unlisten'; addr: string }
  /** An uncaught error in the thread, as a bug in the answer path would raise (tests). */
  | { kind: 'crash' };

export type FromThread =
  | { kind: 'ready' }
  | { kind: 'applied'; gen: number }
  | { kind: 'listening'; addr: string; port: number }
  | { kind: 'listen-failed'; addr: string; message: string }
  | { kind: 'log'; level: 'warn' | 'info' | 'debug'; msg: string; fields: Record<string, unknown> };
