/**
 * The root CA key is never stored in clear in the Raft log or its snapshots: the store holds it sealed
 * under a key-encryption key (KEK) that only the managers keep, each in its own data folder. A manager
 * joining with the token and a promoted worker receive the KEK, sign certificates when they lead, and
 * a demoted one forgets it; workers never hold it. A cluster from before keys were sealed (the key in
 * clear in its cluster object) is sealed by its leader and keeps issuing certificates, and a manager
 * of it without the KEK gets it from the leader.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Level } from 'level';
import { decodeKek, openRootCaKey, verifyNodeCertificate } from '../../certs/index.ts';
import type { Daemon } from '../../node/daemon.ts';
import type { DaemonOptions } from '../../node/daemon-options.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { findClusters, findNodes, updateCluster, type Cluster } from '../../server/store/index.ts';
import { freePort, harness, rootCaOf, until } from './helpers.ts';
import { retryOutOfSequence } from './out-of-sequence.ts';

const h = harness('shoal-ca-key-');
after(() => h.cleanup());

const running = new Map<string, Daemon>();
const ports = new Map<string, number>();

async function daemon(name: string, o: Partial<DaemonOptions> = {}): Promise<Daemon> {
  const d = await h.daemon(name, { pollMs: 50, ...o });
  running.set(name, d);
  return d;
}

async function stopDaemon(name: string): Promise<void> {
  running.delete(name);
  await h.stop(name);
}

const swarm = (name: string): ReturnType<typeof h.client> => h.client(name, 'Swarm');
const control = (name: string): ReturnType<typeof h.client> => h.client(name, 'Control');
const info = (name: string): Promise<Record<string, unknown>> => swarm(name)('Info', {});

function managerOf(name: string): Manager {
  const m = (running.get(name) as unknown as { manager: Manager | undefined } | undefined)?.manager;
  assert.ok(m !== undefined, `${name} runs a manager`);
  return m;
}

function clusterOf(name: string): Cluster {
  const c = managerOf(name).store.view(tx => findClusters(tx))[0];
  assert.ok(c !== undefined, `${name} has the cluster object`);
  return c;
}

const kekPath = (name: string): string => join(h.root, name, 'certificates', 'swarm-root-ca.kek');

/** `name`'s KEK, checked to be its owner's alone; undefined if it has none. */
function kekOf(name: string): Buffer | undefined {
  if (!existsSync(kekPath(name))) return undefined;
  assert.equal(statSync(kekPath(name)).mode & 0o777, 0o600, `${name}'s KEK is 0600`);
  return decodeKek(readFileSync(kekPath(name), 'utf8'));
}

async function init(
  name: string,
  o: Partial<DaemonOptions> = {},
): Promise<{ worker: string; manager: string }> {
  await daemon(name, o);
  ports.set(name, await freePort());
  const r = await swarm(name)('Init', { listenAddr: `127.0.0.1:${ports.get(name)}`, advertiseAddr: '' });
  return { worker: String(r.workerToken), manager: String(r.managerToken) };
}

/** `name` joins through `via`; the certificate it got is checked against the cluster's CA. */
async function joinAs(name: string, token: string, via: string): Promise<void> {
  await daemon(name);
  ports.set(name, await freePort());
  await swarm(name)('Join', {
    token,
    remoteAddr: `127.0.0.1:${ports.get(via)}`,
    listenAddr: `127.0.0.1:${ports.get(name)}`,
    advertiseAddr: '',
  });
  const certs = join(h.root, name, 'certificates');
  verifyNodeCertificate(
    readFileSync(join(certs, 'swarm-node.crt'), 'utf8'),
    readFileSync(join(certs, 'swarm-root-ca.crt'), 'utf8'),
  );
}

function setRole(via: string, nodeId: string, desiredRole: 'manager' | 'worker'): Promise<unknown> {
  // The node's own status reports write it too (a node that just joined turns READY meanwhile).
  return retryOutOfSequence(() =>
    control(via)('UpdateNode', {
      nodeId,
      version: 0,
      desiredRole,
      availability: '',
      labelAdd: {},
      labelRm: [],
    }),
  );
}

/**
 * What must not appear anywhere: the PEM marker, each line of the key's base64 body, and a run of its
 * DER bytes (the key stored as bytes).
 */
