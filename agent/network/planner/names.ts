/**
 * Naming rules of the data plane: every namespace it owns is `${prefix}-…`, so a restarted agent can tell
 * its own objects (to adopt or remove) from anything else on the machine. Interface names stay within the
 * kernel's 15 characters.
 */

export const GATEWAY_BRIDGE = 'shoalgw0';
export const INGRESS_LEG = 'shoaling0';
/** The ingress leg's peer, on br0 of the ingress overlay namespace. */
export const INGRESS_LEG_PEER = 'leg0';
export const OVERLAY_BRIDGE = 'br0';
export const VXLAN = 'vxlan0';
export const OVERLAY_MTU = 1450;
export const TASK_GATEWAY_IF = 'eth1';

/** The first 12 characters of a task id: what its namespace and veths are named after. */
export function shortTaskId(taskId: string): string {
  return taskId.slice(0, 12);
}

export function overlayNetns(prefix: string, vni: number): string {
  return `${prefix}-ov${vni}`;
}

export function taskNetns(prefix: string, taskId: string): string {
  return `${prefix}-t${shortTaskId(taskId)}`;
}

/** The overlay end of a task's leg (in the overlay namespace, on br0). */
export function overlayVeth(taskId: string): string {
  return `v${taskId.slice(0, 12)}`;
}

/** The node end of a task's gateway leg (in the node namespace, on the gateway bridge). */
export function gatewayVeth(taskId: string): string {
  return `gw${taskId.slice(0, 11)}`;
}

/** The task-side interface of its i-th overlay leg: eth0, then eth2, eth3… (eth1 is the gateway leg). */
export function legIfname(i: number): string {
  return i === 0 ? 'eth0' : `eth${i + 1}`;
}

/** 02:42 followed by the 4 bytes of the IPv4 address (CIDR accepted), as Docker does. */
export function macForIp(addr: string): string {
  const ip = addr.split('/')[0] ?? '';
  const hex = ip.split('.').map(b => Number(b).toString(16).padStart(2, '0'));
  return ['02', '42', ...hex].join(':');
}

export type OwnedNetns = { kind: 'overlay'; vni: number } | { kind: 'task'; shortId: string };

/** What a namespace name stands for, if it is one of this prefix's. */
export function parseNetns(prefix: string, name: string): OwnedNetns | undefined {
  const head = `${prefix}-`;
  if (!name.startsWith(head)) return undefined;
  const rest = name.slice(head.length);
  const ov = /^ov(\d+)$/.exec(rest);
  if (ov?.[1] !== undefined) return { kind: 'overlay', vni: Number(ov[1]) };
  const t = /^t([0-9A-Za-z]{1,12})$/.exec(rest);
  if (t?.[1] !== undefined) return { kind: 'task', shortId: t[1] };
  return undefined;
}
