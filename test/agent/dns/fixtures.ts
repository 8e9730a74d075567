/** A NetworkView for the DNS tests and the embedded DNS (its thread and all) listening on loopback. */
import { execFile } from 'node:child_process';
import pino from 'pino';
import type { NetworkView, ViewEndpoint, ViewService } from '../../../proto/dispatcher-types.ts';
import { EmbeddedDns } from '../../../agent/dns/embedded-dns.ts';

export const NET_A = 'neta';
export const NET_B = 'netb';
export const WEB_TASKS = ['webtask1', 'webtask2', 'webtask3'];

function ep(
  taskId: string,
  serviceId: string,
  slot: number,
  networkId: string,
  addr: string,
  running = true,
  name = '',
): ViewEndpoint {
  return { taskId, serviceId, slot, name, nodeId: 'node1', networkId, addr: `${addr}/24`, running };
}

function svc(id: string, name: string, mode: 'vip' | 'dnsrr', vips: [string, string][] = []): ViewService {
  return {
    id,
    name,
    endpointMode: mode,
    virtualIps: vips.map(([networkId, addr]) => ({ networkId, addr: `${addr}/24` })),
    ports: [],
  };
}

/** `bigTasks` running tasks for `tasks.big` (10.0.1.100 on). */
export function testView(bigTasks = 60): NetworkView {
  const endpoints: ViewEndpoint[] = [
    ep('webtask1', 'sweb', 1, NET_A, '10.0.1.10'),
    ep('webtask2', 'sweb', 2, NET_A, '10.0.1.11'),
    ep('webtask3', 'sweb', 3, NET_A, '10.0.1.12'),
    ep('webtask4', 'sweb', 4, NET_A, '10.0.1.13', false),
    ep('rrtask1', 'srr', 1, NET_A, '10.0.1.20'),
    ep('rrtask2', 'srr', 2, NET_A, '10.0.1.21'),
    ep('rrtask3', 'srr', 3, NET_A, '10.0.1.22'),
    ep('othertask1', 'sother', 1, NET_B, '10.0.2.10'),
    ep('globaltask1', 'sglobal', 0, NET_A, '10.0.1.30'),
    ep('lonelytask', '', 0, NET_A, '10.0.1.40', true, 'lonely'),
  ];
  for (let i = 0; i < bigTasks; i++)
    endpoints.push(ep(`bigtask${i}`, 'sbig', i + 1, NET_A, `10.0.1.${100 + i}`));
  return {
    networks: [
      {
        id: NET_A,
        name: 'a',
        vni: 4097,
        subnet: '10.0.1.0/24',
        gateway: '10.0.1.1',
        attachable: true,
        ingress: false,
        internal: false,
        mtu: 1450,
      },
      {
        id: NET_B,
        name: 'b',
        vni: 4098,
        subnet: '10.0.2.0/24',
        gateway: '10.0.2.1',
        attachable: false,
        ingress: false,
        internal: false,
        mtu: 1450,
      },
    ],
    nodes: [{ id: 'node1', addr: '198.51.100.1', ingressAddr: '' }],
    services: [
      svc('sweb', 'web', 'vip', [[NET_A, '10.0.1.2']]),
      svc('srr', 'rr', 'dnsrr'),
      svc('sother', 'other', 'vip', [[NET_B, '10.0.2.2']]),
      svc('szero', 'zero', 'vip', [[NET_A, '10.0.1.3']]),
      svc('sglobal', 'global', 'vip', [[NET_A, '10.0.1.4']]),
      svc('sbig', 'big', 'vip', [[NET_A, '10.0.1.5']]),
      svc('sgone', 'gone', 'dnsrr'),
    ],
    endpoints,
    gatewaySubnet: '172.18.0.0/16',
  };
}

export const quietLog = pino({ level: 'silent' });

export interface LoopbackDns {
  dns: EmbeddedDns;
  port: number;
  /** The UDP path the resolver thread says it took when it started. */
  udpPath: UdpPath;
  close(): Promise<void>;
}

export type UdpPath = 'batch' | 'dgram';

/** A logger that keeps what the resolver thread says (info and up), and the UDP path it names. */
export function pathLog(): { log: pino.Logger; lines: string[]; udpPath(): UdpPath | undefined } {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const udpPath = (): UdpPath | undefined => {
    for (const l of lines) {
      if (l.includes('answering UDP in batches')) return 'batch';
      if (l.includes('answering UDP through dgram')) return 'dgram';
    }
    return undefined;
  };
  return { log, lines, udpPath };
}

/**
 * The embedded DNS on UDP and TCP 127.0.0.1 (one free port for both), 127.0.0.1 asking as a task on
 * `networks` (NET_A by default) would: the same thread, sockets and asker map as on a node.
 */
export async function startLoopbackDns(
  opts: {
    upstreams?: string[];
    upstreamTimeoutMs?: number;
    networks?: string[];
    view?: NetworkView;
    /** As EmbeddedDnsOptions.batch: unset, SHOAL_DNS_BATCH decides. */
    batch?: boolean;
  } = {},
): Promise<LoopbackDns> {
  const said = pathLog();
  const dns = await EmbeddedDns.start({
    upstreams: opts.upstreams ?? [],
    upstreamTimeoutMs: opts.upstreamTimeoutMs ?? 1000,
    log: said.log,
    ...(opts.batch === undefined ? {} : { batch: opts.batch }),
  });
  const udpPath = said.udpPath();
  if (udpPath === undefined) {
    await dns.close();
    throw new Error(`the resolver thread did not say which UDP path it takes: ${said.lines.join('')}`);
  }
  dns.setView(opts.view ?? testView());
  dns.setAskers(new Map([['127.0.0.1', opts.networks ?? [NET_A]]]));
  const port = await dns.listen('127.0.0.1', 0);
  await dns.synced();
  return { dns, port, udpPath, close: () => dns.close() };
}

/** Runs dig (a real client) and returns its stdout. */
export function dig(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('dig', ['+time=2', '+tries=1', ...args], { timeout: 10_000 }, (err, stdout) => {
      if (err && stdout === '') reject(err);
      else resolve(stdout);
    });
  });
}

export const status = (out: string): string | undefined => /status: (\w+)/.exec(out)?.[1];
export const answers = (out: string): string[] =>
  out
    .split('\n')
    .filter(l => /\sIN\s+A\s/.test(l) && !l.startsWith(';'))
    .map(l => l.trim().split(/\s+/).at(-1) ?? '');

/** A query built by hand: id 0x1234, RD, one question, optional OPT. */
export function query(name: string, qtype = 1, opt?: { size: number; version?: number }): Buffer {
  const labels = name === '' ? [] : name.split('.');
  const parts: Buffer[] = [Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, opt ? 1 : 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'latin1'));
  parts.push(Buffer.from([0, qtype >> 8, qtype & 0xff, 0, 1]));
  if (opt)
    parts.push(Buffer.from([0, 0, 41, opt.size >> 8, opt.size & 0xff, 0, opt.version ?? 0, 0, 0, 0, 0]));
  return Buffer.concat(parts);
}

/** xorshift32 from `seed`: a deterministic, cheap random source for the fuzz and differential tests. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}
