/**
 * The etcd anchor (shared/anchors/etcd.sh), run from a benchmark in the same run as Shoal: start,
 * bench, failover and stop, each one invocation of the script, whose JSON lines are echoed verbatim
 * and returned parsed. The script's own stderr (npm install of its client on first use) passes through.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** shared/ sits beside the repository (in CI too); SHOAL_ANCHORS points elsewhere. */
const ANCHORS = process.env.SHOAL_ANCHORS ?? resolve(import.meta.dirname, '../../shared/anchors');
const SCRIPT = join(ANCHORS, 'etcd.sh');

/** What is missing to run the anchor (with the command that installs it), or undefined if nothing is. */
export function etcdAnchorProblem(): string | undefined {
  if (!existsSync(SCRIPT)) return `${SCRIPT} not found (set SHOAL_ANCHORS to the anchors folder)`;
  for (const bin of ['etcd', 'etcdctl']) {
    if (spawnSync(bin, ['--version'], { stdio: 'ignore' }).error !== undefined) {
      return `${bin} not found: apt-get update; apt-get install -y etcd-server etcd-client`;
    }
  }
  return undefined;
}

/** Runs `etcd.sh args…`; resolves with the JSON objects it printed, rejects if it exits non-zero. */
export function etcdSh(...args: string[]): Promise<Record<string, unknown>[]> {
  return new Promise((ok, fail) => {
    const child = spawn('bash', [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', fail);
    child.once('exit', code => {
      const lines = out.split('\n').filter(l => l.startsWith('{'));
      for (const l of lines) console.log(l);
      if (code === 0) ok(lines.map(l => JSON.parse(l) as Record<string, unknown>));
      else fail(new Error(`etcd.sh ${args.join(' ')} exited with ${code}: ${out.trim()}`));
    });
  });
}
