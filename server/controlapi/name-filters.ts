/** The filters ListNetworks and ListServices take (`docker network|service ls --filter name=…,id=…`). */
export interface NameFilters {
  names: string[];
  idPrefixes: string[];
}

/**
 * What the filters select: every non-empty filter must match, a name exactly or an ID by its prefix
 * (each matches any of its entries). No filters select everything.
 */
export function nameFilterPredicate(
  filters: NameFilters | null,
): (o: { readonly id: string; readonly spec: { readonly name: string } }) => boolean {
  const names = filters?.names ?? [];
  const prefixes = filters?.idPrefixes ?? [];
  return o =>
    (names.length === 0 || names.includes(o.spec.name)) &&
    (prefixes.length === 0 || prefixes.some(p => o.id.startsWith(p)));
}
