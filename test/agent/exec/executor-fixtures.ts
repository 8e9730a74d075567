/** What the process executor tests share: a view, tasks, a state dir and fake data plane cleaned up after, status records. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import pino from 'pino';
import type { WireTask } from '../../../proto/control-types.ts';
import type { NetworkView } from '../../../proto/dispatcher-types.ts';
import type { ExecStatus } from '../../../agent/exec/executor.ts';
import { ProcessExecutor } from '../../../agent/exec/process-executor.ts';
import { listTaskDirs, TaskStateDir } from '../../../agent/exec/task-state-dir.ts';
import { FakeNetworking } from './fake-networking.ts';

const log = pino({ level: 'silent' });

export const VIEW: NetworkView = {
  networks: [],
  nodes: [],
  services: [{ id: 'svcweb', name: 'web', endpointMode: 'vip', virtualIps: [], ports: [] }],
  endpoints: [],
  gatewaySubnet: '172.18.0.0/16',
};

let seq = 0;
export function task(command: string[], o: Partial<WireTask> = {}): WireTask {
  seq++;
  return {
    id: `task${seq}x${Math.random().toString(36).slice(2, 8)}`,
    version: 1,
    serviceId: 'svcweb',
    slot: seq,
    nodeId: 'node1',
    desiredState: 'running',
    status: { state: 'assigned', timestamp: 0, message: '', err: '' },
    spec: { command, args: [], env: [], constraints: [], restart: null, stopGracePeriodMs: 0 },
    networks: [],
    endpoint: null,
    createdAt: seq,
    updatedAt: seq,
    ...o,
  };
}

export async function waitFor<T>(what: string, f: () => T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

/** A state dir, a fake data plane, and cleanup of every namespace and process the test made. */
export function setup(t: TestContext): {
  stateDir: string;
  net: FakeNetworking;
  make: () => ProcessExecutor;
} {
  const stateDir = mkdtempSync(join(tmpdir(), 'shoal-exec-'));
  const net = new FakeNetworking();
  const made: ProcessExecutor[] = [];
  t.after(async () => {
    for (const e of made) e.abandon();
    // Every launch this test made is its own process group, recorded in the state dir.
    for (const id of listTaskDirs(stateDir)) {
      const rec = new TaskStateDir(stateDir, id).readProcess();
      for (const pid of [rec?.pgid, rec?.pid]) {
        if (pid !== undefined && pid > 0) {
          try {
            process.kill(pid === rec?.pgid ? -pid : pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
      }
    }
    net.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const make = (): ProcessExecutor => {
    const e = new ProcessExecutor({ networking: net, stateDir, log, pollMs: 20 });
    made.push(e);
    return e;
  };
  return { stateDir, net, make };
}

export function statuses(e: ProcessExecutor): Map<string, ExecStatus[]> {
  const seen = new Map<string, ExecStatus[]>();
  e.onStatus((id, s) => seen.set(id, [...(seen.get(id) ?? []), s]));
  return seen;
}
