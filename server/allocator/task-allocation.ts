/** A task's addresses as the allocator gives them: one on each network it is attached to. */
import { compareTaskStates, type Task } from '../store/index.ts';
import { AllocatorError } from './errors.ts';
import { parseAddressWithPrefix } from '../../lib/ipv4.ts';
import { Journal } from './journal.ts';
import type { TaskAllocation } from './allocation-results.ts';
import { type AllocatorTables, type TaskRecord, holderOfTask, describe } from './allocator-tables.ts';

/**
 * True while a task holds its addresses: until its observed state passes RUNNING (Swarm frees them then, or
 * when the task is deleted). `rebuild` takes back the addresses of these tasks only; call `releaseTask` when
 * one stops being so.
 */
export function taskHoldsAddresses(task: Pick<Task, 'status'>): boolean {
  return compareTaskStates(task.status.state, 'running') <= 0;
}

/** NetworkAllocator.allocateTask on `t` (documented there). */
export function allocateTask(t: AllocatorTables, task: Pick<Task, 'id' | 'networks'>): TaskAllocation {
  const { id } = task;
  const holder = holderOfTask(id);
  const old = t.tasks.get(id);
  const journal = new Journal();
  const touched = new Set<string>();
  try {
    const attachments: TaskRecord['attachments'] = [];
    for (const { networkId, addresses: given } of task.networks) {
      const record = t.networks.get(networkId);
      if (record === undefined)
        throw new AllocatorError('failed-precondition', `network ${networkId} is not allocated`);
      if (attachments.some(a => a.networkId === networkId)) {
        throw new AllocatorError(
          'invalid-argument',
          `task ${id} is attached to network ${record.name} twice`,
        );
      }
      const { pool } = record;
      const addresses: number[] = [];
      if (given.length === 0) {
        const before = pool.lastAddress;
        const address = pool.takeNext(holder);
        if (address === undefined) {
          throw new AllocatorError(
            'resource-exhausted',
            `could not find an available IP for task ${id}: ${describe(record)} is full`,
          );
        }
        journal.push(() => {
          pool.release(address);
          pool.restoreCursor(before);
        });
        touched.add(networkId);
        addresses.push(address);
      }
      for (const text of given) {
        const parsed = parseAddressWithPrefix(text);
        if (parsed === undefined || !pool.isHost(parsed.address) || addresses.includes(parsed.address)) {
          throw new AllocatorError(
            'invalid-argument',
            `address ${text} is not a free host address of ${describe(record)}`,
          );
        }
        const current = pool.holderOf(parsed.address);
        if (current !== undefined && current !== holder) {
          throw new AllocatorError(
            'invalid-argument',
            `address ${text} of ${describe(record)} is held by ${current.replace(':', ' ')}`,
          );
        }
        if (current === undefined) {
          pool.take(parsed.address, holder);
          journal.push(() => pool.release(parsed.address));
        }
        addresses.push(parsed.address);
      }
      attachments.push({ networkId, addresses });
    }
    for (const { networkId, addresses } of old?.attachments ?? []) {
      const kept = attachments.find(a => a.networkId === networkId)?.addresses ?? [];
      for (const address of addresses)
        if (!kept.includes(address)) t.networks.get(networkId)?.pool.release(address);
    }
    // A task on no network holds nothing, as a rebuilt allocator would see it.
    if (attachments.length > 0) t.tasks.set(id, { attachments });
    else t.tasks.delete(id);
    return { networks: t.attachmentsOf(attachments), networkUpdates: t.updatesFor(touched) };
  } catch (err) {
    journal.rollback();
    throw err;
  }
}