function secretsOf(keyPem: string): { name: string; bytes: Buffer }[] {
  const body = keyPem.split('\n').filter(l => l !== '' && !l.startsWith('-----'));
  const der = Buffer.from(body.join(''), 'base64');
  return [
    { name: 'BEGIN PRIVATE KEY', bytes: Buffer.from('BEGIN PRIVATE KEY') },
    { name: 'BEGIN RSA PRIVATE KEY', bytes: Buffer.from('BEGIN RSA PRIVATE KEY') },
    ...body.slice(1, -1).map((line, i) => ({ name: `base64 line ${i + 2}`, bytes: Buffer.from(line) })),
    { name: 'DER bytes', bytes: der.subarray(der.length / 2, der.length / 2 + 48) },
  ];
}

/** The secrets found in `bytes` (by name). */
function found(bytes: Uint8Array, secrets: { name: string; bytes: Buffer }[]): string[] {
  const b = Buffer.from(bytes);
  return secrets.filter(s => b.includes(s.bytes)).map(s => s.name);
}

/** Every file under `dir`, raw, with the secrets found in it. */
function secretsInFiles(dir: string, secrets: { name: string; bytes: Buffer }[]): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(e => e.isFile())
    .flatMap(e => {
      const path = join(e.parentPath, e.name);
      return found(readFileSync(path), secrets).map(s => `${path}: ${s}`);
    });
}

