/**
 * Runs one batch: `ip [-n NS] -batch -`, `bridge [-n NS] -batch -`, nft (`nsenter --net=… nft -f -` or
 * `nft -f -`) or sysctl, always as an argv array with the batch on stdin. Failures come back as data
 * (stderr and, for ip/bridge, the 1-based line that failed), never as a throw.
 */
import { spawn } from 'node:child_process';
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

/** Runs argv with `stdin`; resolves with the exit code, stdout and stderr (spawn errors as stderr). */
export function runCommand(
  argv: readonly string[],
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) return resolve({ code: 1, stdout: '', stderr: 'empty command' });
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', err => resolve({ code: 1, stdout, stderr: stderr + String(err) }));
    child.on('close', code => resolve({ code: code ?? 1, stdout, stderr }));
    // A command that exits before reading all of stdin must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
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
