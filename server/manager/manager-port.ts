/**
 * The manager port: our listening socket and our TLS in front of grpc-js' HTTP/2 server, so that
 * every connection can be closed and none can hold a slot before it speaks. grpc-js hides the
 * connections it accepts (bindAsync) and the TLS and HTTP/2 events of those it is handed (its
 * connection injector builds its own http2 server, not exposed), so it cannot tell us when a
 * connection became a live HTTP/2 session. So the port accepts TCP itself, runs the TLS handshake
 * on a tls.Server of its own (Node verifies the client certificate there, as it would in grpc-js'),
 * reads the client's HTTP/2 preface (the magic and a SETTINGS frame) off the TLS socket, puts those
 * bytes back, and only then hands the socket to grpc-js, whose HTTP/2 session reads them first
 * (Node replays what a socket has buffered) and still takes the peer's certificate from the socket.
 *
 * A connection has `handshakeTimeoutMs` to get there and is destroyed otherwise; at most
 * `maxHandshakes` are on their way at once, and further ones are closed as soon as they are accepted.
 * Stopping destroys every connection, those on their way included: grpc-js' forceShutdown closes
 * only the sessions it knows of.
 */
import * as grpc from '@grpc/grpc-js';
import { constants as cryptoConstants } from 'node:crypto';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';

export interface ManagerPortOptions {
  /** How long a new connection has for its TLS handshake and HTTP/2 preface. @default 10 s */
  handshakeTimeoutMs?: number;
  /** Connections on their way at once; further ones are closed at once. @default 256 */
  maxHandshakes?: number;
}

/** What a client sends first on HTTP/2 (RFC 9113 §3.4), before its SETTINGS frame. */
const MAGIC = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const FRAME_HEADER_BYTES = 9;
const SETTINGS = 0x4;
const ACK = 0x1;
/** The largest frame payload before the peers agree on more (SETTINGS_MAX_FRAME_SIZE's initial value). */
const MAX_INITIAL_FRAME_BYTES = 16_384;

/**
 * How many bytes the client preface at the start of `b` takes: 0 = not all there yet, -1 = `b`
 * does not start with one.
 */
function prefaceLength(b: Buffer): number {
  const head = MAGIC.length + FRAME_HEADER_BYTES;
  if (b.length < head) return 0;
  if (!b.subarray(0, MAGIC.length).equals(MAGIC)) return -1;
  const length = b.readUIntBE(MAGIC.length, 3);
  const type = b[MAGIC.length + 3];
  const flags = b[MAGIC.length + 4] ?? 0;
  const stream = b.readUInt32BE(MAGIC.length + 5) & 0x7fffffff;
  if (type !== SETTINGS || (flags & ACK) !== 0 || stream !== 0) return -1;
  if (length % 6 !== 0 || length > MAX_INITIAL_FRAME_BYTES) return -1;
  return b.length >= head + length ? head + length : 0;
}

