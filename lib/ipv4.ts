/**
 * IPv4 addresses as numbers in [0, 2^32), and CIDR blocks over them.
 *
 * Hand-written rather than ipaddr.js: its parser accepts octal, hex and short forms (`010.1.1.1`,
 * `0xa.0.0.1`, `10.1`) that a spec must refuse, so the strict dotted-quad check would be ours anyway, and all
 * the pools do after parsing is integer arithmetic over ranges, which no address library offers. Plain
 * arithmetic (not `|`/`<<`, which are signed 32-bit) keeps addresses above 127.255.255.255 positive.
 */

/** An IPv4 block: `base` is its first address (aligned to its size), `prefix` its prefix length (0..32). */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

/** The address `text` names as a strict dotted quad (`10.0.1.2`), or undefined. */
export function parseIpv4(text: string): number | undefined {
  // A character scan: rebuilding the pools parses every stored address, so this is on a hot path.
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined; // a leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}

/** `address` as a dotted quad. */
export function formatIpv4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`;
}

/**
 * An address and prefix length written `a.b.c.d/n` (host bits may be set, as in an interface address
 * `10.0.1.3/24`), or undefined.
 */
export function parseAddressWithPrefix(text: string): { address: number; prefix: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^(?:0|[1-9][0-9]?)$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix > 32 ? undefined : { address, prefix };
}

/** How many addresses a block of `prefix` holds. */
export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** The block of length `prefix` that holds `address`. */
export function cidrOf(address: number, prefix: number): Cidr {
  const size = blockSize(prefix);
  return { base: address - (address % size), prefix };
}

/** The last address of `cidr` (its broadcast address). */
export function cidrLast(cidr: Cidr): number {
  return cidr.base + blockSize(cidr.prefix) - 1;
}

/** `cidr` written `a.b.c.d/n`. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.base)}/${cidr.prefix}`;
}

/** True if `address` is in `cidr`. */
export function cidrContains(cidr: Cidr, address: number): boolean {
  return address >= cidr.base && address <= cidrLast(cidr);
}

/** True if the two blocks share an address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base <= cidrLast(b) && b.base <= cidrLast(a);
}
