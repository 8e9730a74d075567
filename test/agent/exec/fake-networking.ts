/** A TaskNetworking for executor tests: a real, empty network namespace per task (lo up, a resolv.conf naming 127.0.0.11). */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { WireTask } from '../../../proto/control-types.ts';
import type { NetworkView } from '../../../proto/dispatcher-types.ts';
import type {
  SandboxEvent,
  SandboxUpdate,
  TaskNetworking,
  TaskSandbox,
} from '../../../agent/network/sandbox.ts';

export class FakeNetworking implements TaskNetworking {
  readonly prefix = `sl${randomBytes(3).toString('hex')}`;
  private readonly boxes = new Map<string, TaskSandbox>();
  private readonly listeners = new Set<(e: SandboxEvent) => void>();
  /** Every task set it was given, last one last. */
  readonly updates: string[][] = [];
  /** Tasks whose sandbox fails to build, with the error, until `heal` (the data plane's retry). */
  readonly failing = new Map<string, string>();
  private last: { view: NetworkView; tasks: readonly WireTask[] } | undefined;

  /** The data plane's retry succeeds: the sandbox is built and announced. */
  heal(taskId: string): void {
    this.failing.delete(taskId);
    if (this.last !== undefined) void this.update(this.last.view, this.last.tasks);
  }

  update(view: NetworkView, tasks: readonly WireTask[]): Promise<SandboxUpdate> {
    this.last = { view, tasks };
    const want = new Set(tasks.map(t => t.id));
    this.updates.push([...want]);
    for (const [id, box] of this.boxes) {
      if (want.has(id)) continue;
      for (const l of this.listeners) l({ kind: 'removed', taskId: id, netns: box.netns });
      this.deleteNs(box.netns);
      this.boxes.delete(id);
    }
    for (const id of want) {
      if (this.boxes.has(id) || this.failing.has(id)) continue;
      const netns = `${this.prefix}-t${this.boxes.size}${randomBytes(2).toString('hex')}`;
      execFileSync('ip', ['netns', 'add', netns]);
      execFileSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
      mkdirSync(`/etc/netns/${netns}`, { recursive: true });
      writeFileSync(`/etc/netns/${netns}/resolv.conf`, 'nameserver 127.0.0.11\noptions ndots:0\n');
      const box: TaskSandbox = { taskId: id, netns, legs: [], gatewayAddr: '' };
      this.boxes.set(id, box);
      for (const l of this.listeners) l({ kind: 'added', sandbox: box });
    }
    const failed = new Map([...this.failing].filter(([id]) => want.has(id)));
    return Promise.resolve({ ready: [...this.boxes.values()], failed });
  }

  sandbox(taskId: string): TaskSandbox | undefined {
    return this.boxes.get(taskId);
  }

  onSandbox(listener: (event: SandboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Deletes every namespace it made (also the ones an abandoned executor left). */
  cleanup(): void {
    for (const box of this.boxes.values()) this.deleteNs(box.netns);
    this.boxes.clear();
  }

  private deleteNs(netns: string): void {
    try {
      execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    rmSync(`/etc/netns/${netns}`, { recursive: true, force: true });
  }
}
