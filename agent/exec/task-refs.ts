import { NotFoundError } from '../../lib/errors.ts';
import type { NetworkView } from '../../proto/dispatcher-types.ts';
import type { AssignedTask, ExecState } from './executor.ts';

/** A ref that names no task, or more than one. */
export class TaskRefError extends NotFoundError {
  override readonly name = 'TaskRefError';
}

/**
 * The task id a ref names among `runs`: a task id, a unique id prefix, `service.slot` (the running one,
 * else the newest), or a standalone task's name (`nameOf`). Throws TaskRefError when it names none or
 * several.
 */
export function resolveTaskRef(
  ref: string,
  runs: readonly { task: AssignedTask; state: ExecState | '' }[],
  nameOf: (task: AssignedTask) => string,
): string {
  if (runs.some(r => r.task.id === ref)) return ref;
  const named = runs.filter(r => {
    const name = nameOf(r.task);
    return (
      name === ref ||
      (r.task.serviceId !== '' &&
        name.startsWith(`${ref}.`) &&
        name.split('.').length === ref.split('.').length + 1)
    );
  });
  if (named.length > 0) {
    const best = named.sort(
      (a, b) =>
        Number(b.state === 'running') - Number(a.state === 'running') || b.task.createdAt - a.task.createdAt,
    )[0];
    if (best !== undefined) return best.task.id;
  }
  const byPrefix = runs.filter(r => r.task.id.startsWith(ref));
  if (byPrefix.length === 1 && byPrefix[0] !== undefined) return byPrefix[0].task.id;
  if (byPrefix.length > 1) throw new TaskRefError(`task ${ref} is ambiguous (${byPrefix.length} matches)`);
  throw new TaskRefError(`No such task: ${ref}`);
}

/**
 * A task's name (its hostname, and what `resolveTaskRef` matches): `service.slot.id` (`service.node.id` for
 * a global service), or a standalone task's name (`localName`, else its endpoint's in `view`), else its id.
 */
export function taskName(task: AssignedTask, localName: string | undefined, view: NetworkView): string {
  if (task.serviceId === '') {
    const name = localName || view.endpoints.find(e => e.taskId === task.id && e.name !== '')?.name || '';
    return name === '' ? task.id : name;
  }
  // A service missing from the view (it has no network) is named by its id.
  const service = view.services.find(s => s.id === task.serviceId)?.name ?? task.serviceId;
  return `${service}.${task.slot === 0 ? task.nodeId : task.slot}.${task.id}`;
}
