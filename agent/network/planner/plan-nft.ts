/**
 * The nftables rulesets of the data plane, as `nft -f` text (pure: the data plane applies them).
 *
 * - A task's namespace: VIP load balancing (Swarm's `vip` endpoint mode without IPVS). Output-hook DNAT
 *   in the client's own namespace, so no SNAT is needed and backends see the real client address.
 * - The node's namespace: masquerade for the gateway bridge, the ingress routing mesh (published ports
 *   DNATed to the service's tasks on the ingress network) and host-mode published ports.
 *
 * Each text is an atomic full replace of `table ip shoal` and is deterministic (everything sorted), so
 * the caller can compare it with the last applied text and skip an unchanged apply. Entries that would
 * make `nft -f` reject the whole file (malformed addresses or ports, duplicate keys) are left out.
 */
import type { WirePortConfig } from '../../../proto/control-types.ts';
import type { NetworkView, ViewService } from '../../../proto/dispatcher-types.ts';
import { nodeDnsExemption, taskDnsRules, type TaskDnsRedirect } from './plan-dns-redirect.ts';

type Protocol = 'tcp' | 'udp';
const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp'];

/** Recreates the table in the same transaction as it is deleted (`table` first makes the delete valid on a first load). */
const REPLACE = 'table ip shoal\ndelete table ip shoal\n';
const HEADER = `${REPLACE}table ip shoal {`;

/**
 * A ruleset for a namespace made in the same change, which has no table yet: without the replace's
 * `delete`, whose nat hooks registered and unregistered in one transaction cost a fresh namespace twice
 * the time (measured: ~100 ms against ~55 ms per `nft -f` under load).
 */
export function freshRuleset(text: string): string {
  return text.startsWith(REPLACE) ? text.slice(REPLACE.length) : text;
}

/**
 * Keeps a ct expression in a nat chain at all times: without one, established NATed flows lose their
 * NAT when the last one goes (see data-plane-lab.md, "established flows"). Nat chains see only a flow's
 * first packet, so it never counts anything.
 */
const KEEP_CT = '\t\tct state established counter';

/**
 * nft -f text for a task's namespace: VIP load balancing for services on the task's networks, and
 * with `dns` its 127.0.0.11:53 redirected to the node's resolver (plan-dns-redirect.ts). An atomic full
 * replace (`table ip shoal` / `delete table ip shoal` / `table ip shoal {…}`), also when empty (keep a
 * nat output chain so established NATed flows survive: see the "established flows" gotcha).
 */
export function taskRuleset(view: NetworkView, networkIds: readonly string[], dns?: TaskDnsRedirect): string {
  const wanted = new Set(networkIds);
  const overlays = new Set(view.networks.filter(n => !n.ingress && wanted.has(n.id)).map(n => n.id));

  interface Vip {
    addr: string;
    chain: string;
    backends: string[];
  }
  const vips: Vip[] = [];
  const seen = new Set<string>();
  for (const svc of sortedServices(view)) {
    if (svc.endpointMode !== 'vip') continue;
    const onNetworks = svc.virtualIps
      .filter(v => overlays.has(v.networkId))
      .sort((a, b) => compareStrings(a.networkId, b.networkId));
    for (const vip of onNetworks) {
      const addr = hostAddr(vip.addr);
      if (addr === undefined || seen.has(addr)) continue;
      seen.add(addr);
      const backends = runningBackends(view, svc.id, vip.networkId);
      vips.push({ addr, chain: nftName('vip', svc.id, vip.networkId), backends });
    }
  }
  vips.sort((a, b) => compareAddrs(a.addr, b.addr));
  const live = vips.filter(v => v.backends.length > 0);
  const dead = vips.filter(v => v.backends.length === 0);

  const out: string[] = [HEADER];
  if (live.length > 0) {
    out.push(
      ...verdictMap(
        'vips',
        'ipv4_addr',
        live.map(v => `${v.addr} : jump ${v.chain}`),
      ),
    );
    for (const v of live) {
      // Every port and protocol of the VIP goes to the same port of the backend, as Swarm's VIP does.
      out.push(`\tchain ${v.chain} {`, `\t\tdnat to ${spread(v.backends)}`, '\t}');
    }
  }
  const redirect = dns === undefined || !isIpv4(dns.resolver) ? undefined : taskDnsRules(dns);
  out.push('\tchain nat_output {', '\t\ttype nat hook output priority -100; policy accept;', KEEP_CT);
  if (redirect !== undefined) out.push(...redirect.natOutput);
  if (live.length > 0) out.push('\t\tip daddr vmap @vips');
  out.push('\t}');
  if (redirect !== undefined) {
    out.push(
      '\tchain filter_input {',
      '\t\ttype filter hook input priority filter; policy accept;',
      ...redirect.filterInput,
      '\t}',
    );
  }
  if (dead.length > 0) {
    // Refused at once rather than left to time out (no one answers ARP for a VIP).
    const set = `{ ${dead.map(v => v.addr).join(', ')} }`;
    out.push(
      '\tchain filter_output {',
      '\t\ttype filter hook output priority filter; policy accept;',
      `\t\tip daddr ${set} meta l4proto tcp reject with tcp reset`,
      `\t\tip daddr ${set} reject with icmp type port-unreachable`,
      '\t}',
    );
  }
  out.push('}');
  return out.join('\n') + '\n';
}

