/**
 * `npm start`'s way in from the host: the node's data plane lives in a namespace of its own, so the
 * routing mesh's published ports answer there, not on the host. As docker-proxy does for loopback, this
 * binds each published TCP port on the host's 127.0.0.1 (a listening socket: no link, address, route or
 * nft rule of the host changes) and hands the socket to one small process living in the node's
 * namespace (loopback-proxy-child.mjs, entered with nsenter), which pipes each connection to the same
 * port on 127.0.0.1 there. Ports follow what is published; the process ends with this one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./loopback-proxy-child.mjs', import.meta.url));
/** A namespace name as iproute2 makes them; also keeps it from being read as an option. */
const NETNS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export class LoopbackProxy {
  private child: ChildProcess | undefined;
  /** Port → the service it is published for, as forwarded now. */
  private readonly forwarded = new Map<number, string>();
  /** Ports the host refused (taken): said once, tried again only once unpublished and published anew. */
  private readonly refused = new Set<number>();

  constructor(
    private readonly netns: string,
    private readonly say: (line: string) => void,
  ) {
    if (!NETNS_NAME.test(netns)) throw new Error(`bad namespace name ${JSON.stringify(netns.slice(0, 40))}`);
  }

  /** Makes the forwarded ports exactly `published` (port → service name). */
  async set(published: ReadonlyMap<number, string>): Promise<void> {
    for (const [port, name] of this.forwarded) {
      if (published.has(port)) continue;
      this.forwarded.delete(port);
      this.child?.send({ kind: 'close', port });
      this.say(`127.0.0.1:${port} on this host no longer forwards (${name} unpublished it)`);
    }
    for (const port of this.refused) if (!published.has(port)) this.refused.delete(port);
    for (const [port, name] of published) {
      if (this.forwarded.has(port) || this.refused.has(port)) continue;
      const server = await listen(port).catch((err: NodeJS.ErrnoException) => err);
      if (server instanceof Error) {
        this.refused.add(port);
        this.say(
          `published port ${port} (${name}): 127.0.0.1:${port} on this host is not free (${server.code ?? server.message}); not forwarded`,
        );
        continue;
      }
      await this.handOver(port, server);
      this.forwarded.set(port, name);
      this.say(`published port ${port} (${name}) → 127.0.0.1:${port} on this host`);
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

  /** Sends the listening socket to the child; this process closes its own copy once the child has it. */
  private handOver(port: number, server: net.Server): Promise<void> {
    const child = this.childProcess();
    return new Promise(resolve => {
      const done = (): void => {
        child.off('message', onMessage);
        child.off('exit', done);
        server.close();
        resolve();
      };
      const onMessage = (m: unknown): void => {
        if (typeof m === 'object' && m !== null && (m as { port?: unknown }).port === port) done();
      };
      child.on('message', onMessage);
      child.once('exit', done);
      child.send({ kind: 'listen', port }, server, err => {
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
