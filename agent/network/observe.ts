/**
 * Reads what exists under the prefix into the model: the namespaces (`ip netns list`), each overlay's
 * bridge, vxlan0 and static entries, each task's interfaces, and the node namespace's gateway bridge and
 * ingress leg. nft texts are not read back (they are reapplied on the next change).
 */
import {
  GATEWAY_BRIDGE,
  INGRESS_LEG,
  INGRESS_LEG_PEER,
  OVERLAY_BRIDGE,
  TASK_GATEWAY_IF,
  VXLAN,
  overlayNetns,
  parseNetns,
  taskNetns,
} from './planner/names.ts';
import { runCommand } from './command-runner.ts';
import {
  emptyModel,
  type LegState,
  type NetModel,
  type OverlayState,
  type RemoteEntry,
} from './planner/model.ts';

interface JsonAddr {
  family?: string;
  local?: string;
  prefixlen?: number;
}
interface JsonLink {
  ifname?: string;
  address?: string;
  mtu?: number;
  addr_info?: JsonAddr[];
  linkinfo?: { info_kind?: string; info_data?: { id?: number } };
}

async function json<T>(argv: string[]): Promise<T[]> {
  const r = await runCommand(argv);
  if (r.code !== 0 || r.stdout.trim() === '') return [];
  try {
    const v: unknown = JSON.parse(r.stdout);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

const ns = (netns: string | undefined): string[] => (netns ? ['-n', netns] : []);

function inet(link: JsonLink | undefined): string {
  const a = link?.addr_info?.find(x => x.family === 'inet' && x.local !== undefined);
  return a ? `${a.local}/${a.prefixlen ?? 32}` : '';
}

/** Names of every namespace on the machine. */
export async function listNetns(): Promise<string[]> {
  const rows = await json<{ name?: string }>(['ip', '-j', 'netns', 'list']);
  return rows.flatMap(r => (r.name ? [r.name] : []));
}

function ipInt(a: string): number {
  return a.split('.').reduce((n, b) => n * 256 + Number(b), 0);
}

/** Whether two CIDRs are on the same subnet (the first one's prefix length). */
function sameSubnet(a: string, b: string): boolean {
  const [ipA = '', lenA = '32'] = a.split('/');
  const [ipB = ''] = b.split('/');
  const size = 2 ** (32 - Number(lenA));
  return Math.floor(ipInt(ipA) / size) === Math.floor(ipInt(ipB) / size);
}

export async function observe(prefix: string, nodeNetns: string | undefined): Promise<NetModel> {
  const model = emptyModel();
  model.node.nft = undefined;
  const owned = (await listNetns()).flatMap(n => {
    const p = parseNetns(prefix, n);
    return p ? [p] : [];
  });

  // Overlay end of each task leg (v<short> in some overlay) → vni; the ingress leg's peer likewise.
  const legVnis = new Map<string, number[]>();
  let ingressPeerVni: number | undefined;
  await Promise.all(
    owned.map(async o => {
      if (o.kind !== 'overlay') return;
      const name = overlayNetns(prefix, o.vni);
      const [links, neigh, fdb] = await Promise.all([
        json<JsonLink>(['ip', '-d', '-j', '-n', name, 'addr', 'show']),
        json<{ dst?: string; lladdr?: string; state?: string[] }>([
          'ip',
          '-j',
          '-n',
          name,
          'neigh',
          'show',
          'dev',
          VXLAN,
        ]),
        json<{ mac?: string; dst?: string }>(['bridge', '-j', '-n', name, 'fdb', 'show', 'dev', VXLAN]),
      ]);
      const br = links.find(l => l.ifname === OVERLAY_BRIDGE);
      const vx = links.find(l => l.ifname === VXLAN);
      const healthy = br !== undefined && vx?.linkinfo?.info_data?.id === o.vni;
      for (const l of links) {
        if (l.ifname?.startsWith('v') && l.ifname !== VXLAN) {
          const short = l.ifname.slice(1);
          legVnis.set(short, [...(legVnis.get(short) ?? []), o.vni]);
        }
        if (l.ifname === INGRESS_LEG_PEER) ingressPeerVni = o.vni;
      }
      const dst = new Map(fdb.flatMap(f => (f.mac && f.dst ? [[f.mac, f.dst] as const] : [])));
      const remotes = new Map<string, RemoteEntry>();
      for (const n of neigh) {
        if (!n.dst || !n.lladdr || !n.state?.includes('PERMANENT')) continue;
        remotes.set(n.dst, { ip: n.dst, mac: n.lladdr, nodeAddr: dst.get(n.lladdr) ?? '' });
      }
      const ov: OverlayState = {
        vni: o.vni,
        networkId: '',
        gateway: healthy ? inet(br) : '',
        // vxlan0's: br0 follows its ports' smallest MTU, so a wrong vxlan0 shows only there.
        mtu: vx?.mtu ?? 0,
        remotes,
      };
      model.overlays.set(o.vni, ov);
    }),
  );

  // A task's overlay ends all share one name (one per overlay): its leg is on the overlay whose subnet
  // holds the leg's address.
  const legVniOf = (addr: string, vnis: number[]): number =>
    vnis.find(v => {
      const gw = model.overlays.get(v)?.gateway ?? '';
      return gw !== '' && addr !== '' && sameSubnet(gw, addr);
    }) ?? -1;
  await Promise.all(
    owned.map(async o => {
      if (o.kind !== 'task') return;
      const links = await json<JsonLink>(['ip', '-j', '-n', taskNetns(prefix, o.shortId), 'addr', 'show']);
      const legs: LegState[] = [];
      for (const l of links) {
        const m = /^eth(\d+)$/.exec(l.ifname ?? '');
        if (!m || l.ifname === TASK_GATEWAY_IF) continue;
        legs.push({
          networkId: '',
          vni: legVniOf(inet(l), legVnis.get(o.shortId) ?? []),
          ifname: l.ifname ?? '',
          addr: inet(l),
          mac: l.address ?? '',
        });
      }
      legs.sort((a, b) => Number(a.ifname.slice(3)) - Number(b.ifname.slice(3)));
      model.tasks.set(o.shortId, {
        taskId: o.shortId,
        legs,
        gatewayAddr: inet(links.find(l => l.ifname === TASK_GATEWAY_IF)),
        nft: undefined,
      });
    }),
  );

  const nodeLinks = await json<JsonLink>(['ip', '-j', ...ns(nodeNetns), 'addr', 'show']);
  const gw = nodeLinks.find(l => l.ifname === GATEWAY_BRIDGE);
  model.node.gatewayBridge = gw === undefined ? undefined : inet(gw);
  const leg = nodeLinks.find(l => l.ifname === INGRESS_LEG);
  if (leg && ingressPeerVni !== undefined && inet(leg) !== '') {
    model.node.ingressLeg = { addr: inet(leg), vni: ingressPeerVni };
  }
  return model;
}