export interface NodeRulesetInput {
  view: NetworkView;
  /** The gateway bridge in the node ns, e.g. 'shoalgw0'. */
  gatewayBridge: string;
  /** e.g. '172.18.0.0/16'. */
  gatewaySubnet: string;
  /** The node's leg on the ingress overlay (e.g. 'shoaling0'), or undefined when the node has none (no routing mesh then). */
  ingressLeg: string | undefined;
  /** Host-mode published ports of tasks on this node: DNAT to the task's gateway address. */
  hostPorts: { protocol: 'tcp' | 'udp'; publishedPort: number; addr: string; targetPort: number }[];
  /** The embedded DNS's address on the gateway bridge: never taken by a published port. */
  resolver?: string | undefined;
  /**
   * Gateway addresses of tasks on --internal networks only: nothing of theirs is forwarded, and the node
   * takes only DNS from them (its resolver, on the bridge's address).
   */
  internalAddrs: readonly string[];
}

/**
 * nft -f text for the node namespace: gateway masquerade, the ingress routing mesh, host-mode ports. Atomic full replace of `table ip shoal`.
 * Throws when the bridge, leg or subnet is malformed (configuration, not cluster state).
 *
 * The routing mesh is not Docker's ingress_sbox. Docker DNATs a published port to a hidden sandbox
 * namespace on every node, which marks the packet and hands it to IPVS, which NATs it again onto the
 * ingress overlay: two NAT hops, an extra namespace per node, and IPVS, which this kernel lacks. Here the
 * node DNATs straight to a task's ingress address and masquerades through its one leg on the ingress
 * overlay: one hop, one conntrack entry, the same ruleset on every node, replaced atomically.
 */
