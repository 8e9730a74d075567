/**
 * A network view (whole, or a delta) cut into parts of at most so many entities, pure: one message
 * each, so that no message is larger than a bound however many endpoints a view holds. Each message is
 * encoded when the stream takes it, so a leader opening many streams at once (after an election) does
 * not encode all their full views in one turn of its event loop, which kept Raft's heartbeats waiting
 * for seconds at 200 nodes / 5,000 tasks.
 *
 * The first part is what would have gone whole (a full view with its sequence number, or a delta with
 * its appliesTo/resultsIn), holding the first entities; each later part is a delta from the sequence
 * number the first results in to the same one, with the next entities. Removals come before upserts, so
 * a key removed and upserted in one delta ends upserted, as applying it whole does.
 */
import type {
  NetworkView,
  ViewEndpoint,
  ViewEndpointKey,
  ViewNetwork,
  ViewNode,
  ViewService,
  WireNetworkViewDelta,
} from '../../proto/dispatcher-types.ts';

export interface FullView {
  view: NetworkView;
  seq: number;
  /** The networks whose endpoints the node keeps from the view it held (none in `view`). */
  kept?: string[] | undefined;
}

/** What one message carries of the view: a full view, a delta, or (rarely) both, or neither. */
export interface ViewPart {
  full?: FullView | undefined;
  delta?: WireNetworkViewDelta | undefined;
}

/** The entities of a view or delta, by kind, in the order parts take them. */
export interface ViewEntities {
  removedNetworks: string[];
  removedNodes: string[];
  removedServices: string[];
  removedEndpoints: ViewEndpointKey[];
  networks: ViewNetwork[];
  nodes: ViewNode[];
  services: ViewService[];
  endpoints: ViewEndpoint[];
}

const KINDS = [
  'removedNetworks',
  'removedNodes',
  'removedServices',
  'removedEndpoints',
  'networks',
  'nodes',
  'services',
  'endpoints',
] as const satisfies readonly (keyof ViewEntities)[];

/** No entities of any kind: the lists a delta or a part starts from. */
export const noEntities = (): ViewEntities => ({
  removedNetworks: [],
  removedNodes: [],
  removedServices: [],
  removedEndpoints: [],
  networks: [],
  nodes: [],
  services: [],
  endpoints: [],
});

const countOf = (e: ViewEntities): number => KINDS.reduce((n, k) => n + e[k].length, 0);

/** `e` cut into groups of at most `max` entities (at least one group), kinds in KINDS order. */
function cut(e: ViewEntities, max: number): ViewEntities[] {
  const groups: ViewEntities[] = [noEntities()];
  let room = max;
  for (const kind of KINDS) {
    const list: readonly unknown[] = e[kind];
    let i = 0;
    while (i < list.length) {
      if (room === 0) {
        groups.push(noEntities());
        room = max;
      }
      const take = list.slice(i, i + room);
      const group = groups[groups.length - 1] ?? noEntities();
      (group[kind] as unknown[]).push(...take);
      i += take.length;
      room -= take.length;
    }
  }
  return groups;
}

/** The parts of `part` (its full view, then its delta) with at most `maxEntities` entities each. */
export function viewParts(part: ViewPart, maxEntities: number): ViewPart[] {
  if (!Number.isInteger(maxEntities) || maxEntities < 1) {
    throw new RangeError(`view parts: at most ${maxEntities} entities a part is not a positive integer`);
  }
  const { full, delta } = part;
  const fullEntities: ViewEntities =
    full === undefined
      ? noEntities()
      : {
          ...noEntities(),
          networks: full.view.networks,
          nodes: full.view.nodes,
          services: full.view.services,
          endpoints: full.view.endpoints,
        };
  const deltaEntities: ViewEntities = delta ?? noEntities();
  if (countOf(fullEntities) + countOf(deltaEntities) <= maxEntities) return [part];

  const out: ViewPart[] = [];
  const gatewaySubnet = delta?.gatewaySubnet ?? full?.view.gatewaySubnet ?? '';
  // A later part goes from the sequence number the view has after the first part to the same one.
  const more = (e: ViewEntities, seq: number): WireNetworkViewDelta => ({
    appliesTo: seq,
    resultsIn: seq,
    ...e,
    gatewaySubnet,
  });
  if (full !== undefined) {
    const [first = noEntities(), ...rest] = cut(fullEntities, maxEntities);
    out.push({
      full: {
        seq: full.seq,
        kept: full.kept,
        view: {
          networks: first.networks,
          nodes: first.nodes,
          services: first.services,
          endpoints: first.endpoints,
          gatewaySubnet: full.view.gatewaySubnet,
        },
      },
    });
    for (const e of rest) out.push({ delta: more(e, full.seq) });
  }
  if (delta !== undefined) {
    const [first = noEntities(), ...rest] = cut(deltaEntities, maxEntities);
    out.push({ delta: { ...delta, ...first } });
    for (const e of rest) out.push({ delta: more(e, delta.resultsIn) });
  }
  return out;
}
