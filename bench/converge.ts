/**
 * bench:converge — how fast a service becomes running tasks that answer. As root (CI, the lab's tools
 * present) it measures the real data plane, each part in a process of its own (each forms its own lab
 * and cleans it up): bench/data-plane.ts's converge part in the namespace lab (`service create
 * --replicas 2` → both RUNNING and answering through the VIP; scale to 50 on 3 nodes), then the density
 * of one node (node-density.ts: 0 → 200 tasks RUNNING and each answering DNS; BENCH_DENSITY=0 skips it).
 * Without root, or with BENCH_EXECUTOR=test, the control plane alone on loopback (converge-loopback.ts:
 * the test executor's imaginary tasks, scale to 100).
 */
import { spawn } from 'node:child_process';
import { canRunLab } from '../test/lab/lab.ts';

/** Runs one part (a bench file next to this one) to its end; false if it failed. */
function part(file: string, env: Record<string, string>): Promise<boolean> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL(file, import.meta.url).pathname], {
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    // Ctrl-C reaches the part too (the terminal's whole group): wait for its cleanup. SIGTERM is ours alone: pass it on.
    const onInt = (): void => undefined;
    const onTerm = (): void => void child.kill('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.once('exit', () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    });
    child.once('exit', code => resolve(code === 0));
  });
}

if (process.env.BENCH_EXECUTOR !== 'test' && canRunLab()) {
  let ok = await part('./data-plane.ts', { BENCH_PARTS: process.env.BENCH_PARTS ?? 'converge' });
  if (process.env.BENCH_DENSITY !== '0') ok = (await part('./node-density.ts', {})) && ok;
  process.exitCode = ok ? 0 : 1;
} else {
  if (process.env.BENCH_EXECUTOR !== 'test') {
    console.error('bench:converge: not root (or no iproute2): the control plane alone, with imaginary tasks');
  }
  await import('./converge-loopback.ts');
}
