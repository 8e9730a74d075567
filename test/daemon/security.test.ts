/**
 * The manager port's access control, from outside: one single-manager cluster on loopback, and callers
 * holding certificates minted for each case (worker, manager, none, another CA, expired, another
 * cluster, a removed node). The method → roles table is walked, so a manager-only RPC added later is
 * covered without touching this file. Then the join tokens: malformed, wrong secret, rotation.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createCsr,
  createNodeKey,
  createRootCa,
  randomNodeId,
  readIdentity,
  signNodeCertificate,
  type NodeRole,
  type RootCa,
} from '../../certs/index.ts';
import { clientOf, loadShoalPackage, unaryCall } from '../../proto/load.ts';
import { METHOD_ROLES } from '../../server/ca/authorize.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { findClusters } from '../../server/store/index.ts';
import { freePort, harness, rootCaOf, type Call } from './helpers.ts';

const caPkg = loadShoalPackage('ca.proto');
const h = harness('shoal-security-');
const grpcClients: grpc.Client[] = [];
after(async () => {
  for (const c of grpcClients.splice(0)) c.close();
  await h.cleanup();
});

/** How each served method streams, from the .proto files (the table itself only names paths). */
type Kind = 'unary' | 'client-stream' | 'server-stream' | 'bidi';
const KINDS = new Map<string, Kind>();
const protoDir = fileURLToPath(new URL('../../proto/', import.meta.url));
for (const file of readdirSync(protoDir).filter(f => f.endsWith('.proto'))) {
  for (const v of Object.values(loadShoalPackage(file))) {
    if (typeof v !== 'function' || !('service' in v)) continue;
    for (const m of Object.values(v.service)) {
      const kind: Kind = m.requestStream
        ? m.responseStream
          ? 'bidi'
          : 'client-stream'
        : m.responseStream
          ? 'server-stream'
          : 'unary';
      KINDS.set(m.path, kind);
    }
  }
}

/** Every method a client certificate is needed for, and the ones a worker may not call. */
const CERT_METHODS = Object.entries(METHOD_ROLES)
  .filter(([, roles]) => roles !== 'any')
  .map(([path]) => path);
const MANAGER_ONLY = Object.entries(METHOD_ROLES)
  .filter(([, roles]) => roles !== 'any' && !roles.includes('swarm-worker'))
  .map(([path]) => path);

let port = 0;
let caPem = '';
let clusterCa: RootCa;
let clusterId = '';
let control: Call;

before(async () => {
  const d = await h.daemon('m1');
  port = await freePort();
  await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  control = h.client('m1', 'Control');
  const dataDir = join(h.root, 'm1');
  caPem = readFileSync(join(dataDir, 'certificates', 'swarm-root-ca.crt'), 'utf8');
  clusterId = (
    JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as { identity: { clusterId: string } }
  ).identity.clusterId;
  // The CA key lives only in the replicated cluster object, sealed under the KEK in the managers'
  // folders; a test may reach into both for it.
  const manager = (d as unknown as { manager: Manager }).manager;
  const cluster = manager.store.view(tx => findClusters(tx))[0];
  assert.ok(cluster, 'the cluster object exists after init');
  assert.equal(cluster.rootCa.certPem, caPem);
  clusterCa = rootCaOf(dataDir, cluster);
});

interface Identity {
  keyPem: string;
  certPem: string;
  nodeId: string;
}

function mint(
  role: NodeRole,
  o: { ca?: RootCa; clusterId?: string; now?: Date; validityMs?: number } = {},
): Identity {
  const { keyPem } = createNodeKey();
  const nodeId = randomNodeId();
  const certPem = signNodeCertificate({
    csrPem: createCsr(keyPem),
    ca: o.ca ?? clusterCa,
    nodeId,
    role,
    clusterId: o.clusterId ?? clusterId,
    ...(o.now === undefined ? {} : { now: o.now }),
    ...(o.validityMs === undefined ? {} : { validityMs: o.validityMs }),
  });
  return { keyPem, certPem, nodeId };
}

/** A channel to the manager port that trusts the cluster's CA and presents `id`, if given. */
function managerChannel(id?: Identity): grpc.Client {
  const ca = Buffer.from(caPem);
  const creds =
    id === undefined
      ? grpc.credentials.createSsl(ca)
      : grpc.credentials.createSsl(ca, Buffer.from(id.keyPem), Buffer.from(id.certPem));
  const c = new grpc.Client(`127.0.0.1:${port}`, creds, {
    'grpc.ssl_target_name_override': 'swarm-manager',
    // Each identity gets its own connection: nothing is shared between the cases.
    'grpc.use_local_subchannel_pool': 1,
  });
  grpcClients.push(c);
  return c;
}

