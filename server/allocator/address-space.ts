/**
 * The cluster's address space, checked at the boundary: the default address pools and subnet size, the
 * node gateway bridge range, a network's IPAM request, and the blocks no overlay may touch. Pure functions
 * returning a readable problem; what depends on the pools held is the allocator's to refuse.
 */
import type { IpamSpec } from '../store/index.ts';
import {
  cidrLast,
  cidrOf,
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  parseAddressWithPrefix,
  parseIpv4,
  type Cidr,
} from '../../lib/ipv4.ts';
import { quoted } from '../limits/limits.ts';
import { isWhole } from './value-checks.ts';

/** Longest user subnet prefix: a /30 would leave one address besides the gateway. */
export const MAX_SUBNET_PREFIX = 29;

/** Shortest user subnet prefix. */
export const MIN_SUBNET_PREFIX = 8;

/** The default address pools (`swarm init` without `--default-addr-pool`). */
export const DEFAULT_ADDRESS_POOLS: readonly string[] = Object.freeze(['10.0.0.0/8']);

/** The default subnet size (`--default-addr-pool-mask-length`). */
export const DEFAULT_SUBNET_SIZE = 24;

/**
 * The default range of every node's gateway bridge (`swarm init --gateway-subnet`): Docker's
 * docker_gwbridge usually lands on 172.18.0.0/16 too. Tasks' eth1 addresses come from it, node by node.
 */
export const DEFAULT_GATEWAY_SUBNET = '172.18.0.0/16';

/** The widest gateway bridge range: a node never runs 65,533 tasks; a wider one only takes space from overlays. */
export const MIN_GATEWAY_PREFIX = 16;

/** The narrowest gateway bridge range: a /24 already limits a node to 253 tasks. */
export const MAX_GATEWAY_PREFIX = 24;

/**
 * Blocks no overlay (nor the gateway bridge) may touch, with the reason a person is given: RFC 6890's
 * special-purpose ranges that a host treats specially whatever its routes say.
 */
export const UNUSABLE_RANGES: readonly { cidr: Cidr; why: string }[] = [
  { cidr: block('0.0.0.0', 8), why: '"this network" (0.0.0.0/8), which no host may send to' },
  { cidr: block('127.0.0.0', 8), why: 'loopback (127.0.0.0/8), which never leaves a host' },
  { cidr: block('169.254.0.0', 16), why: 'link-local (169.254.0.0/16), which is not routed' },
  { cidr: block('224.0.0.0', 4), why: 'multicast (224.0.0.0/4)' },
  { cidr: block('240.0.0.0', 4), why: 'reserved (240.0.0.0/4, with the broadcast address 255.255.255.255)' },
];

function block(base: string, prefix: number): Cidr {
  return { base: parseIpv4(base) as number, prefix };
}

/** A user subnet in the spec, checked: the block, and its gateway if one was given. */
export interface ParsedIpam {
  subnet?: Cidr;
  gateway?: number;
}

/**
 * What is wrong with `cidr` as a `what` (an overlay subnet, an address pool, the gateway bridge range)
 * because it overlaps a block no host can use for it, or undefined.
 */
export function unusableRangeProblem(what: string, cidr: Cidr): string | undefined {
  const hit = UNUSABLE_RANGES.find(r => cidrsOverlap(r.cidr, cidr));
  return hit === undefined ? undefined : `${what} ${formatCidr(cidr)} overlaps ${hit.why}`;
}

/**
 * What is wrong with `cidr` as a `what` because it overlaps the node gateway bridge's range `gateway`, or
 * undefined: an overlay address there could equal another task's eth1 address on some node.
 */
export function gatewayOverlapProblem(what: string, cidr: Cidr, gateway: Cidr): string | undefined {
  if (!cidrsOverlap(cidr, gateway)) return undefined;
  return `${what} ${formatCidr(cidr)} overlaps the node gateway bridge range ${formatCidr(gateway)} (swarm init --gateway-subnet), where tasks get their eth1 addresses`;
}

/**
 * The node gateway bridge's range (`swarm init --gateway-subnet`) as a block, or the problem: a canonical
 * CIDR, /16 to /24, outside the unusable blocks. The bridge takes its first host address.
 */
export function parseGatewaySubnet(text: unknown): Cidr | { problem: string } {
  const cidr = cidrProblemOrValue(
    'gateway subnet',
    text,
    MIN_GATEWAY_PREFIX,
    MAX_GATEWAY_PREFIX,
    'a /24 leaves room for 253 tasks per node',
  );
  if ('problem' in cidr) return cidr;
  const problem = unusableRangeProblem('gateway subnet', cidr);
  return problem === undefined ? cidr : { problem };
}

