/**
 * The multi-host lab, entirely in network namespaces this test creates: an underlay namespace holding
 * a bridge, and one namespace per node with 198.51.100.<n>/24 on a veth into that bridge. Nothing is
 * added to the root namespace (each veth pair is created inside a node namespace, its peer moved
 * straight into the underlay). Every name carries a per-run prefix; `destroy()` ends the processes
 * this lab started (by PID) and deletes its namespaces, also after a failure.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';

/** Whether this process may build the lab (root, with iproute2). */
export function canRunLab(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface LabProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr. */
  output(): string;
  exited: Promise<number | null>;
}

export class Lab {
  /** Short, so derived interface names stay under the kernel's 15 characters. */
  readonly prefix = `sl${randomBytes(3).toString('hex')}`;
  private readonly namespaces: string[] = [];
  private readonly processes: LabProcess[] = [];

  get underlay(): string {
    return `${this.prefix}-ul`;
  }

  node(i: number): string {
    return `${this.prefix}-n${i}`;
  }

  static addr(i: number): string {
    return `198.51.100.${i}`;
  }

  private addNamespace(name: string): void {
    ip('netns', 'add', name);
    this.namespaces.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
  }

  /** Builds the underlay and `n` node namespaces. */
  create(n: number): void {
    this.addNamespace(this.underlay);
    ip('-n', this.underlay, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.underlay, 'link', 'set', 'br0', 'up');
    for (let i = 1; i <= n; i++) {
      const ns = this.node(i);
      this.addNamespace(ns);
      ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `u${i}`, 'netns', this.underlay);
      ip('-n', ns, 'addr', 'add', `${Lab.addr(i)}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', this.underlay, 'link', 'set', `u${i}`, 'master', 'br0');
      ip('-n', this.underlay, 'link', 'set', `u${i}`, 'up');
    }
  }

  /**
   * Runs `argv` inside node i's network namespace. Through nsenter, not `ip netns exec`: the process stays
   * in the root mount namespace, where the namespaces its data plane makes must be created.
   */
  spawn(i: number, argv: string[], cwd: string): LabProcess {
    return this.spawnIn(this.node(i), argv, cwd);
  }

  /** Runs `argv` inside the lab namespace `ns` (a node's, or the underlay's). */
  spawnIn(ns: string, argv: string[], cwd: string): LabProcess {
    const child = spawn('nsenter', [`--net=/run/netns/${ns}`, '--', ...argv], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
    const p: LabProcess = { child, output: () => out, exited };
    this.processes.push(p);
    return p;
  }

  /** SIGKILL, as a crash: the process gets no chance to clean up. */
  async kill9(p: LabProcess): Promise<void> {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }

  async destroy(): Promise<void> {
    for (const p of this.processes) await this.kill9(p);
    // What the nodes' agents made (overlays, tasks) carries the lab's prefix too: the tasks' processes
    // (started by this lab's daemons) end first, then the namespaces, VXLAN devices before their owners.
    const made = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map(line => line.split(' ')[0] ?? '')
      .filter(ns => ns.startsWith(`${this.prefix}-`) && !this.namespaces.includes(ns));
    for (const ns of made) {
      const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
        .split(/\s+/)
        .filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      try {
        ip('-n', ns, 'link', 'del', 'vxlan0');
      } catch {
        // none
      }
    }
    for (const ns of made) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    for (const ns of this.namespaces.reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    this.namespaces.length = 0;
  }
}