interface Outcome {
  code: grpc.status;
  details: string;
}

/** Calls `path` with an empty message (or an empty, ended stream) and reports the final status. */
function rawCall(client: grpc.Client, path: string): Promise<Outcome> {
  const serialize = (): Buffer => Buffer.alloc(0);
  const deserialize = (b: Buffer): Buffer => b;
  const md = new grpc.Metadata();
  const options: grpc.CallOptions = { deadline: Date.now() + 10_000 };
  const ignore = (): void => undefined;
  return new Promise(resolve => {
    const done = (s: grpc.StatusObject): void => resolve({ code: s.code, details: s.details });
    switch (KINDS.get(path) ?? 'unary') {
      case 'unary':
        client.makeUnaryRequest(path, serialize, deserialize, {}, md, options, ignore).on('status', done);
        return;
      case 'client-stream': {
        const call = client.makeClientStreamRequest(path, serialize, deserialize, md, options, ignore);
        call.on('status', done);
        call.end();
        return;
      }
      case 'server-stream': {
        const call = client.makeServerStreamRequest(path, serialize, deserialize, {}, md, options);
        call.on('data', ignore).on('error', ignore).on('status', done);
        return;
      }
      case 'bidi': {
        const call = client.makeBidiStreamRequest(path, serialize, deserialize, md, options);
        call.on('data', ignore).on('error', ignore).on('status', done);
        call.end();
        return;
      }
    }
  });
}

/** One typed unary call on the manager port (proto-encoded, unlike rawCall). */
function tcpCall(
  service: 'CA' | 'NodeCA',
  method: string,
  req: object,
  id?: Identity,
): Promise<Record<string, unknown>> {
  const Client = clientOf(caPkg, service);
  const ca = Buffer.from(caPem);
  const creds =
    id === undefined
      ? grpc.credentials.createSsl(ca)
      : grpc.credentials.createSsl(ca, Buffer.from(id.keyPem), Buffer.from(id.certPem));
  const c = new Client(`127.0.0.1:${port}`, creds, { 'grpc.ssl_target_name_override': 'swarm-manager' });
  grpcClients.push(c);
  return unaryCall(c, method, req, { deadline: Date.now() + 10_000 });
}

/** Walks `paths` with one identity; returns the methods whose status broke `expect`, for one message. */
async function walk(
  paths: readonly string[],
  client: grpc.Client,
  expect: (o: Outcome) => boolean,
): Promise<string[]> {
  const wrong: string[] = [];
  for (const path of paths) {
    const o = await rawCall(client, path);
    if (!expect(o)) wrong.push(`${path}: ${grpc.status[o.code]} ${o.details}`);
  }
  return wrong;
}

test('the method table names served methods, and some of them are manager-only', () => {
  assert.ok(MANAGER_ONLY.length > 0, 'METHOD_ROLES has manager-only methods');
  for (const path of CERT_METHODS) assert.ok(KINDS.has(path), `${path} is defined in proto/*.proto`);
});

test('a worker certificate of this cluster is refused on every manager-only method', async () => {
  const worker = managerChannel(mint('swarm-worker'));
  const wrong = await walk(
    MANAGER_ONLY,
    worker,
    o => o.code === grpc.status.PERMISSION_DENIED && /unauthorized peer role.*swarm-worker/.test(o.details),
  );
  assert.deepEqual(wrong, [], 'expected PERMISSION_DENIED (unauthorized peer role) for each');
});

test('a manager certificate of this cluster gets past the check on every method', async () => {
  const manager = managerChannel(mint('swarm-manager'));
  const list = await rawCall(manager, '/shoal.v1.Control/ListNodes');
  assert.equal(list.code, grpc.status.OK, list.details);
  // Empty requests fail validation on some methods; what matters is that the handler ran.
  const wrong = await walk(
    CERT_METHODS,
    manager,
    o => o.code !== grpc.status.PERMISSION_DENIED && o.code !== grpc.status.UNAUTHENTICATED,
  );
  assert.deepEqual(wrong, []);
});

test('without a client certificate only the CA bootstrap calls answer', async () => {
  const anonymous = managerChannel();
  const wrong = await walk(
    CERT_METHODS,
    anonymous,
    o =>
      o.code === grpc.status.UNAUTHENTICATED &&
      o.details === 'a client certificate of this cluster is required',
  );
  assert.deepEqual(wrong, [], 'expected UNAUTHENTICATED for each');
  const root = await tcpCall('CA', 'GetRootCACertificate', {});
  assert.equal(root.certificate, caPem);
});

