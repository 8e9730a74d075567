/**
 * How a person's reference to an object (`docker service ps web`, `network inspect 3f2a`) finds it, in
 * docker's order: the full ID, then the name, then an ID prefix that only one object has.
 */
import { InvalidArgumentError, NotFoundError } from './errors.ts';

export interface RefLookups<T> {
  byId(ref: string): T | undefined;
  /** Absent for kinds that have no name (tasks). */
  byName?(ref: string): T | undefined;
  /** Every object whose ID starts with `ref` (a node's hostname also counts here, as in docker). */
  byPrefix(ref: string): readonly T[];
}

/** The one `kind` object `ref` names; INVALID_ARGUMENT when empty or ambiguous, NOT_FOUND when none. */
export function resolveRef<T>(kind: string, ref: unknown, lookups: RefLookups<T>): T {
  if (typeof ref !== 'string' || ref === '') throw new InvalidArgumentError(`${kind} ID is required`);
  const exact = lookups.byId(ref) ?? lookups.byName?.(ref);
  if (exact !== undefined) return exact;
  const matches = lookups.byPrefix(ref);
  const [only] = matches;
  if (matches.length === 1 && only !== undefined) return only;
  if (matches.length > 1) {
    throw new InvalidArgumentError(`${kind} ${ref} is ambiguous (${matches.length} matches)`);
  }
  throw new NotFoundError(`${kind} ${ref} not found`);
}