export function nodeRuleset(input: NodeRulesetInput): string {
  const { view, gatewayBridge, gatewaySubnet, ingressLeg } = input;
  checkIfname(gatewayBridge);
  const dnsExempt =
    input.resolver !== undefined && isIpv4(input.resolver)
      ? [nodeDnsExemption(gatewayBridge, input.resolver)]
      : [];
  if (ingressLeg !== undefined) checkIfname(ingressLeg);
  if (!isCidr(gatewaySubnet))
    throw new Error(`nodeRuleset: bad gateway subnet ${JSON.stringify(gatewaySubnet)}`);

  /** Published port → the chain handling it, per protocol; the first taker of a port keeps it. */
  const published: Record<Protocol, Map<number, string>> = { tcp: new Map(), udp: new Map() };
  const deadPorts: Record<Protocol, number[]> = { tcp: [], udp: [] };
  const chains: string[] = [];

  if (ingressLeg !== undefined) {
    const ingress = view.networks.find(n => n.ingress);
    for (const svc of sortedServices(view)) {
      const chain = nftName('mesh', svc.id);
      const rules: string[] = [];
      for (const port of sortedPorts(svc.ports)) {
        const protocol = protocolOf(port);
        if (protocol === undefined || (port.publishMode !== '' && port.publishMode !== 'ingress')) continue;
        if (!isPort(port.publishedPort) || !isPort(port.targetPort)) continue;
        if (published[protocol].has(port.publishedPort) || deadPorts[protocol].includes(port.publishedPort))
          continue;
        const backends = ingress === undefined ? [] : runningBackends(view, svc.id, ingress.id);
        if (backends.length === 0) {
          deadPorts[protocol].push(port.publishedPort);
          continue;
        }
        published[protocol].set(port.publishedPort, chain);
        rules.push(
          `\t\t${protocol} dport ${port.publishedPort} dnat to ${spread(backends, port.targetPort)}`,
        );
      }
      if (rules.length > 0) chains.push(`\tchain ${chain} {`, ...rules, '\t}');
    }
  }

  const hostRules: string[] = [];
  const hostPorts = input.hostPorts
    .filter(
      h =>
        PROTOCOLS.includes(h.protocol) && isPort(h.publishedPort) && isPort(h.targetPort) && isIpv4(h.addr),
    )
    .sort(
      (a, b) =>
        compareStrings(a.protocol, b.protocol) ||
        a.publishedPort - b.publishedPort ||
        compareAddrs(a.addr, b.addr) ||
        a.targetPort - b.targetPort,
    );
  for (const h of hostPorts) {
    const taken = published[h.protocol];
    if (taken.has(h.publishedPort) || deadPorts[h.protocol].includes(h.publishedPort)) continue;
    taken.set(h.publishedPort, 'host_ports');
    hostRules.push(`\t\t${h.protocol} dport ${h.publishedPort} dnat to ${h.addr}:${h.targetPort}`);
  }
  if (hostRules.length > 0) chains.push('\tchain host_ports {', ...hostRules, '\t}');

  const out: string[] = [HEADER];
  const lookups: string[] = [];
  for (const protocol of PROTOCOLS) {
    const ports = [...published[protocol]].sort(([a], [b]) => a - b);
    if (ports.length === 0) continue;
    out.push(
      ...verdictMap(
        `published_${protocol}`,
        'inet_service',
        ports.map(([p, c]) => `${p} : jump ${c}`),
      ),
    );
    lookups.push(`\t\tfib daddr type local ${protocol} dport vmap @published_${protocol}`);
  }
  out.push(...chains);
  out.push(
    '\tchain nat_prerouting {',
    '\t\ttype nat hook prerouting priority dstnat; policy accept;',
    ...(lookups.length > 0 ? dnsExempt : []),
    ...lookups,
    '\t}',
  );
  // Node-local clients (the node itself, or a task hairpinning through its gateway) reach the ports too.
  out.push(
    '\tchain nat_output {',
    '\t\ttype nat hook output priority -100; policy accept;',
    KEEP_CT,
    ...lookups,
    '\t}',
  );
  out.push('\tchain nat_postrouting {', '\t\ttype nat hook postrouting priority srcnat; policy accept;');
  // Replies from a backend on another node must come back through the node that did the DNAT (this
  // also gives a node-local client on 127.0.0.1 an address the backend can answer).
  if (ingressLeg !== undefined) out.push(`\t\toifname "${ingressLeg}" masquerade`);
  // A host-mode port asked on 127.0.0.1: the task answers the bridge's address instead.
  out.push(`\t\toifname "${gatewayBridge}" ip saddr 127.0.0.0/8 masquerade`);
  out.push(`\t\tip saddr ${gatewaySubnet} oifname != "${gatewayBridge}" masquerade`, '\t}');
  // Published ports answer on 127.0.0.1: their DNAT sends loopback-sourced packets out of the bridge and
  // the leg, which needs route_localnet on both (set by the plan). It would also let those interfaces
  // take packets *to* 127/8 from outside: never (Docker drops them the same way).
  const ours = ingressLeg === undefined ? `"${gatewayBridge}"` : `{ "${gatewayBridge}", "${ingressLeg}" }`;
  out.push(
    '\tchain raw_prerouting {',
    '\t\ttype filter hook prerouting priority raw; policy accept;',
    `\t\tiifname ${ours} ip daddr 127.0.0.0/8 drop`,
    '\t}',
  );
  const internal = [...new Set(input.internalAddrs.filter(isIpv4))].sort(compareAddrs);
  const fromInternal =
    internal.length === 0 ? '' : `iifname "${gatewayBridge}" ip saddr { ${internal.join(', ')} }`;
  if (fromInternal !== '') {
    out.push(
      '\tchain filter_forward {',
      '\t\ttype filter hook forward priority filter; policy accept;',
      `\t\t${fromInternal} drop`,
      '\t}',
    );
  }
  const rejects: string[] = [];
  if (fromInternal !== '') {
    rejects.push(
      `\t\t${fromInternal} meta l4proto { tcp, udp } th dport 53 accept`,
      `\t\t${fromInternal} drop`,
    );
  }
  for (const protocol of PROTOCOLS) {
    const ports = deadPorts[protocol].sort((a, b) => a - b);
    if (ports.length === 0) continue;
    const how = protocol === 'tcp' ? 'with tcp reset' : 'with icmp type port-unreachable';
    rejects.push(`\t\tfib daddr type local ${protocol} dport { ${ports.join(', ')} } reject ${how}`);
  }
  if (rejects.length > 0) {
    // A published port without a running task: refused at once. Prerouting cannot reject, so this
    // catches the connection where it lands (input, also for node-local clients through lo). Tasks
    // with no way out reach the node's resolver and nothing else of it.
    out.push(
      '\tchain filter_input {',
      '\t\ttype filter hook input priority filter; policy accept;',
      ...dnsExempt,
      ...rejects,
      '\t}',
    );
  }
  out.push('}');
  return out.join('\n') + '\n';
}

