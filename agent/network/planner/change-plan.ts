/**
 * One change, pure: the applied model against the desired one → ordered batches. Deletions first (best
 * effort: links before namespaces, so names and VNIs are free at once), then `netns add`, the node
 * namespace, each overlay, each task, the FDB, sysctl and nft. Anything wrong in an adopted object
 * (addresses, MACs, a missing overlay end) makes it rebuilt; a rebuilt overlay rebuilds its tasks.
 */
import {
  GATEWAY_BRIDGE,
  INGRESS_LEG,
  INGRESS_LEG_PEER,
  OVERLAY_BRIDGE,
  OVERLAY_MTU,
  TASK_GATEWAY_IF,
  VXLAN,
  gatewayVeth,
  macForIp,
  overlayNetns,
  overlayVeth,
  taskNetns,
} from './names.ts';
import { taskDnsRoute } from './plan-dns-redirect.ts';
import { freshRuleset } from './plan-nft.ts';
import type { Batch, BatchTool, NetModel, OverlayState, Owner, TaskState } from './model.ts';

export interface PlanNames {
  prefix: string;
  /** undefined = this process's own namespace. */
  nodeNetns: string | undefined;
}

export interface ChangePlan {
  batches: Batch[];
  /** Tasks whose namespace goes (or is rebuilt), by short id, with their namespace. */
  removedTasks: { shortId: string; taskId: string; netns: string }[];
  /** Tasks whose namespace is created, by short id. */
  addedTasks: string[];
}

function sameTask(a: TaskState, b: TaskState): boolean {
  if (a.gatewayAddr === '' || a.gatewayAddr !== b.gatewayAddr || a.legs.length !== b.legs.length)
    return false;
  return a.legs.every((l, i) => {
    const m = b.legs[i];
    return (
      m !== undefined && l.vni === m.vni && l.ifname === m.ifname && l.addr === m.addr && l.mac === m.mac
    );
  });
}

function sameOverlay(a: OverlayState, b: OverlayState): boolean {
  return a.gateway !== '' && a.gateway === b.gateway && a.mtu === b.mtu;
}

class Builder {
  readonly batches: Batch[] = [];
  private open = new Map<string, Batch>();

  /** Lines of one phase with the same tool and namespace go to one batch. */
  add(
    phase: string,
    tool: BatchTool,
    netns: string | undefined,
    owner: Owner,
    line: string,
    bestEffort = false,
  ): void {
    const key = `${phase}\0${tool}\0${netns ?? ''}`;
    let b = this.open.get(key);
    if (!b) {
      b = { tool, netns, lines: [], owners: [], bestEffort };
      this.open.set(key, b);
      this.batches.push(b);
    }
    b.lines.push(line);
    b.owners.push(owner);
  }
}

