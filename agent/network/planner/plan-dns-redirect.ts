/**
 * How a task's 127.0.0.11:53 reaches the node's one resolver (pure: rule lines and a route, which
 * plan-nft.ts and the change plan put in the task's ruleset and its `ip` batch).
 *
 * In the task's namespace, what is sent to 127.0.0.11:53 (UDP and TCP) is DNATed to the resolver's
 * socket on the gateway bridge. A local route for 127.0.0.11 alone, with eth1's address as its source
 * (`local 127.0.0.11 dev lo src <eth1> table local`), makes the kernel pick eth1's address as the
 * asker's source before the DNAT: the packet leaves eth1 from that address, the resolver knows the asker
 * by it, and conntrack undoes the DNAT on the reply, which comes from 127.0.0.11:53. No SNAT, and no
 * `route_localnet` on eth1 (a sysctl, which was one process per task).
 *
 * Verified on kernel 6.18 with nftables 1.0.6 and iproute2 6.1 (a node namespace with the bridge at
 * 172.18.0.1/16, a task namespace on it with eth1 172.18.0.5/16, route_localnet 0 everywhere, a UDP and a
 * TCP server on 172.18.0.1:53; test/agent/dns/netns.test.ts keeps the working case): with the route and
 * the DNAT alone, a UDP query to 127.0.0.11:53 and a TCP connection reach the server from 172.18.0.5,
 * and the task gets the reply from 127.0.0.11:53. A client that binds 127.0.0.1 itself gets EINVAL on
 * its send (a source on lo may not leave by eth1 without route_localnet): dig, glibc and musl do not bind.
 * Before this route: DNAT alone got no answer with or without route_localnet; DNAT and SNAT needed
 * route_localnet=1 on eth1. A task an older agent made has that setting and an SNAT rule; its ruleset
 * is replaced on adoption and the route added (`route replace`), after which it asks as a new task does.
 * The inbound drop of 127.0.0.0/8 off lo stays: with route_localnet (such an older task), a neighbour on
 * the bridge that routes 127/8 to the task would reach its loopback without it (the test tries it).
 * In the node's namespace the resolver's address and port are kept out of the published ports (a
 * service publishing port 53 must not take every task's DNS).
 */
/** The address every task asks, as in Docker (resolv.conf: `nameserver 127.0.0.11`). */
export const EMBEDDED_DNS_ADDR = '127.0.0.11';
/** The port tasks ask on; the resolver listens on the same one, on the gateway bridge's address. */
export const DNS_PORT = 53;
/**
 * The `ip` line (in the task's namespace, once eth1 has `asker`) that makes 127.0.0.11 asked from eth1's
 * address. `replace`: also for a task an older agent made without it.
 */
export function taskDnsRoute(asker: string): string {
  return `route replace local ${EMBEDDED_DNS_ADDR} dev lo src ${asker} table local`;
}

/** Where a task's DNS goes: the resolver's address (the gateway bridge's). */
export interface TaskDnsRedirect {
  resolver: string;
}

/** A task's DNS redirect, as lines of its nat output chain and of its filter input chain. */
export function taskDnsRules(r: TaskDnsRedirect): { natOutput: string[]; filterInput: string[] } {
  const to = `${r.resolver}:${DNS_PORT}`;
  return {
    natOutput: [
      `\t\tip daddr ${EMBEDDED_DNS_ADDR} udp dport ${DNS_PORT} dnat to ${to}`,
      `\t\tip daddr ${EMBEDDED_DNS_ADDR} tcp dport ${DNS_PORT} dnat to ${to}`,
    ],
    filterInput: [`\t\tiifname != "lo" ip daddr 127.0.0.0/8 ct state != { established, related } drop`],
  };
}

/** The node's exemption of the resolver from the published ports: one line for nat prerouting or filter input. */
export function nodeDnsExemption(bridge: string, resolver: string): string {
  return `\t\tiifname "${bridge}" ip daddr ${resolver} meta l4proto { tcp, udp } th dport ${DNS_PORT} accept`;
}
