/**
 * Shared by the daemon tests: a temp root folder with in-process daemons and unix-socket clients that
 * are all cleaned up by one `cleanup()` (call it from `after`), a free loopback port, and polling.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { decodeKek, openRootCaKey, type RootCa } from '../../certs/index.ts';
import { clientOf, loadShoalPackage, unaryCall } from '../../proto/load.ts';
import { Daemon } from '../../node/daemon.ts';
import type { DaemonOptions } from '../../node/daemon-options.ts';
import type { Cluster } from '../../server/store/index.ts';
import type { Leadership, LeaderService } from '../../server/leader/leadership.ts';

export const pkg = loadShoalPackage('control.proto');
/** Silent; `SHOAL_TEST_LOG=info` shows the daemons' logs when a test needs looking into. */
export const log = pino({ level: process.env.SHOAL_TEST_LOG ?? 'silent' });

/** A port that was free on 127.0.0.1 a moment ago. */
/** The mTLS credentials of node `name` of harness `root` (its certificate and key as it keeps them). */
export function nodeCredentials(root: string, name: string): grpc.ChannelCredentials {
  const file = (f: string): Buffer => readFileSync(join(root, name, 'certificates', f));
  return grpc.credentials.createSsl(
    file('swarm-root-ca.crt'),
    file('swarm-node.key'),
    file('swarm-node.crt'),
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() =>
        typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls `cond` until it holds, failing the test after `ms`. */
export async function until(what: string, cond: () => Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise(r => setTimeout(r, 25));
  }
}

/** One call on a local-socket service; rejects with the grpc ServiceError. */
export type Call = (method: string, req: object) => Promise<Record<string, unknown>>;

export interface SocketClient {
  call: Call;
  close(): void;
}

/**
 * A client for the Swarm or Control service on a daemon's unix socket; every call has a deadline, there
 * to turn a hang into a failure: Init and Join make RSA keys and certificates on the daemon's thread,
 * which takes seconds on a loaded machine (Init over 10 s was seen with the suite run side by side).
 */
export function socketClient(
  socketPath: string,
  service: 'Swarm' | 'Control',
  deadlineMs = 30_000,
): SocketClient {
  const Client = clientOf(pkg, service);
  const c = new Client(`unix:${socketPath}`, grpc.credentials.createInsecure());
  const call: Call = (method, req) => unaryCall(c, method, req, { deadline: Date.now() + deadlineMs });
  return { call, close: () => c.close() };
}

export interface Harness {
  /** The temp folder everything lives in. */
  readonly root: string;
  /** The running in-process daemons (stopped by cleanup). */
  readonly daemons: Daemon[];
  /**
   * Starts a daemon with data folder `<root>/<name>` and socket `<root>/<name>.sock` (a fast tick,
   * silent logs), with `options` on top.
   */
  daemon(name: string, options?: Partial<DaemonOptions>): Promise<Daemon>;
  /** Stops the daemon started under `name` (its folder stays, for a restart). */
  stop(name: string): Promise<void>;
  /** A call function on `<root>/<name>.sock` (the client is closed by cleanup). */
  client(name: string, service: 'Swarm' | 'Control'): Call;
  /** Stops every daemon, closes every client, removes the folder. Safe to call once, from `after`. */
  cleanup(): Promise<void>;
}

export function harness(prefix: string): Harness {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const daemons: Daemon[] = [];
  const clients: SocketClient[] = [];
  const byName = new Map<string, Daemon>();
  return {
    root,
    daemons,
    daemon: async (name, options = {}) => {
      const d = await Daemon.start({
        dataDir: join(root, name),
        socketPath: join(root, `${name}.sock`),
        hostname: name,
        log,
        tickMs: 20,
        ...options,
      });
      daemons.push(d);
      byName.set(name, d);
      return d;
    },
    stop: async name => {
      const d = byName.get(name);
      assert.ok(d !== undefined, `no daemon ${name} is running`);
      byName.delete(name);
      daemons.splice(daemons.indexOf(d), 1);
      await d.stop();
    },
    client: (name, service) => {
      const c = socketClient(join(root, `${name}.sock`), service);
      clients.push(c);
      return c.call;
    },
    cleanup: async () => {
      try {
        for (const c of clients.splice(0)) c.close();
        for (const d of daemons.splice(0)) await d.stop().catch(() => undefined);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Stops the task pipeline (orchestrator, task allocation, scheduler) of `d`'s manager, for tests of the
 * Control API or the dispatcher alone, which write tasks themselves and must not see them reconciled.
 */
export function stopTaskPipeline(d: Daemon): void {
  const m = (d as unknown as { manager?: { p: { pipeline: LeaderService; leadership: Leadership } } })
    .manager;
  assert.ok(m !== undefined, 'the daemon runs a manager');
  m.p.leadership.remove(m.p.pipeline);
}

/**
 * The cluster's root CA with its key in clear, for tests that mint certificates of their own: the store
 * holds the key sealed, the KEK is in a manager's data folder `dataDir`.
 */
export function rootCaOf(dataDir: string, cluster: Cluster): RootCa {
  const kek = decodeKek(readFileSync(join(dataDir, 'certificates', 'swarm-root-ca.kek'), 'utf8'));
  const { certPem, keyEnc } = cluster.rootCa;
  assert.ok(keyEnc !== undefined, 'the root CA key is sealed');
  return openRootCaKey(certPem, keyEnc, kek);
}