export function planChange(applied: NetModel, desired: NetModel, names: PlanNames): ChangePlan {
  const { prefix, nodeNetns } = names;
  const out = new Builder();
  const node: Owner = { kind: 'node' };
  const ovOwner = (vni: number): Owner => ({ kind: 'overlay', vni });
  const mtuOf = (vni: number): number => desired.overlays.get(vni)?.mtu ?? OVERLAY_MTU;
  const taskOwner = (shortId: string): Owner => ({ kind: 'task', shortId });

  // What goes.
  const removedOverlays = new Set<number>();
  for (const [vni, a] of applied.overlays) {
    const d = desired.overlays.get(vni);
    if (!d || !sameOverlay(a, d)) removedOverlays.add(vni);
  }
  // A task's eth1 peer hangs off the bridge: a rebuilt (or vanished) bridge rebuilds every task.
  const bridge = desired.node.gatewayBridge;
  const bridgeChanged = applied.node.gatewayBridge !== bridge;
  const removedTasks = new Set<string>();
  for (const [id, a] of applied.tasks) {
    const d = desired.tasks.get(id);
    if (!d || bridgeChanged || !sameTask(a, d) || a.legs.some(l => removedOverlays.has(l.vni)))
      removedTasks.add(id);
  }
  const aLeg = applied.node.ingressLeg;
  const dLeg = desired.node.ingressLeg;
  const legRemoved =
    aLeg !== undefined &&
    (dLeg === undefined || dLeg.addr !== aLeg.addr || dLeg.vni !== aLeg.vni || removedOverlays.has(aLeg.vni));
  const legAdded = dLeg !== undefined && (aLeg === undefined || legRemoved);

  // Deletions, best effort: a veth's deletion takes its peer, vxlan0's frees the VNI at once.
  for (const id of removedTasks) {
    const a = applied.tasks.get(id);
    if (!a) continue;
    const ns = taskNetns(prefix, id);
    for (const l of a.legs) out.add('del', 'ip', ns, taskOwner(id), `link del ${l.ifname}`, true);
    out.add('del', 'ip', ns, taskOwner(id), `link del ${TASK_GATEWAY_IF}`, true);
  }
  for (const vni of removedOverlays)
    out.add('del', 'ip', overlayNetns(prefix, vni), ovOwner(vni), `link del ${VXLAN}`, true);
  if (legRemoved) out.add('del', 'ip', nodeNetns, node, `link del ${INGRESS_LEG}`, true);
  if (bridgeChanged && applied.node.gatewayBridge !== undefined) {
    out.add('del', 'ip', nodeNetns, node, `link del ${GATEWAY_BRIDGE}`, true);
  }
  for (const [vni, a] of applied.overlays) {
    const d = desired.overlays.get(vni);
    if (!d || removedOverlays.has(vni)) continue;
    const ns = overlayNetns(prefix, vni);
    const macs = new Set([...d.remotes.values()].map(r => r.mac));
    for (const r of a.remotes.values()) {
      if (!d.remotes.has(r.ip))
        out.add('del', 'ip', ns, ovOwner(vni), `neigh del ${r.ip} dev ${VXLAN}`, true);
      if (macs.has(r.mac)) continue;
      out.add('del', 'bridge', ns, ovOwner(vni), `fdb del ${r.mac} dev ${VXLAN} self`, true);
      // br0 learns the MAC on vxlan0 from replies too; drop that dynamic entry rather than wait for it to age.
      out.add('del', 'bridge', ns, ovOwner(vni), `fdb del ${r.mac} dev ${VXLAN} master`, true);
    }
  }
  for (const id of removedTasks)
    out.add('netns-del', 'ip', undefined, taskOwner(id), `netns del ${taskNetns(prefix, id)}`, true);
  for (const vni of removedOverlays) {
    out.add('netns-del', 'ip', undefined, ovOwner(vni), `netns del ${overlayNetns(prefix, vni)}`, true);
  }

  // What comes.
  const addedOverlays = [...desired.overlays.keys()].filter(
    v => !applied.overlays.has(v) || removedOverlays.has(v),
  );
  const addedTasks = [...desired.tasks.keys()].filter(id => !applied.tasks.has(id) || removedTasks.has(id));
  const added = new Set(addedTasks);
  /** A task found in place by this agent (observed at start: its rules are not known), kept as it is. */
  const adopted = (id: string, t: TaskState): boolean =>
    t.gatewayAddr !== '' && !added.has(id) && applied.tasks.get(id)?.nft === undefined;
  for (const vni of addedOverlays)
    out.add('netns-add', 'ip', undefined, ovOwner(vni), `netns add ${overlayNetns(prefix, vni)}`);
  for (const id of addedTasks)
    out.add('netns-add', 'ip', undefined, taskOwner(id), `netns add ${taskNetns(prefix, id)}`);

  if (bridgeChanged && bridge !== undefined && bridge !== '') {
    // A fixed address: a bridge without one takes its lowest port's and changes it as ports come and go,
    // and a task that cached the old one (its port since removed) loses its gateway and resolver.
    out.add(
      'node',
      'ip',
      nodeNetns,
      node,
      `link add ${GATEWAY_BRIDGE} address ${macForIp(bridge)} type bridge`,
    );
    out.add('node', 'ip', nodeNetns, node, `addr add ${bridge} dev ${GATEWAY_BRIDGE}`);
    out.add('node', 'ip', nodeNetns, node, `link set ${GATEWAY_BRIDGE} up`);
  } else if (bridge !== undefined && bridge !== '' && desired.node.ipForward && !applied.node.ipForward) {
    // Adopted at start: a bridge an older agent made has no fixed address yet.
    out.add('node', 'ip', nodeNetns, node, `link set ${GATEWAY_BRIDGE} address ${macForIp(bridge)}`);
  }
  for (const vni of addedOverlays) {
    out.add(
      'node',
      'ip',
      nodeNetns,
      ovOwner(vni),
      `link add ${VXLAN} netns ${overlayNetns(prefix, vni)} mtu ${mtuOf(vni)} type vxlan id ${vni} dstport 4789 nolearning proxy l2miss l3miss`,
    );
  }
  if (legAdded && dLeg) {
    const o = ovOwner(dLeg.vni);
    out.add(
      'node',
      'ip',
      nodeNetns,
      o,
      `link add ${INGRESS_LEG} address ${macForIp(dLeg.addr)} mtu ${mtuOf(dLeg.vni)} type veth peer name ${INGRESS_LEG_PEER} netns ${overlayNetns(prefix, dLeg.vni)} mtu ${mtuOf(dLeg.vni)}`,
    );
    out.add('node', 'ip', nodeNetns, o, `addr add ${dLeg.addr} dev ${INGRESS_LEG}`);
    out.add('node', 'ip', nodeNetns, o, `link set ${INGRESS_LEG} up`);
  }
  // Each task's port on the gateway bridge is isolated (tasks reach the node through it, never one
  // another: Docker's docker_gwbridge has icc off), before it comes up. An adopted task's too, since
  // an older agent may have made its port without.
  const isolate = (id: string, port: string): void => {
    out.add('node', 'ip', nodeNetns, taskOwner(id), `link set ${port} type bridge_slave isolated on`);
  };
  for (const id of addedTasks) {
    const t = desired.tasks.get(id);
    if (!t) continue;
    const port = gatewayVeth(t.taskId);
    out.add(
      'node',
      'ip',
      nodeNetns,
      taskOwner(id),
      `link add ${port} master ${GATEWAY_BRIDGE} type veth peer name ${TASK_GATEWAY_IF} netns ${taskNetns(prefix, id)}`,
    );
    isolate(id, port);
    out.add('node', 'ip', nodeNetns, taskOwner(id), `link set ${port} up`);
  }
  for (const [id, t] of desired.tasks) {
    if (adopted(id, t)) isolate(id, gatewayVeth(t.taskId));
  }

  for (const [vni, d] of desired.overlays) {
    const ns = overlayNetns(prefix, vni);
    const o = ovOwner(vni);
    const fresh = addedOverlays.includes(vni);
    if (fresh) {
      out.add(`ov${vni}`, 'ip', ns, o, 'link set lo up');
      out.add(`ov${vni}`, 'ip', ns, o, `link add ${OVERLAY_BRIDGE} mtu ${d.mtu} type bridge`);
      out.add(`ov${vni}`, 'ip', ns, o, `addr add ${d.gateway} dev ${OVERLAY_BRIDGE}`);
      out.add(`ov${vni}`, 'ip', ns, o, `link set ${OVERLAY_BRIDGE} up`);
      out.add(`ov${vni}`, 'ip', ns, o, `link set ${VXLAN} master ${OVERLAY_BRIDGE} up`);
    }
    if (legAdded && dLeg?.vni === vni) {
      out.add(`ov${vni}`, 'ip', ns, o, `link set ${INGRESS_LEG_PEER} master ${OVERLAY_BRIDGE} up`);
    }
    for (const id of addedTasks) {
      const t = desired.tasks.get(id);
      for (const l of t?.legs ?? []) {
        if (l.vni !== vni || !t) continue;
        out.add(
          `ov${vni}`,
          'ip',
          ns,
          taskOwner(id),
          `link add ${overlayVeth(t.taskId)} mtu ${d.mtu} master ${OVERLAY_BRIDGE} up type veth peer name ${l.ifname} netns ${taskNetns(prefix, id)} address ${l.mac} mtu ${d.mtu}`,
        );
      }
    }
    const had = fresh ? undefined : applied.overlays.get(vni);
    for (const r of d.remotes.values()) {
      const h = had?.remotes.get(r.ip);
      if (h?.mac === r.mac && h.nodeAddr === r.nodeAddr) continue;
      out.add(`ov${vni}`, 'ip', ns, o, `neigh replace ${r.ip} lladdr ${r.mac} dev ${VXLAN} nud permanent`);
      out.add(
        `fdb${vni}`,
        'bridge',
        ns,
        o,
        `fdb replace ${r.mac} dev ${VXLAN} dst ${r.nodeAddr} self permanent`,
      );
    }
  }

  const gatewayIp = bridge?.split('/')[0] ?? '';
  if (addedTasks.length > 0 && gatewayIp === '')
    throw new Error('planChange: tasks to wire without a gateway bridge');
  for (const id of addedTasks) {
    const t = desired.tasks.get(id);
    if (!t) continue;
    const ns = taskNetns(prefix, id);
    const o = taskOwner(id);
    out.add(`t${id}`, 'ip', ns, o, 'link set lo up');
    for (const l of t.legs) {
      out.add(`t${id}`, 'ip', ns, o, `addr add ${l.addr} dev ${l.ifname}`);
      out.add(`t${id}`, 'ip', ns, o, `link set ${l.ifname} up`);
    }
    out.add(`t${id}`, 'ip', ns, o, `addr add ${t.gatewayAddr} dev ${TASK_GATEWAY_IF}`);
    out.add(`t${id}`, 'ip', ns, o, `link set ${TASK_GATEWAY_IF} up`);
    if (t.gatewayAddr.endsWith('/32')) {
      // On --internal networks only: no way out, only the bridge's address (the node's resolver).
      out.add(`t${id}`, 'ip', ns, o, `route add ${gatewayIp}/32 dev ${TASK_GATEWAY_IF}`);
    } else {
      out.add(`t${id}`, 'ip', ns, o, `route add default via ${gatewayIp} dev ${TASK_GATEWAY_IF}`);
    }
    out.add(`t${id}`, 'ip', ns, o, taskDnsRoute(t.gatewayAddr.split('/')[0] ?? ''));
  }
  // An adopted task whose rules are not known may come from an agent that redirected its DNS with SNAT
  // and route_localnet instead of the route: its ruleset is replaced below (without the SNAT), so it
  // gets the route now. Harmless on a task that has it.
  for (const [id, t] of desired.tasks) {
    if (!adopted(id, t)) continue;
    out.add(
      `t${id}`,
      'ip',
      taskNetns(prefix, id),
      taskOwner(id),
      taskDnsRoute(t.gatewayAddr.split('/')[0] ?? ''),
    );
  }

  // The FDB batches were opened per overlay above; move them after the task batches (brief order).
  const fdb = out.batches.filter(b => b.tool === 'bridge' && !b.bestEffort);
  const rest = out.batches.filter(b => !(b.tool === 'bridge' && !b.bestEffort));
  const batches = [...rest, ...fdb];

  // ip_forward once per start (an adopted node too); route_localnet wherever a published port's DNAT
  // may send a packet from 127.0.0.1 (the bridge, the leg), as each is made or adopted. Verified on this
  // kernel: without it on the outgoing interface, 127.0.0.1:PORT in the node's namespace times out.
  const firstChange = desired.node.ipForward && !applied.node.ipForward;
  const sysctls = firstChange ? ['net.ipv4.ip_forward=1'] : [];
  if (bridge !== undefined && bridge !== '' && (firstChange || bridgeChanged))
    sysctls.push(`net.ipv4.conf.${GATEWAY_BRIDGE}.route_localnet=1`);
  if (dLeg !== undefined && (firstChange || legAdded))
    sysctls.push(`net.ipv4.conf.${INGRESS_LEG}.route_localnet=1`);
  if (sysctls.length > 0) {
    batches.push({
      tool: 'sysctl',
      netns: nodeNetns,
      lines: sysctls,
      owners: sysctls.map(() => node),
      bestEffort: false,
    });
  }
  for (const [id, t] of desired.tasks) {
    const text = t.nft ?? '';
    const fresh = added.has(id);
    if (text === '' || (!fresh && applied.tasks.get(id)?.nft === text)) continue;
    batches.push({
      tool: 'nft',
      netns: taskNetns(prefix, id),
      lines: [fresh ? freshRuleset(text) : text],
      owners: [taskOwner(id)],
      bestEffort: false,
    });
  }
  // plan-nft.ts keeps everything in `table ip shoal`: with no node ruleset wanted (destroy), drop it.
  if (desired.node.nft === '' && applied.node.nft !== '') {
    batches.push({
      tool: 'nft',
      netns: nodeNetns,
      lines: ['table ip shoal\ndelete table ip shoal'],
      owners: [node],
      bestEffort: true,
    });
  }
  const nodeNft = desired.node.nft ?? '';
  if (nodeNft !== '' && applied.node.nft !== nodeNft) {
    batches.push({ tool: 'nft', netns: nodeNetns, lines: [nodeNft], owners: [node], bestEffort: false });
  }

  return {
    batches,
    removedTasks: [...removedTasks].map(id => ({
      shortId: id,
      taskId: applied.tasks.get(id)?.taskId ?? id,
      netns: taskNetns(prefix, id),
    })),
    addedTasks,
  };
}
