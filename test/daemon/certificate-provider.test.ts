/**
 * The manager's certificate provider on its own: after `update`, a new connection to a server built
 * on it presents the new certificate, a new connection from a client built on it presents the new
 * client certificate, connections already open keep working on the old ones, and a certificate that
 * does not fit its key is refused without changing what is served.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { createRootCa, readIdentity } from '../../certs/index.ts';
import { NodeCertificateProvider } from '../../server/ca/certificate-provider.ts';
import { issueNode } from '../certs/fixtures.ts';

const ca = createRootCa();
const [server1, server2, client1, client2] = [
  issueNode(ca, 'swarm-manager'),
  issueNode(ca, 'swarm-manager'),
  issueNode(ca, 'swarm-worker'),
  issueNode(ca, 'swarm-worker'),
];
const serial = (certPem: string): string => readIdentity(certPem).serial;

const raw = (b: Buffer): Buffer => b;
/** One method that answers with the serial of the caller's certificate. */
const peerService: grpc.ServiceDefinition = {
  Peer: {
    path: '/test.Certs/Peer',
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  },
};

const serverCerts = new NodeCertificateProvider(ca.certPem, server1.certPem, server1.keyPem);
const server = new grpc.Server();
let port = 0;
const clients: grpc.Client[] = [];

before(async () => {
  server.addService(peerService, {
    Peer: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const cert = call.getAuthContext().sslPeerCertificate;
      cb(null, Buffer.from(cert?.serialNumber.toLowerCase() ?? ''));
    },
  });
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', serverCerts.serverCredentials(), (err, p) =>
      err === null ? resolve(p) : reject(err),
    ),
  );
});
after(() => {
  for (const c of clients) c.close();
  server.forceShutdown();
});

/** A client with its own connection (not one shared from grpc-js' subchannel pool). */
function client(creds: grpc.ChannelCredentials): grpc.Client {
  const c = new grpc.Client(`127.0.0.1:${port}`, creds, {
    'grpc.ssl_target_name_override': 'swarm-manager',
    'grpc.use_local_subchannel_pool': 1,
  });
  clients.push(c);
  return c;
}

/** The serial of the client certificate the server saw on `c`'s connection. */
function callerSerial(c: grpc.Client): Promise<string> {
  return new Promise((resolve, reject) =>
    c.makeUnaryRequest(
      '/test.Certs/Peer',
      raw,
      raw,
      Buffer.alloc(0),
      { deadline: Date.now() + 5000 },
      (err, res) => (err === null && res !== undefined ? resolve(res.toString()) : reject(err)),
    ),
  );
}

/** The serial of the certificate the server presents on a new connection. */
function servedSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
      const sn = s.getPeerCertificate().serialNumber.toLowerCase();
      s.destroy();
      resolve(sn);
    });
    s.on('error', reject);
  });
}

test('update: new connections use the new certificates, open ones keep working', async () => {
  const clientCerts = new NodeCertificateProvider(ca.certPem, client1.certPem, client1.keyPem);
  const creds = clientCerts.clientCredentials();
  const early = client(creds);
  assert.equal(await callerSerial(early), serial(client1.certPem));
  assert.equal(await servedSerial(), serial(server1.certPem));

  clientCerts.update(client2.certPem, client2.keyPem);
  serverCerts.update(server2.certPem, server2.keyPem);

  assert.equal(await servedSerial(), serial(server2.certPem));
  // The same credentials object: what a manager's Raft transport and forwarder hold on to.
  assert.equal(await callerSerial(client(creds)), serial(client2.certPem));
  assert.equal(await callerSerial(early), serial(client1.certPem), 'the open connection stays as it was');
});

test('update refuses a certificate that does not fit its key, and keeps serving the old one', async () => {
  const served = await servedSerial();
  assert.throws(() => serverCerts.update(client1.certPem, client2.keyPem));
  assert.equal(await servedSerial(), served);
});
