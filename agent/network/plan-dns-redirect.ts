/**
 * How a task's 127.0.0.11:53 reaches the node's one resolver (pure: rule lines and a setting, which
 * plan-nft.ts and the change plan put in the task's and the node's rulesets).
 *
 * In the task's namespace, what is sent to 127.0.0.11:53 (UDP and TCP) is DNATed to the resolver's
 * socket on the gateway bridge and SNATed to the task's own eth1 address, so the resolver knows the
 * asker by its source address; conntrack undoes both on the replies, which come from 127.0.0.11:53.
 * A packet from 127.0.0.1 may only leave by eth1 (and its reply come back) with `route_localnet` on
 * eth1; that setting would also let a neighbour on the bridge reach the task's loopback services, so
 * inbound packets for 127.0.0.0/8 not on lo are dropped unless they belong to a flow the task began.
 * In the node's namespace the resolver's address and port are kept out of the published ports (a
 * service publishing port 53 must not take every task's DNS).
 *
 * Verified on kernel 6.18 with nftables 1.0.6 (a node namespace with the bridge, a task namespace on
 * it, a UDP echo on the bridge's address; test/agent/dns/netns.test.ts keeps the working case): DNAT
 * alone gets no answer, with or without route_localnet (without it the packet from 127.0.0.1 is
 * dropped when rerouted to eth1; with it, it leaves from 127.0.0.1 and the reply stays in the node's
 * loopback); DNAT and SNAT without route_localnet get none either (the reroute comes before SNAT);
 * DNAT, SNAT and route_localnet=1 on eth1 answer, the resolver sees the task's eth1 address and the
 * task gets the reply from 127.0.0.11:53. The node's namespace needs no setting. With route_localnet,
 * a neighbour on the bridge that routes 127/8 to the task reaches its loopback unless the input rule
 * below drops it (the test tries it).
 */
import { TASK_GATEWAY_IF } from './names.ts';

/** The address every task asks, as in Docker (resolv.conf: `nameserver 127.0.0.11`). */
export const EMBEDDED_DNS_ADDR = '127.0.0.11';
/** The port tasks ask on; the resolver listens on the same one, on the gateway bridge's address. */
export const DNS_PORT = 53;
/** The sysctl (in the task's namespace) that lets 127.0.0.1 talk through eth1. */
export const TASK_DNS_SYSCTL = `net.ipv4.conf.${TASK_GATEWAY_IF}.route_localnet=1`;

/** Where a task's DNS goes: the resolver's address (the gateway bridge's) and the task's eth1 address. */
export interface TaskDnsRedirect {
  resolver: string;
  asker: string;
}

/** A task's DNS redirect, as lines of its nat output and postrouting chains and of its filter input chain. */
export function taskDnsRules(r: TaskDnsRedirect): {
  natOutput: string[];
  natPostrouting: string[];
  filterInput: string[];
} {
  const to = `${r.resolver}:${DNS_PORT}`;
  return {
    natOutput: [
      `\t\tip daddr ${EMBEDDED_DNS_ADDR} udp dport ${DNS_PORT} dnat to ${to}`,
      `\t\tip daddr ${EMBEDDED_DNS_ADDR} tcp dport ${DNS_PORT} dnat to ${to}`,
    ],
    natPostrouting: [
      `\t\tip daddr ${r.resolver} meta l4proto { tcp, udp } th dport ${DNS_PORT} snat to ${r.asker}`,
    ],
    filterInput: [`\t\tiifname != "lo" ip daddr 127.0.0.0/8 ct state != { established, related } drop`],
  };
}

/** The node's exemption of the resolver from the published ports: one line for nat prerouting or filter input. */
export function nodeDnsExemption(bridge: string, resolver: string): string {
  return `\t\tiifname "${bridge}" ip daddr ${resolver} meta l4proto { tcp, udp } th dport ${DNS_PORT} accept`;
}
