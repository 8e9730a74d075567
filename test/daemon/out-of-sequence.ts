/**
 * A read-then-write against a version (GetNode then UpdateNode, GetService then UpdateService) run again
 * while the write loses to a concurrent one: the managers write nodes and services too (a node's status
 * and ingress attachment, a service's update status), and the store refuses an update made against an
 * older version with `update out of sequence`, as swarmkit's does. Clients read again and retry.
 */
export async function retryOutOfSequence<T>(readThenWrite: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readThenWrite();
    } catch (err) {
      const lost = (err as { details?: unknown }).details === 'update out of sequence';
      if (!lost || attempt >= attempts) throw err;
    }
  }
}
