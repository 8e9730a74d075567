/**
 * What a process has used so far, read from /proc (Linux): CPU seconds (user + system) and resident
 * memory, now and at its peak. A sampler keeps the last reading of each process, so that a process
 * killed during a benchmark is still accounted for up to its last sample.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessUsage {
  cpuSeconds: number;
  rssBytes: number;
  peakRssBytes: number;
}

let ticks: number | undefined;
/** Clock ticks per second of /proc/<pid>/stat's times. */
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** The process's usage now; undefined once it is gone. */
export function processUsage(pid: number): ProcessUsage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / clockTicks();
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number | undefined => {
      const v = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1];
      return v === undefined ? undefined : Number(v) * 1024;
    };
    const rssBytes = kib('VmRSS');
    const peakRssBytes = kib('VmHWM');
    // A process that has exited but not been reaped yet (a zombie) has no memory lines: no reading.
    if (rssBytes === undefined || peakRssBytes === undefined) return undefined;
    return { cpuSeconds, rssBytes, peakRssBytes };
  } catch {
    return undefined;
  }
}

/** Reads a set of named processes every `everyMs` and keeps each one's last reading. */
export class UsageSampler {
  private readonly pids = new Map<string, number>();
  private readonly last = new Map<string, ProcessUsage>();
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 1000) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  /** Follows `pid` under `name` (a restarted process under the same name adds to its figures). */
  watch(name: string, pid: number | undefined): void {
    if (pid === undefined) return;
    const before = this.last.get(name);
    if (before !== undefined && this.pids.get(name) !== pid) this.last.set(`${name}#${pid}`, before);
    this.pids.set(name, pid);
    this.sample();
  }

  sample(): void {
    for (const [name, pid] of this.pids) {
      const u = processUsage(pid);
      if (u !== undefined) this.last.set(name, u);
    }
  }

  /** Each process's last reading, by name. */
  readings(): Map<string, ProcessUsage> {
    this.sample();
    return new Map(this.last);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
