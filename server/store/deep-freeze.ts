/**
 * Freezes `value` and everything reachable from it, and returns it. Stored objects are frozen so that a
 * reader who changes one by mistake gets a TypeError (modules are strict) instead of silently changing
 * committed state on this replica only. Already-frozen sub-objects are skipped, so re-freezing an object
 * that shares parts with a stored one costs little.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
