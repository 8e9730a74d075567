/**
 * Standalone attachments (ResourceAllocator, swarmkit's resourceapi) through a manager's mTLS port, with
 * the certificates of a worker that joined: an attachable network gives an address on the caller's node,
 * any other network is refused with Swarm's PermissionDenied text, a network in use cannot be removed, and
 * only the node holding an attachment may give it back.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { WireNetwork } from '../../proto/control-types.ts';
import { clientOf, loadShoalPackage, unaryCall } from '../../proto/load.ts';
import { freePort, harness, type Call } from './helpers.ts';

const resourcePkg = loadShoalPackage('resource.proto');
const h = harness('shoal-attach-');
const clients: grpc.Client[] = [];
after(async () => {
  for (const c of clients.splice(0)) c.close();
  await h.cleanup();
});

let managerPort = 0;
let control: Call;
const networks = new Map<string, WireNetwork>();

before(async () => {
  await h.daemon('m1');
  managerPort = await freePort();
  const init = await h.client('m1', 'Swarm')('Init', {
    listenAddr: `127.0.0.1:${managerPort}`,
    advertiseAddr: '',
  });
  await h.daemon('w1');
  await h.client('w1', 'Swarm')('Join', {
    token: init.workerToken,
    remoteAddr: `127.0.0.1:${managerPort}`,
    listenAddr: `127.0.0.1:${await freePort()}`,
    advertiseAddr: '',
  });
  control = h.client('m1', 'Control');
  for (const [name, attachable] of [
    ['test', false],
    ['test01', true],
  ] as const) {
    const { network } = await control('CreateNetwork', { spec: { name, driver: 'overlay', attachable } });
    networks.set(name, network as WireNetwork);
  }
});

/** A ResourceAllocator call on m1's manager port with `node`'s certificate. */
function resources(node: string): Call {
  const file = (f: string): Buffer => readFileSync(join(h.root, node, 'certificates', f));
  const creds = grpc.credentials.createSsl(
    file('swarm-root-ca.crt'),
    file('swarm-node.key'),
    file('swarm-node.crt'),
  );
  const c = new (clientOf(resourcePkg, 'ResourceAllocator'))(`127.0.0.1:${managerPort}`, creds, {
    'grpc.ssl_target_name_override': 'swarm-manager',
  });
  clients.push(c);
  return (method, req) => unaryCall(c, method, req, { deadline: Date.now() + 10_000 });
}

function id(name: string): string {
  const n = networks.get(name);
  assert.ok(n);
  return n.id;
}

test('a network that is not attachable is refused with Swarm text; nothing is allocated', async () => {
  const w1 = resources('w1');
  await assert.rejects(w1('AttachNetwork', { networkId: 'test', name: 'att0', addresses: [] }), {
    code: grpc.status.PERMISSION_DENIED,
    details: 'network test not manually attachable',
  });
  await assert.rejects(w1('AttachNetwork', { networkId: 'nope', name: 'att0', addresses: [] }), {
    code: grpc.status.NOT_FOUND,
    details: 'network nope not found',
  });
  await assert.rejects(w1('AttachNetwork', { networkId: 'test01', name: 'a b', addresses: [] }), {
    code: grpc.status.INVALID_ARGUMENT,
    details: 'Invalid container name (a b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
  });
  // Without a name, the network's refusal is what the caller learns (a name is generated after it).
  await assert.rejects(w1('AttachNetwork', { networkId: 'test', name: '', addresses: [] }), {
    code: grpc.status.PERMISSION_DENIED,
    details: 'network test not manually attachable',
  });
  // The network is unused: it can go, and come back with its subnet.
  await control('RemoveNetwork', { networkId: 'test' });
  const { network } = await control('CreateNetwork', { spec: { name: 'test', driver: 'overlay' } });
  assert.equal((network as WireNetwork).allocation?.subnet, '10.0.1.0/24');
  networks.set('test', network as WireNetwork);
});

test('an attachable network gives the next address; the network stays while attached; the holder detaches', async () => {
  const w1 = resources('w1');
  const att1 = await w1('AttachNetwork', { networkId: 'test01', name: 'att1', addresses: [] });
  assert.equal(att1.networkId, id('test01'));
  assert.deepEqual(att1.addresses, ['10.0.2.2/24']);
  const att2 = await w1('AttachNetwork', { networkId: id('test01'), name: 'att2', addresses: [] });
  assert.deepEqual(att2.addresses, ['10.0.2.3/24']);

  await assert.rejects(control('RemoveNetwork', { networkId: 'test01' }), {
    code: grpc.status.FAILED_PRECONDITION,
    details: new RegExp(
      `^network ${id('test01')} is in use by task (${String(att1.attachmentId)}|${String(att2.attachmentId)})$`,
    ),
  });
  // Another node's certificate cannot give it back.
  await assert.rejects(resources('m1')('DetachNetwork', { attachmentId: att1.attachmentId }), {
    code: grpc.status.PERMISSION_DENIED,
  });
  await w1('DetachNetwork', { attachmentId: att1.attachmentId });
  await w1('DetachNetwork', { attachmentId: att2.attachmentId });
  await assert.rejects(w1('DetachNetwork', { attachmentId: att2.attachmentId }), {
    code: grpc.status.NOT_FOUND,
  });
  // Freed addresses are not handed out again at once (serial allocation).
  const att3 = await w1('AttachNetwork', { networkId: 'test01', name: 'att3', addresses: [] });
  assert.deepEqual(att3.addresses, ['10.0.2.4/24']);
  await w1('DetachNetwork', { attachmentId: att3.attachmentId });
  await control('RemoveNetwork', { networkId: 'test01' });
});

test('a name in use on the node is refused with docker’s Conflict; free again once detached; per node', async () => {
  const w1 = resources('w1');
  const network = await control('CreateNetwork', {
    spec: { name: 'names', driver: 'overlay', attachable: true },
  });
  const first = await w1('AttachNetwork', { networkId: 'names', name: 'att1', addresses: [] });
  await assert.rejects(w1('AttachNetwork', { networkId: 'names', name: 'att1', addresses: [] }), {
    code: grpc.status.ALREADY_EXISTS,
    details: `Conflict. The container name "/att1" is already in use by container "${String(first.attachmentId)}". You have to remove (or rename) that container to be able to reuse that name.`,
  });
  // Docker's names are per host: another node may have its own att1.
  const other = await resources('m1')('AttachNetwork', { networkId: 'names', name: 'att1', addresses: [] });
  await w1('DetachNetwork', { attachmentId: first.attachmentId });
  const again = await w1('AttachNetwork', { networkId: 'names', name: 'att1', addresses: [] });
  // Unnamed ones get a generated name each (and so do not conflict).
  const unnamed = await w1('AttachNetwork', { networkId: 'names', name: '', addresses: [] });
  const unnamed2 = await w1('AttachNetwork', { networkId: 'names', name: '', addresses: [] });
  assert.notEqual(unnamed.attachmentId, unnamed2.attachmentId);
  await w1('DetachNetwork', { attachmentId: again.attachmentId });
  await w1('DetachNetwork', { attachmentId: unnamed.attachmentId });
  await w1('DetachNetwork', { attachmentId: unnamed2.attachmentId });
  await resources('m1')('DetachNetwork', { attachmentId: other.attachmentId });
  await control('RemoveNetwork', { networkId: (network.network as WireNetwork).id });
});