const untrusted: { name: string; id: () => Identity }[] = [
  {
    name: 'a manager certificate from another CA, naming this cluster',
    id: () => mint('swarm-manager', { ca: createRootCa() }),
  },
  {
    name: 'an expired manager certificate of this cluster',
    id: () => mint('swarm-manager', { now: new Date(Date.now() - 3 * 3600_000), validityMs: 3600_000 }),
  },
];
for (const c of untrusted) {
  test(`${c.name} is refused on every method that needs a certificate`, async () => {
    const client = managerChannel(c.id());
    const wrong = await walk(
      CERT_METHODS,
      client,
      o => o.code === grpc.status.UNAUTHENTICATED || o.code === grpc.status.UNAVAILABLE,
    );
    assert.deepEqual(wrong, [], 'expected UNAUTHENTICATED or UNAVAILABLE for each');
  });
}

test('a manager certificate of this CA for another cluster is refused', async () => {
  const client = managerChannel(mint('swarm-manager', { clusterId: 'other' }));
  const wrong = await walk(
    CERT_METHODS,
    client,
    o =>
      o.code === grpc.status.PERMISSION_DENIED &&
      o.details === 'certificate is for cluster other, not this one',
  );
  assert.deepEqual(wrong, [], 'expected PERMISSION_DENIED for each');
});

/** The cluster's current join tokens, read over the local socket. */
async function tokens(): Promise<{ worker: string; manager: string }> {
  const c = (await control('GetCluster', {})).cluster as { workerToken: string; managerToken: string };
  return { worker: c.workerToken, manager: c.managerToken };
}

/** Asks the CA for a node certificate with `token`; `keyPem` is the key the CSR is made from. */
function issue(token: string, addr = '', keyPem = createNodeKey().keyPem): Promise<Record<string, unknown>> {
  return tcpCall('NodeCA', 'IssueNodeCertificate', {
    csr: createCsr(keyPem),
    token,
    hostname: 'joiner',
    addr,
  });
}

test('join tokens: malformed, wrong secret', async () => {
  await assert.rejects(issue('SWMTKN-1-nope'), {
    code: grpc.status.INVALID_ARGUMENT,
    details: 'invalid join token',
  });
  const digest = (await tokens()).worker.split('-')[2];
  await assert.rejects(issue(`SWMTKN-1-${digest}-${'0'.repeat(25)}`), {
    code: grpc.status.INVALID_ARGUMENT,
    details: 'A valid join token is necessary to join this cluster',
  });
});

test("a removed node's certificate is refused before its role is even looked at", async () => {
  const { keyPem } = createNodeKey();
  const issued = await issue((await tokens()).worker, '', keyPem);
  const id: Identity = { keyPem, certPem: String(issued.certificate), nodeId: String(issued.nodeId) };
  const subject = readIdentity(id.certPem);
  assert.deepEqual([subject.role, subject.clusterId, subject.nodeId], ['swarm-worker', clusterId, id.nodeId]);
  const client = managerChannel(id);
  const live = await rawCall(client, '/shoal.v1.Control/ListNodes');
  assert.equal(live.code, grpc.status.PERMISSION_DENIED);
  assert.match(live.details, /unauthorized peer role/);

  await control('RemoveNode', { nodeId: id.nodeId, force: true });
  await assert.rejects(control('GetNode', { nodeId: id.nodeId }), { code: grpc.status.NOT_FOUND });
  const removed = await rawCall(client, '/shoal.v1.Control/ListNodes');
  assert.equal(removed.code, grpc.status.PERMISSION_DENIED);
  assert.equal(removed.details, `node ${id.nodeId} was removed from swarm`);
});

test('rotating the worker token refuses the old one and leaves the manager token working', async () => {
  const old = await tokens();
  const rotated = (await control('RotateJoinToken', { role: 'worker' })).cluster as {
    workerToken: string;
    managerToken: string;
  };
  assert.notEqual(rotated.workerToken, old.worker);
  assert.equal(rotated.managerToken, old.manager);
  assert.deepEqual(await tokens(), { worker: rotated.workerToken, manager: old.manager });

  await assert.rejects(issue(old.worker), {
    code: grpc.status.INVALID_ARGUMENT,
    details: 'A valid join token is necessary to join this cluster',
  });
  const fresh = await issue(rotated.workerToken);
  assert.equal(fresh.role, 'swarm-worker');
  // The manager token still passes the token check: the request fails on the next check, the address,
  // so no manager is added to Raft (it would then have to run for the cluster to keep a quorum).
  await assert.rejects(issue(old.manager, 'bad'), {
    code: grpc.status.INVALID_ARGUMENT,
    details: 'a joining manager needs its address as host:port, got "bad"',
  });
});
