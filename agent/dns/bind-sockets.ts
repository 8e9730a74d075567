/**
 * The resolver's two sockets, UDP and TCP on one address and port. With the native addon
 * (native/udp-batch.c) both are made by it, in the node's network namespace when that is not this
 * process's own (`npm start`): the resolver thread steps into it with setns for the two socket() and
 * bind() calls and back, and UDP is the bare fd for the batch loop. Without the addon: bound here with
 * node's dgram and net when the namespace is our own (shoald in production, and in the lab), else by
 * bind-in-netns.mjs run once in that namespace, which hands them over. Runs in the resolver thread:
 * sockets belong to the thread that made (or received) them.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { UdpBatchAddon } from './native/udp-batch.ts';

export interface BoundSockets {
  /** A dgram socket, or (native) the UDP socket's fd for the batch loop. */
  udp: dgram.Socket | { fd: number };
  tcp: net.Server;
  port: number;
}

const HELPER = fileURLToPath(new URL('./bind-in-netns.mjs', import.meta.url));
/** A namespace name as iproute2 makes them; also keeps it from being read as an option. */
const NETNS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** Room for a burst of queries (every task of a scale-up resolving at once) while the thread is busy. */
const UDP_BUFFER = 4 << 20;
const BIND_ATTEMPTS = 20;
const TCP_BACKLOG = 511;

/**
 * Binds UDP and TCP on addr:port (port 0: any free port, the same for both), in `netns` when given;
 * through the addon when there is one.
 */
export function bindSockets(
  addr: string,
  port: number,
  netns: string | undefined,
  timeoutMs: number,
  addon: UdpBatchAddon | null,
): Promise<BoundSockets> {
  if (netns !== undefined && !NETNS_NAME.test(netns))
    return Promise.reject(new Error(`bad network namespace name ${JSON.stringify(netns)}`));
  if (addon !== null) return bindNative(addon, addr, port, netns);
  return netns === undefined ? bindHere(addr, port) : bindIn(netns, addr, port, timeoutMs);
}

async function bindNative(
  addon: UdpBatchAddon,
  addr: string,
  port: number,
  netns: string | undefined,
): Promise<BoundSockets> {
  // Where `ip netns add` keeps the namespace (the name is checked above: no path of the caller's).
  const path = netns === undefined ? null : `/run/netns/${netns}`;
  for (let left = BIND_ATTEMPTS; ; left--) {
    const udp = nativeBind(() => addon.bindUdp(addr, port, path));
    let tcpFd: number;
    try {
      tcpFd = nativeBind(() => addon.bindTcpListen(addr, udp.port, path, TCP_BACKLOG));
    } catch (err) {
      addon.closeFd(udp.fd);
      // Any free port for UDP may be taken for TCP: try another.
      if (port !== 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || left <= 1) throw err;
      continue;
    }
    const tcp = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ fd: tcpFd, backlog: TCP_BACKLOG }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      addon.closeFd(udp.fd);
      tcp.close();
      throw err;
    }
    return { udp: { fd: udp.fd }, tcp, port: udp.port };
  }
}

/**
 * One native bind. A thread the addon could not bring back to its own namespace would forward and
 * bind from the wrong one from then on: it is ended (uncaught), and the agent starts a new one.
 */
function nativeBind<T>(bind: () => T): T {
  try {
    return bind();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENETNS_STUCK') {
      process.nextTick(() => {
        throw err;
      });
    }
    throw err;
  }
}

async function bindHere(addr: string, port: number): Promise<BoundSockets> {
  for (let left = BIND_ATTEMPTS; ; left--) {
    const udp = dgram.createSocket({ type: 'udp4', recvBufferSize: UDP_BUFFER, sendBufferSize: UDP_BUFFER });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: addr, port, exclusive: true }, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const bound = udp.address().port;
    const tcp = net.createServer();
    const err = await new Promise<NodeJS.ErrnoException | undefined>(resolve => {
      tcp.once('error', resolve);
      tcp.listen({ host: addr, port: bound, backlog: TCP_BACKLOG, exclusive: true }, () => {
        tcp.off('error', resolve);
        resolve(undefined);
      });
    });
    if (err === undefined) return { udp, tcp, port: bound };
    udp.close();
    // Any free port for UDP may be taken for TCP: try another.
    if (port !== 0 || err.code !== 'EADDRINUSE' || left <= 1) throw err;
  }
}

function bindIn(netns: string, addr: string, port: number, timeoutMs: number): Promise<BoundSockets> {
  return new Promise((resolve, reject) => {
    // NODE_OPTIONS could carry a loader (tsx) that the helper neither needs nor should pay for.
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, HELPER, addr, String(port)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      if (stderr.length < 2000) stderr += b.toString();
    });
    let udp: dgram.Socket | undefined;
    let tcp: net.Server | undefined;
    let bound = 0;
    let settled = false;
    const finish = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err === null && udp !== undefined && tcp !== undefined) {
        udp.setRecvBufferSize(UDP_BUFFER);
        udp.setSendBufferSize(UDP_BUFFER);
        resolve({ udp, tcp, port: bound });
        return;
      }
      udp?.close();
      tcp?.close();
      udp = undefined;
      tcp = undefined;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(err ?? new Error(`cannot bind ${addr}:${port} in ${netns}`));
    };
    const timer = setTimeout(
      () => finish(new Error(`binding ${addr}:${port} in ${netns} took over ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.on('message', (msg: unknown, handle: unknown) => {
      if (settled) {
        // A socket that arrives after we gave up must not hold the address.
        if (handle instanceof dgram.Socket || handle instanceof net.Server) handle.close();
        return;
      }
      const m = typeof msg === 'object' && msg !== null ? (msg as { kind?: unknown; port?: unknown }) : {};
      if (m.kind === 'udp' && handle instanceof dgram.Socket) udp = handle;
      else if (m.kind === 'tcp' && handle instanceof net.Server) tcp = handle;
      else if (m.kind === 'error') {
        const text = (msg as { message?: unknown }).message;
        return finish(new Error(`cannot bind ${addr}:${port} in ${netns}: ${String(text)}`));
      }
      if (typeof m.port === 'number') bound = m.port;
      if (udp !== undefined && tcp !== undefined) finish(null);
    });
    child.on('error', err => finish(err));
    child.on('exit', code => {
      if (code !== 0) finish(new Error(`binding in ${netns} failed (exit ${code}): ${stderr.trim()}`));
    });
  });
}
