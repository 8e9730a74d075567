/**
 * `npm start`'s way in from the host: the node's data plane lives in a namespace of its own, so the
 * routing mesh's published ports answer there, not on the host. As docker-proxy does for loopback, this
 * binds each published port on the host's 127.0.0.1 (a TCP listening socket or a UDP socket: no link,
 * address, route or nft rule of the host changes) and hands the socket to one small process living in
 * the node's namespace (loopback-proxy-child.mjs, entered with nsenter), which relays each connection,
 * or each UDP peer's datagrams, to the same port on 127.0.0.1 there. Ports follow what is published; the
 * process ends with this one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./loopback-proxy-child.mjs', import.meta.url));
/** A namespace name as iproute2 makes them; also keeps it from being read as an option. */
const NETNS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** A published port as Docker writes it: `8080/tcp`, `53/udp`. */
export type PublishedPort = `${number}/${'tcp' | 'udp'}`;

function parts(key: PublishedPort): { port: number; protocol: 'tcp' | 'udp' } {
  const [port, protocol] = key.split('/');
  return { port: Number(port), protocol: protocol === 'udp' ? 'udp' : 'tcp' };
}

/** How a port is named in what is printed: TCP ports bare, as before; UDP ones with their protocol. */
function shown(key: PublishedPort): string {
  const { port, protocol } = parts(key);
  return protocol === 'tcp' ? String(port) : key;
}

export class LoopbackProxy {
  private child: ChildProcess | undefined;
  /** Port → the service it is published for, as forwarded now. */
  private readonly forwarded = new Map<PublishedPort, string>();
  /** Ports the host refused (taken): said once, tried again only once unpublished and published anew. */
  private readonly refused = new Set<PublishedPort>();

  constructor(
    private readonly netns: string,
    private readonly say: (line: string) => void,
  ) {
    if (!NETNS_NAME.test(netns)) throw new Error(`bad namespace name ${JSON.stringify(netns.slice(0, 40))}`);
  }

  /** Makes the forwarded ports exactly `published` (port/protocol → service name). */
  async set(published: ReadonlyMap<PublishedPort, string>): Promise<void> {
    for (const [key, name] of this.forwarded) {
      if (published.has(key)) continue;
      this.forwarded.delete(key);
      this.child?.send({ kind: 'close', ...parts(key) });
      this.say(`127.0.0.1:${shown(key)} on this host no longer forwards (${name} unpublished it)`);
    }
    for (const key of this.refused) if (!published.has(key)) this.refused.delete(key);
    for (const [key, name] of published) {
      if (this.forwarded.has(key) || this.refused.has(key)) continue;
      const { port, protocol } = parts(key);
      const socket = await (protocol === 'tcp' ? listen(port) : bindUdp(port)).catch(
        (err: NodeJS.ErrnoException) => err,
      );
      if (socket instanceof Error) {
        this.refused.add(key);
        this.say(
          `published port ${shown(key)} (${name}): 127.0.0.1:${shown(key)} on this host is not free (${socket.code ?? socket.message}); not forwarded`,
        );
        continue;
      }
      await this.handOver(key, socket);
      this.forwarded.set(key, name);
      this.say(`published port ${shown(key)} (${name}) → 127.0.0.1:${shown(key)} on this host`);
    }
  }

  close(): void {
    this.child?.kill('SIGTERM');
    this.child = undefined;
    this.forwarded.clear();
  }

  private childProcess(): ChildProcess {
    if (this.child !== undefined && this.child.exitCode === null && this.child.connected) return this.child;
    const child = spawn('nsenter', [`--net=/run/netns/${this.netns}`, '--', process.execPath, CHILD], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('error', () => undefined);
    // A proxy that died takes its sockets with it: they are bound again on the next set().
    child.once('exit', () => {
      if (this.child === child) {
        this.child = undefined;
        this.forwarded.clear();
      }
    });
    this.child = child;
    return child;
  }

  /** Sends the socket to the child; this process closes its own copy once the child has it. */
  private handOver(key: PublishedPort, socket: net.Server | dgram.Socket): Promise<void> {
    const child = this.childProcess();
    const { port, protocol } = parts(key);
    return new Promise(resolve => {
      const done = (): void => {
        child.off('message', onMessage);
        child.off('exit', done);
        socket.close();
        resolve();
      };
      const onMessage = (m: unknown): void => {
        if (typeof m !== 'object' || m === null) return;
        const got = m as { port?: unknown; protocol?: unknown };
        if (got.port === port && got.protocol === protocol) done();
      };
      child.on('message', onMessage);
      child.once('exit', done);
      child.send({ kind: 'listen', port, protocol }, socket, err => {
        if (err) done();
      });
    });
  }
}

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind({ address: '127.0.0.1', port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}