/** Parses a user's IPAM request: the subnet and gateway as numbers, or a readable problem. */
export function parseIpam(ipam: IpamSpec | undefined): ParsedIpam | { problem: string } {
  if (ipam === undefined) return {};
  const { subnet: subnetText, gateway: gatewayText } = ipam;
  if (subnetText === undefined) {
    return gatewayText === undefined
      ? {}
      : { problem: `a gateway needs a subnet: give the subnet it belongs to` };
  }
  const subnet = cidrProblemOrValue(
    'subnet',
    subnetText,
    MIN_SUBNET_PREFIX,
    MAX_SUBNET_PREFIX,
    SUBNET_MAX_WHY,
  );
  if ('problem' in subnet) return subnet;
  const unusable = unusableRangeProblem('subnet', subnet);
  if (unusable !== undefined) return { problem: unusable };
  if (gatewayText === undefined) return { subnet };
  const gateway = typeof gatewayText === 'string' ? parseIpv4(gatewayText) : undefined;
  if (gateway === undefined) {
    return {
      problem: `invalid gateway ${quoted(String(gatewayText))}: expected an IPv4 address such as 10.10.0.1`,
    };
  }
  const where = `subnet ${formatCidr(subnet)}`;
  if (gateway < subnet.base || gateway > cidrLast(subnet)) {
    return { problem: `gateway ${formatIpv4(gateway)} is outside ${where}` };
  }
  if (gateway === subnet.base)
    return { problem: `gateway ${formatIpv4(gateway)} is the network address of ${where}` };
  if (gateway === cidrLast(subnet)) {
    return { problem: `gateway ${formatIpv4(gateway)} is the broadcast address of ${where}` };
  }
  return { subnet, gateway };
}

/** Why an overlay subnet's prefix is at most MAX_SUBNET_PREFIX. */
const SUBNET_MAX_WHY = 'a /30 leaves one address besides the gateway';

/**
 * A canonical CIDR with a prefix in [min, max], or the problem with `text` as a `what`; `maxWhy` says why
 * the prefix may not be longer.
 */
function cidrProblemOrValue(
  what: string,
  text: unknown,
  min: number,
  max: number,
  maxWhy: string,
): Cidr | { problem: string } {
  const parsed = typeof text === 'string' ? parseAddressWithPrefix(text) : undefined;
  if (parsed === undefined) {
    return { problem: `invalid ${what} ${quoted(String(text))}: expected an IPv4 CIDR such as 10.10.0.0/24` };
  }
  const cidr = cidrOf(parsed.address, parsed.prefix);
  const written = `${formatIpv4(parsed.address)}/${parsed.prefix}`;
  if (cidr.base !== parsed.address)
    return { problem: `invalid ${what} ${written}: it should be ${formatCidr(cidr)}` };
  if (parsed.prefix > max) {
    return {
      problem: `invalid ${what} ${written}: the prefix length must be at most ${max} (${maxWhy})`,
    };
  }
  if (parsed.prefix < min)
    return { problem: `invalid ${what} ${written}: the prefix length must be at least ${min}` };
  return cidr;
}

/**
 * What is wrong with `pools` and `subnetSize` as the default address pools (`swarm init
 * --default-addr-pool … --default-addr-pool-mask-length N`) of a cluster whose node gateway bridges use
 * `gatewaySubnet` (`--gateway-subnet`), or undefined: a pool may overlap neither another pool, nor an
 * unusable block, nor the gateway range.
 */
export function addressPoolProblem(
  pools: readonly string[],
  subnetSize: number,
  gatewaySubnet: string = DEFAULT_GATEWAY_SUBNET,
): string | undefined {
  const gateway = parseGatewaySubnet(gatewaySubnet);
  if ('problem' in gateway) return gateway.problem;
  const shape = addressPoolShapeProblem(pools, subnetSize);
  if (shape !== undefined) return shape;
  for (const text of pools) {
    const cidr = cidrProblemOrValue('default address pool', text, 1, 32, '') as Cidr;
    const problem =
      unusableRangeProblem('default address pool', cidr) ??
      gatewayOverlapProblem('default address pool', cidr, gateway);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * What is wrong with the form of `pools` and `subnetSize` (each a canonical CIDR, no two overlapping, none
 * smaller than a subnet), or undefined. The allocator checks only this of the stored pools: a cluster made
 * before the unusable blocks were refused still allocates (its pools are carved around them).
 */
export function addressPoolShapeProblem(pools: readonly string[], subnetSize: number): string | undefined {
  if (!isWhole(subnetSize, 1, 32)) return `invalid default address pool mask length ${subnetSize}`;
  if (subnetSize > MAX_SUBNET_PREFIX) {
    return `invalid default address pool mask length ${subnetSize}: must be at most ${MAX_SUBNET_PREFIX}`;
  }
  if (pools.length === 0) return 'the default address pool list is empty';
  const parsed: Cidr[] = [];
  for (const text of pools) {
    const cidr = cidrProblemOrValue('default address pool', text, 1, 32, '');
    if ('problem' in cidr) return cidr.problem;
    if (cidr.prefix > subnetSize) {
      return `default address pool ${formatCidr(cidr)} is smaller than the mask length /${subnetSize}`;
    }
    const other = parsed.find(p => cidrsOverlap(p, cidr));
    if (other !== undefined)
      return `default address pools ${formatCidr(other)} and ${formatCidr(cidr)} overlap`;
    parsed.push(cidr);
  }
  return undefined;
}
