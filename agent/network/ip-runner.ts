/**
 * Runs one batch: `ip [-n NS] -batch -`, `bridge [-n NS] -batch -`, nft (`nsenter --net=… nft -f -` or
 * `nft -f -`) or sysctl, always as an argv array with the batch on stdin. Failures come back as data
 * (stderr and, for ip/bridge, the 1-based line that failed), never as a throw.
 */
import { runCommand } from './command-runner.ts';
import type { Batch } from './planner/model.ts';

export type BatchResult = { ok: true } | { ok: false; stderr: string; failedLine: number | undefined };

export interface BatchRunner {
  run(batch: Batch): Promise<BatchResult>;
}

/** `Command failed -:3` → 3. */
export function failedLineOf(stderr: string): number | undefined {
  const m = /Command failed -:(\d+)/.exec(stderr);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/**
 * Enters the namespace's network part only: `ip netns exec` also makes a mount namespace (and mounts
 * /sys), which nft and sysctl do not need and which cost ~15 ms more per run under load (measured).
 */
function inNetns(ns: string | undefined): string[] {
  return ns ? ['nsenter', `--net=/run/netns/${ns}`] : [];
}

export function batchArgv(batch: Batch): { argv: string[]; stdin: string } {
  const ns = batch.netns;
  const force = batch.bestEffort ? ['-force'] : [];
  switch (batch.tool) {
    case 'ip':
    case 'bridge':
      return {
        argv: [batch.tool, ...(ns ? ['-n', ns] : []), ...force, '-batch', '-'],
        stdin: batch.lines.join('\n') + '\n',
      };
    case 'nft':
      return { argv: [...inNetns(ns), 'nft', '-f', '-'], stdin: batch.lines.join('\n') + '\n' };
    case 'sysctl':
      return { argv: [...inNetns(ns), 'sysctl', '-qw', ...batch.lines], stdin: '' };
  }
}

export class IpRunner implements BatchRunner {
  async run(batch: Batch): Promise<BatchResult> {
    const { argv, stdin } = batchArgv(batch);
    const r = await runCommand(argv, stdin);
    if (r.code === 0) return { ok: true };
    const stderr = r.stderr.trim() || `${argv.join(' ')} exited with ${r.code}`;
    return {
      ok: false,
      stderr,
      failedLine: batch.tool === 'ip' || batch.tool === 'bridge' ? failedLineOf(stderr) : undefined,
    };
  }
}
