/**
 * bench:converge — how fast a service becomes running tasks that answer. As root (CI, the lab's tools
 * present) it measures the real data plane: bench/data-plane.ts's converge part in the namespace lab
 * (`service create --replicas 2` → both RUNNING and answering through the VIP; scale to 50 on 3 nodes).
 * Without root, or with BENCH_EXECUTOR=test, the control plane alone on loopback (converge-loopback.ts:
 * the test executor's imaginary tasks, scale to 100).
 */
import { canRunLab } from '../test/lab/lab.ts';

if (process.env.BENCH_EXECUTOR !== 'test' && canRunLab()) {
  process.env.BENCH_PARTS ??= 'converge';
  await import('./data-plane.ts');
} else {
  if (process.env.BENCH_EXECUTOR !== 'test') {
    console.error('bench:converge: not root (or no iproute2): the control plane alone, with imaginary tasks');
  }
  await import('./converge-loopback.ts');
}
