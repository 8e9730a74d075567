/**
 * The certificates in a real mutual-TLS handshake with node:tls on loopback, set up the way nodes talk:
 * the manager serves with its certificate and requires a client certificate from the root CA, clients
 * dial 127.0.0.1 with `servername: 'swarm-manager'` so the hostname check runs against the SAN.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { createRootCa, type RootCa } from '../../certs/index.ts';
import { issueNode, type IssuedNode } from './fixtures.ts';

/** What the server saw of an authenticated client; it writes this back as JSON, then ends. */
interface ServerView {
  readonly authorized: boolean;
  readonly cn: string;
  readonly ou: string;
  readonly o: string;
}

/** How a client connection ended. */
interface ClientResult {
  readonly secure: boolean;
  readonly authorized: boolean;
  readonly serverCertOu: string | undefined;
  readonly received: string;
  readonly error: (Error & { code?: string }) | undefined;
}

const TIMEOUT = { timeout: 10_000 };

let ca: RootCa;
let otherCa: RootCa;
let manager: IssuedNode;
let worker: IssuedNode;
let rogue: IssuedNode;
const servers: tls.Server[] = [];
const sockets = new Set<tls.TLSSocket>();

before(() => {
  ca = createRootCa();
  otherCa = createRootCa();
  manager = issueNode(ca, 'swarm-manager');
  worker = issueNode(ca, 'swarm-worker', { clusterId: manager.clusterId });
  // Same CN=swarm-ca issuer name, different key: only the signature tells it apart.
  rogue = issueNode(otherCa, 'swarm-worker');
});

// Runs even when a test fails, so no socket or server keeps the process alive.
after(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map(server => new Promise<void>(resolve => server.close(() => resolve()))));
});

/** Starts an mTLS server on 127.0.0.1 with an ephemeral port; it is closed in `after`. */
async function startServer(identity: IssuedNode): Promise<{ server: tls.Server; port: number }> {
  const server = tls.createServer({
    key: identity.keyPem,
    cert: identity.certPem,
    ca: ca.certPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  });
  servers.push(server);
  server.on('connection', socket => socket.on('error', () => {}));
  server.on('secureConnection', socket => {
    sockets.add(socket);
    socket.on('error', () => {});
    const peer = socket.getPeerCertificate();
    const view: ServerView = {
      authorized: socket.authorized,
      cn: String(peer.subject.CN),
      ou: String(peer.subject.OU),
      o: String(peer.subject.O),
    };
    socket.end(JSON.stringify(view));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

/** Dials the server as `client` (or with no certificate) and collects everything until the socket closes. */
function connect(port: number, client: IssuedNode | undefined): Promise<ClientResult> {
  return new Promise(resolve => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'swarm-manager',
      ca: ca.certPem,
      ...(client === undefined ? {} : { key: client.keyPem, cert: client.certPem }),
    });
    sockets.add(socket);
    let secure = false;
    let authorized = false;
    let serverCertOu: string | undefined;
    let received = '';
    let error: ClientResult['error'];
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => {
      secure = true;
      authorized = socket.authorized;
      serverCertOu = String(socket.getPeerCertificate().subject.OU);
    });
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', err => {
      error ??= err;
    });
    socket.on('close', () => {
      sockets.delete(socket);
      resolve({ secure, authorized, serverCertOu, received, error });
    });
  });
}

describe('mutual TLS with node certificates', () => {
  let port: number;
  let server: tls.Server;
  before(async () => {
    ({ server, port } = await startServer(manager));
  });

  test('a worker and a manager authenticate each other', TIMEOUT, async () => {
    const result = await connect(port, worker);
    assert.equal(result.error, undefined);
    assert.equal(result.secure, true);
    assert.equal(result.authorized, true, 'the client trusts the manager for servername swarm-manager');
    assert.equal(result.serverCertOu, 'swarm-manager');
    const view = JSON.parse(result.received) as ServerView;
    assert.deepEqual(view, { authorized: true, cn: worker.nodeId, ou: 'swarm-worker', o: worker.clusterId });
  });

  test('a client certificate from another CA is rejected', TIMEOUT, async () => {
    const refused = once(server, 'tlsClientError');
    const result = await connect(port, rogue);
    const [, serverSocket] = (await refused) as [Error, tls.TLSSocket];
    assert.equal(serverSocket.authorized, false);
    assert.match(
      String(serverSocket.authorizationError),
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_SIGNATURE_FAILURE/,
    );
    // Node checks the client certificate after the TLS 1.3 handshake and then just drops the socket: the
    // client saw 'secureConnect' and gets a plain close, so only the absence of any reply shows the refusal.
    assert.equal(result.received, '', 'the server never served the rogue client');
  });

  test('a client without a certificate is rejected', TIMEOUT, async () => {
    const refused = once(server, 'tlsClientError');
    const result = await connect(port, undefined);
    await refused;
    assert.equal(result.received, '');
    assert.ok(result.error);
  });

  test('a worker certificate cannot pose as a manager', TIMEOUT, async () => {
    const impostor = await startServer(worker);
    const result = await connect(impostor.port, manager);
    assert.equal(result.error?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(result.received, '');
  });
});