/** Reads the client preface off `s`; `done` gets every byte read (the preface and any after it), or undefined. */
function readPreface(s: TLSSocket, done: (bytes: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let length = 0;
  const onData = (chunk: Buffer): void => {
    chunks.push(chunk);
    length += chunk.length;
    // One copy per check, and a check only once a length it waits for is there: a client that
    // trickles bytes costs no more than one that sends them at once.
    if (length < MAGIC.length + FRAME_HEADER_BYTES) return;
    const bytes = Buffer.concat(chunks.splice(0), length);
    chunks.push(bytes);
    const n = prefaceLength(bytes);
    if (n === 0) return;
    s.off('data', onData);
    s.pause();
    done(n < 0 ? undefined : bytes);
  };
  s.on('data', onData);
}

/** A connection by its two ends; its TLS socket, on the same TCP handle, reports the same. */
function endpoints(s: Socket): string | undefined {
  const { remoteAddress, remotePort, localAddress, localPort } = s;
  if (remoteAddress === undefined || remotePort === undefined) return undefined;
  return `${remoteAddress}:${remotePort}>${localAddress ?? ''}:${localPort ?? ''}`;
}

const ignore = (): void => undefined;

export class ManagerPort {
  /** Every accepted connection until it closes, whatever became of it. */
  private readonly sockets = new Set<Socket>();
  /** Connections on their way (TLS handshake, HTTP/2 preface), by `endpoints`, with their deadline. */
  private readonly pending = new Map<string, { socket: Socket; deadline: NodeJS.Timeout }>();
  private readonly listener: NetServer;
  private readonly tls: TlsServer;
  private readonly injector: grpc.ConnectionInjector;
  private readonly timeoutMs: number;
  private readonly maxHandshakes: number;
  private ca: Buffer | undefined;
  private identity: grpc.experimental.IdentityCertificateUpdate | undefined;
  private closed = false;
  private bound = 0;

  private constructor(
    server: grpc.Server,
    private readonly certs: grpc.experimental.CertificateProvider,
    o: ManagerPortOptions,
  ) {
    this.timeoutMs = o.handshakeTimeoutMs ?? 10_000;
    this.maxHandshakes = o.maxHandshakes ?? 256;
    if (!(this.timeoutMs > 0) || !Number.isSafeInteger(this.maxHandshakes) || this.maxHandshakes < 1) {
      throw new Error(
        `manager port: the handshake timeout and the handshake cap must be positive, got ${this.timeoutMs} ms and ${this.maxHandshakes}`,
      );
    }
    // The TLS is ours (above): grpc-js gets sockets already secured, and reads their peer certificate.
    this.injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    // What grpc-js' certificate-provider credentials ask of a connection: a client certificate of the
    // cluster's CA if there is one (it decides the caller's role), none needed (the CA bootstrap calls).
    this.tls = createTlsServer({
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
      handshakeTimeout: this.timeoutMs,
      // HTTP/2 forbids it (RFC 9113 §9.2.1), and a connection's peer certificate is read once.
      secureOptions: cryptoConstants.SSL_OP_NO_RENEGOTIATION,
    });
    this.tls.on('tlsClientError', (_err, s) => s.destroy());
    this.tls.on('secureConnection', (s: TLSSocket) => this.secured(s));
    certs.addCaCertificateListener(this.onCa);
    certs.addIdentityCertificateListener(this.onIdentity);
    // TCP_NODELAY, as on the sockets grpc-js' own listener accepts: Raft's small writes must not wait.
    this.listener = createServer({ noDelay: true }, socket => this.accepted(socket));
  }

  /** Listens on `addr` (host:port, an IPv6 host in brackets) for `server`, with the certificates of `certs`. */
  static async listen(
    server: grpc.Server,
    certs: grpc.experimental.CertificateProvider,
    addr: string,
    o: ManagerPortOptions = {},
  ): Promise<ManagerPort> {
    const colon = addr.lastIndexOf(':');
    const host = addr.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const port = Number(addr.slice(colon + 1));
    if (colon < 0 || addr.slice(colon + 1) === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`not a host:port address: "${addr}"`);
    }
    const p = new ManagerPort(server, certs, o);
    try {
      await new Promise<void>((resolve, reject) => {
        p.listener.once('error', reject);
        p.listener.listen({ host: host === '' ? undefined : host, port }, () => {
          p.listener.off('error', reject);
          const a = p.listener.address();
          p.bound = typeof a === 'object' && a !== null ? a.port : port;
          resolve();
        });
      });
    } catch (err) {
      p.destroyConnections();
      throw err;
    }
    return p;
  }

  /** The port bound (the one chosen, when `addr` asked for port 0). */
  get port(): number {
    return this.bound;
  }

  /** Connections on their way now (tests watch the cap with it). */
  get handshaking(): number {
    return this.pending.size;
  }

  /** No new connections; the open ones stay, and none on its way becomes a session any more. */
  stopListening(): void {
    this.closed = true;
    this.listener.close();
  }

  /** Closes every connection: sessions, and connections grpc-js has not been handed yet. */
  destroyConnections(): void {
    this.closed = true;
    this.certs.removeCaCertificateListener(this.onCa);
    this.certs.removeIdentityCertificateListener(this.onIdentity);
    for (const { deadline } of this.pending.values()) clearTimeout(deadline);
    this.pending.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  // The provider says each certificate once at first, a moment after we listen, and again on renewal.
  private readonly onCa = (u: grpc.experimental.CaCertificateUpdate | null): void => {
    this.ca = u?.caCertificate;
    this.useCertificates();
  };
  private readonly onIdentity = (u: grpc.experimental.IdentityCertificateUpdate | null): void => {
    this.identity = u ?? undefined;
    this.useCertificates();
  };
  /** New handshakes use the current certificates; connections already made keep theirs. */
  private useCertificates(): void {
    if (this.ca === undefined || this.identity === undefined) return;
    this.tls.setSecureContext({
      ca: this.ca,
      cert: this.identity.certificate,
      key: this.identity.privateKey,
    });
  }

  private accepted(socket: Socket): void {
    const key = endpoints(socket);
    const ready = this.ca !== undefined && this.identity !== undefined;
    if (this.closed || !ready || key === undefined || this.pending.size >= this.maxHandshakes) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    const deadline = setTimeout(() => socket.destroy(), this.timeoutMs).unref();
    this.pending.set(key, { socket, deadline });
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.arrived(key, socket);
    });
    this.tls.emit('connection', socket);
  }

  /** `socket` is no longer on its way (it arrived, or it closed). */
  private arrived(key: string, socket: Socket): void {
    const p = this.pending.get(key);
    if (p?.socket !== socket) return;
    clearTimeout(p.deadline);
    this.pending.delete(key);
  }

  /** The TLS handshake is done: the HTTP/2 preface is next, then grpc-js. */
  private secured(s: TLSSocket): void {
    // Until grpc-js' session listens, errors are ours to hear; the socket closes on them anyway.
    s.on('error', ignore);
    const key = endpoints(s);
    const p = key === undefined ? undefined : this.pending.get(key);
    if (key === undefined || p === undefined) {
      s.destroy(); // its deadline came, or the port stopped
      return;
    }
    // What grpc-js' HTTP/2 server would refuse as well: a client that did not ask for HTTP/2.
    if (s.alpnProtocol !== 'h2') {
      p.socket.destroy();
      return;
    }
    readPreface(s, bytes => {
      if (bytes === undefined || this.closed || p.socket.destroyed) {
        p.socket.destroy();
        return;
      }
      this.arrived(key, p.socket);
      s.unshift(bytes);
      memoizePeerCertificate(s);
      this.injector.injectConnection(s);
    });
  }
}

/**
 * grpc-js asks the socket for the peer's certificate on every call (our authorization and `callerOf` each
 * read it), and Node builds a new object from the X509 each time: a tenth of a leader's time with a
 * thousand nodes heartbeating. A connection's peer certificate never changes (the port refuses renegotiation),
 * so the socket answers with the one read once.
 */
function memoizePeerCertificate(s: TLSSocket): void {
  const read = s.getPeerCertificate.bind(s);
  const plain = read();
  s.getPeerCertificate = ((detailed?: boolean) =>
    detailed === true ? read(true) : plain) as TLSSocket['getPeerCertificate'];
}