/** The running backends of a service on a network: addresses without prefix, sorted, distinct. */
function runningBackends(view: NetworkView, serviceId: string, networkId: string): string[] {
  const addrs = new Set<string>();
  for (const e of view.endpoints) {
    if (e.serviceId !== serviceId || e.networkId !== networkId || !e.running) continue;
    const addr = hostAddr(e.addr);
    if (addr !== undefined) addrs.add(addr);
  }
  return [...addrs].sort(compareAddrs);
}

/** The DNAT target spreading new connections round-robin over the backends (at `port`, or the same port). */
function spread(backends: readonly string[], port?: number): string {
  const target = (addr: string): string => (port === undefined ? addr : `${addr} . ${port}`);
  if (backends.length === 1) return port === undefined ? backends[0]! : `${backends[0]!}:${port}`;
  const slots = backends.map((addr, i) => `${i} : ${target(addr)}`).join(', ');
  return `numgen inc mod ${backends.length} map { ${slots} }`;
}

function verdictMap(name: string, keyType: string, elements: readonly string[]): string[] {
  return [
    `\tmap ${name} {`,
    `\t\ttype ${keyType} : verdict`,
    '\t\telements = {',
    elements.map(e => `\t\t\t${e}`).join(',\n'),
    '\t\t}',
    '\t}',
  ];
}

/**
 * A chain name from ids: `prefix_id1_id2`. Ids are base-36; anything but a letter or digit is written
 * as `-xx` (hex), so distinct ids give distinct, valid nft identifiers.
 */
function nftName(prefix: string, ...ids: string[]): string {
  const escape = (id: string): string =>
    [...id].map(c => (/^[A-Za-z0-9]$/.test(c) ? c : `-${c.codePointAt(0)!.toString(16)}`)).join('');
  return [prefix, ...ids.map(escape)].join('_');
}

function sortedServices(view: NetworkView): ViewService[] {
  return [...view.services].sort((a, b) => compareStrings(a.id, b.id));
}

function sortedPorts(ports: readonly WirePortConfig[]): WirePortConfig[] {
  return [...ports].sort(
    (a, b) =>
      compareStrings(protocolOf(a) ?? '', protocolOf(b) ?? '') ||
      a.publishedPort - b.publishedPort ||
      a.targetPort - b.targetPort,
  );
}

function protocolOf(port: WirePortConfig): Protocol | undefined {
  const p = port.protocol === '' ? 'tcp' : port.protocol.toLowerCase();
  return p === 'tcp' || p === 'udp' ? p : undefined;
}

/** `10.0.1.3/24` → `10.0.1.3`; undefined when it is not an IPv4 address. */
function hostAddr(cidr: string): string | undefined {
  const slash = cidr.indexOf('/');
  const addr = slash < 0 ? cidr : cidr.slice(0, slash);
  return isIpv4(addr) ? addr : undefined;
}

function isIpv4(addr: string): boolean {
  const parts = addr.split('.');
  return parts.length === 4 && parts.every(p => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

function isCidr(cidr: string): boolean {
  const [addr, len, ...rest] = cidr.split('/');
  return (
    rest.length === 0 &&
    addr !== undefined &&
    isIpv4(addr) &&
    len !== undefined &&
    /^(?:[0-9]|[12][0-9]|3[0-2])$/.test(len)
  );
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= 65535;
}

/** A Linux interface name, safe inside nft's double quotes. */
function checkIfname(name: string): void {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name))
    throw new Error(`nodeRuleset: bad interface name ${JSON.stringify(name)}`);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numeric order of valid IPv4 addresses. */
function compareAddrs(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
