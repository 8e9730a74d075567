/**
 * Deep equality of plain JSON data: objects are compared by their own keys, in any order, and a member
 * that is undefined or null counts as absent (the store leaves optional members out; the wire decodes an
 * absent message as null), so the two forms of one value are equal.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const present = (r: Record<string, unknown>): string[] =>
    Object.keys(r).filter(k => r[k] !== undefined && r[k] !== null);
  const keys = present(left);
  return (
    keys.length === present(right).length &&
    keys.every(k => Object.hasOwn(right, k) && jsonEqual(left[k], right[k]))
  );
}
