/**
 * The benchmark's side of a fleet process (fleet-process.ts): starts it, sends it requests and awaits
 * their answers. `close()` ends it (its agents' connections close with it) and is safe to call twice.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { FleetAnswer, FleetOp, FleetRequests } from './fleet-protocol.ts';

export class FleetClient {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly exited: Promise<void>;
  private nextId = 1;

  /** @param logFile where the process's output goes. */
  constructor(hostnamePrefix: string, logFile: string, nodeArgs: readonly string[] = []) {
    const out = openSync(logFile, 'a');
    this.child = fork(new URL('./fleet-process.ts', import.meta.url).pathname, [hostnamePrefix], {
      execArgv: ['--import', 'tsx', ...nodeArgs],
      stdio: ['ignore', out, out, 'ipc'],
    });
    closeSync(out);
    this.exited = new Promise(resolve =>
      this.child.once('exit', (code, signal) => {
        for (const w of this.waiting.values())
          w.reject(new Error(`fleet process ${hostnamePrefix} exited (${signal ?? code}); see ${logFile}`));
        this.waiting.clear();
        resolve();
      }),
    );
    this.child.on('message', (a: FleetAnswer) => {
      const w = this.waiting.get(a.id);
      if (w === undefined) return;
      this.waiting.delete(a.id);
      if (a.ok) w.resolve(a.result);
      else w.reject(new Error(a.error));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  call<K extends FleetOp>(op: K, args: FleetRequests[K]['args']): Promise<FleetRequests[K]['result']> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve: v => resolve(v as FleetRequests[K]['result']), reject });
      this.child.send({ id, op, args }, err => {
        if (err === null) return;
        this.waiting.delete(id);
        reject(err);
      });
    });
  }

  /** Ends the process: a disconnect first, SIGKILL if it has not gone within 5 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