/** Every value of a (closed) LevelDB folder, decompressed, with the secrets found in it. */
async function secretsInLog(raftDir: string, secrets: { name: string; bytes: Buffer }[]): Promise<string[]> {
  const db = new Level<string, Uint8Array>(raftDir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  const out: string[] = [];
  try {
    for await (const [k, v] of db.iterator()) out.push(...found(v, secrets).map(s => `${k}: ${s}`));
  } finally {
    await db.close();
  }
  return out;
}

/** The index of `name`'s latest Raft snapshot (0: none yet). */
function snapshotIndex(name: string): number {
  const storage = (
    managerOf(name) as unknown as { p: { storage: { snapshot(): { metadata: { index: number } } } } }
  ).p.storage;
  return storage.snapshot().metadata.index;
}

test('the root CA key is in clear nowhere in the Raft log, its files or its snapshots, as certificates are issued', async () => {
  const tokens = await init('s1', { snapshotEvery: 4 });
  const ca = rootCaOf(join(h.root, 's1'), clusterOf('s1'));
  const secrets = secretsOf(ca.keyPem);
  assert.deepEqual(clusterOf('s1').rootCa.keyPem, undefined);
  assert.deepEqual(secretsInFiles(join(h.root, 's1', 'raft'), secrets), [], 'after swarm init');
  assert.deepEqual(found(managerOf('s1').store.snapshot(), secrets), [], 'the store snapshot');

  // Certificates issued: a worker and a manager join, and the log goes past a snapshot.
  await joinAs('s2', tokens.worker, 's1');
  await joinAs('s3', tokens.manager, 's1');
  for (let i = 0; snapshotIndex('s1') === 0; i++) {
    assert.ok(i < 50, 'a snapshot was taken');
    await control('s1')('RotateJoinToken', { role: 'worker' });
  }
  const token = clusterOf('s1').joinTokens.worker;
  await until(
    's3 to catch up',
    async () => managerOf('s3').store.view(tx => findClusters(tx))[0]?.joinTokens.worker === token,
  );
  for (const name of ['s1', 's3']) {
    assert.deepEqual(secretsInFiles(join(h.root, name, 'raft'), secrets), [], `${name}'s log files`);
    assert.deepEqual(found(managerOf(name).store.snapshot(), secrets), [], `${name}'s store snapshot`);
  }
  // LevelDB compresses its tables: what they hold, read back through LevelDB, has no key either.
  for (const name of ['s1', 's3']) {
    await stopDaemon(name);
    assert.deepEqual(await secretsInLog(join(h.root, name, 'raft'), secrets), [], `${name}'s log`);
  }
});

test('managers that join or are promoted get the KEK and sign certificates as leaders; workers never hold it', async () => {
  const tokens = await init('k1');
  const kek = kekOf('k1');
  assert.ok(kek !== undefined, 'the first manager holds the KEK');

  await joinAs('k2', tokens.manager, 'k1');
  assert.deepEqual(kekOf('k2'), kek, 'a manager joining with the token receives it');
  await joinAs('kw', tokens.worker, 'k1');
  assert.equal(kekOf('kw'), undefined, 'a worker holds no KEK');

  const kw = String((await info('kw')).nodeId);
  await setRole('k1', kw, 'manager');
  await until('the promoted worker to run a manager', async () => (await info('kw')).isManager === true);
  assert.deepEqual(kekOf('kw'), kek, 'a promoted worker receives it');

  // Each manager signs as leader: leadership goes to it, and a node joins through it.
  for (const name of ['k2', 'kw']) {
    await until(`${name} to lead`, async () => {
      // A transfer to a member that lags is dropped after an election timeout: asked again until done.
      const leader = [...running.keys()].find(tryLeader);
      if (leader !== undefined && leader !== name) {
        managerOf(leader).raft.transferLeadership(managerOf(name).identity.raftId);
      }
      await new Promise(r => setTimeout(r, 100));
      return managerOf(name).raft.isLeader;
    });
    await joinAs(`${name}-w`, tokens.worker, name);
    assert.equal(kekOf(`${name}-w`), undefined, 'a worker holds no KEK');
  }

  await setRole('k1', kw, 'worker');
  await until('the demoted node to stop its manager', async () => (await info('kw')).isManager === false);
  assert.equal(kekOf('kw'), undefined, 'a demoted manager forgets the KEK');
});

/** Whether `name` runs a manager that leads. */
function tryLeader(name: string): boolean {
  const m = (running.get(name) as unknown as { manager: Manager | undefined } | undefined)?.manager;
  return m?.raft.isLeader === true;
}

test('a cluster whose key is in clear (written before keys were sealed) is sealed by its leader and keeps issuing certificates', async () => {
  // No node loop: the cluster object is made old-style before anything would seal it.
  const tokens = await init('o1', { pollMs: 3_600_000 });
  const ca = rootCaOf(join(h.root, 'o1'), clusterOf('o1'));
  await managerOf('o1').store.update(tx => {
    const c = findClusters(tx)[0];
    assert.ok(c !== undefined);
    updateCluster(tx, {
      ...c,
      rootCa: { certPem: ca.certPem, keyPem: ca.keyPem, caDigest: c.rootCa.caDigest },
    });
  }, Date.now());
  await stopDaemon('o1');
  rmSync(kekPath('o1'));
  // As in an old cluster's log, the key is there in clear (which the check above would have found).
  assert.notDeepEqual(secretsInFiles(join(h.root, 'o1', 'raft'), secretsOf(ca.keyPem)), []);

  await daemon('o1');
  await until('the leader to seal the key', async () => clusterOf('o1').rootCa.keyEnc !== undefined);
  const sealed = clusterOf('o1').rootCa;
  assert.equal(sealed.keyPem, undefined, 'the key in clear is gone from the cluster object');
  const kek = kekOf('o1');
  assert.ok(kek !== undefined, 'the leader keeps the KEK it sealed the key with');
  assert.equal(openRootCaKey(sealed.certPem, sealed.keyEnc ?? '', kek).keyPem, ca.keyPem);

  await joinAs('ow', tokens.worker, 'o1');
  assert.equal(kekOf('ow'), undefined);
  await joinAs('o2', tokens.manager, 'o1');
  assert.deepEqual(kekOf('o2'), kek);

  // A manager whose folder has no KEK (as one from before sealing) gets it from the leader.
  await joinAs('o3', tokens.manager, 'o1');
  // Stopped once its store holds what the leader's does (a member restarted before it applied the
  // leader's node object would not hear the leader: the sender check knows no one yet).
  const nodes = (name: string): number => managerOf(name).store.view(tx => findNodes(tx)).length;
  await until('o3 to catch up', async () => nodes('o3') === nodes('o1') && kekOf('o3') !== undefined);
  await stopDaemon('o3');
  rmSync(kekPath('o3'));
  await daemon('o3');
  await until('the manager without a KEK to get it', async () => existsSync(kekPath('o3')));
  assert.deepEqual(kekOf('o3'), kek);
});
