/**
 * `npm start`: a working single-node cluster on loopback, its data in ./.shoal (an embedded LevelDB),
 * and what to try next. Restarting it resumes the same cluster.
 */
import * as grpc from '@grpc/grpc-js';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { clientOf, loadShoalPackage, TRUSTED_PEER_CHANNEL, unaryCall } from '../proto/load.ts';
import { Daemon } from '../node/daemon.ts';
import { lifecycle } from './lifecycle.ts';
import { LoopbackProxy, type PublishedPort } from './loopback-proxy.ts';
import { cannotRunTasks } from '../agent/node-runtime.ts';
import type { WireService } from '../proto/control-types.ts';
import { isDataDirError } from '../node/data-dir-errors.ts';
import { messageOf } from '../lib/message-of.ts';

const dataDir = resolve(process.env.SHOAL_DATA_DIR ?? '.shoal');
const socketPath = resolve(dataDir, 'shoald.sock');
const listenAddr = process.env.SHOAL_LISTEN_ADDR ?? '127.0.0.1:2377';
/** The network namespace the node's data plane lives in (and the prefix of those it makes). */
const netns = process.env.SHOAL_NETNS ?? 'shoal';
const log = pino({ level: process.env.SHOAL_LOG_LEVEL ?? 'warn' });

async function call<T>(method: string, req: object, service: 'Swarm' | 'Control' = 'Swarm'): Promise<T> {
  const Client = clientOf(loadShoalPackage('control.proto'), service);
  const c = new Client(`unix:${socketPath}`, grpc.credentials.createInsecure(), TRUSTED_PEER_CHANNEL);
  try {
    return await unaryCall<T>(c, method, req);
  } catch (err) {
    throw new Error((err as grpc.ServiceError).details);
  } finally {
    c.close();
  }
}

/** `s` as one shell word, so that a printed command works pasted as it is. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The routing mesh's ports, asked of the manager once a second, forwarded to the host's loopback. */
function forwardPublishedPorts(proxy: LoopbackProxy): void {
  let busy = false;
  const poll = async (): Promise<void> => {
    const { services } = await call<{ services: WireService[] }>(
      'ListServices',
      { filters: null },
      'Control',
    );
    const published = new Map<PublishedPort, string>();
    for (const s of services) {
      for (const p of s.endpoint?.ports ?? []) {
        const protocol =
          p.protocol === 'udp' ? 'udp' : p.protocol === '' || p.protocol === 'tcp' ? 'tcp' : '';
        const mesh = p.publishMode === '' || p.publishMode === 'ingress';
        if (protocol !== '' && mesh && p.publishedPort > 0)
          published.set(`${p.publishedPort}/${protocol}`, s.spec.name);
      }
    }
    await proxy.set(published);
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    poll()
      .catch(err => log.debug({ err }, 'published ports: not read this time'))
      .finally(() => (busy = false));
  }, 1000);
  timer.unref();
}

const life = lifecycle('shoal');

try {
  // Run as root, the node's whole data plane lives in a namespace of its own: the host's network is
  // never changed. Without root the manager runs and the agent says it needs CAP_NET_ADMIN.
  const daemon = await Daemon.start({
    dataDir,
    socketPath,
    hostname: hostname(),
    log,
    executor: 'process',
    runtime: { nodeNetns: netns, netnsPrefix: netns, destroyOnStop: true },
    onFatal: err => life.fatal(err),
  });
  life.started(daemon);
  let worker: string;
  let addr: string;
  if (!daemon.isActive) {
    const init = await call<{ nodeId: string; workerToken: string; addr: string }>('Init', {
      listenAddr,
      advertiseAddr: '',
    });
    console.log(`Swarm initialized: current node (${init.nodeId}) is now a manager.`);
    worker = init.workerToken;
    addr = init.addr;
  } else {
    const info = await call<{ nodeId: string; addr: string }>('Info', {});
    console.log(`Swarm resumed from ${dataDir}: current node (${info.nodeId}) is a manager.`);
    const { cluster } = await call<{ cluster: { workerToken: string } }>('GetCluster', {}, 'Control');
    worker = cluster.workerToken;
    addr = info.addr;
  }
  console.log(`
Data: ${dataDir} (LevelDB Raft log, certificates). Manager port: ${addr} (gRPC over mutual TLS).

To add a worker to this swarm, run the following command where its shoald runs:

    npx shoal swarm join --token ${worker} ${addr}

Try, in another shell in this checkout:

    export SHOAL_SOCKET=${shellWord(socketPath)}
    npx shoal node ls
    npx shoal network create -d overlay test
    npx shoal service create --name web --replicas 2 --network test -- sleep 1000
    npx shoal service ps web
    npx shoal exec web.1 -- dig +short tasks.web

Stop with Ctrl-C; \`npm start\` again resumes the same cluster.`);
  if (cannotRunTasks() === undefined) {
    console.log(
      `Ports published through the routing mesh (-p PORT:TARGET) answer on this host's 127.0.0.1:PORT while it runs.`,
    );
    forwardPublishedPorts(new LoopbackProxy(netns, line => console.log(line)));
  }
} catch (err) {
  const known = isDataDirError(err);
  process.stderr.write(`shoal: ${messageOf(err)}\n`);
  if (!known && err instanceof Error && /EADDRINUSE|address already in use/i.test(err.message)) {
    process.stderr.write(`shoal: ${listenAddr} is taken; set SHOAL_LISTEN_ADDR to another host:port\n`);
  }
  process.exit(1);
}
