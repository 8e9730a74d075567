/**
 * The files that say who a node is — state.json, the root CA certificate, the node certificate, its key,
 * the key-encryption key — are checked at start: a damaged one (truncated, ill-typed, edited, replaced
 * by another's) makes shoald exit 1 with one line naming the file and what is wrong, and changes
 * nothing. shoald runs as a real process.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Level } from 'level';
import {
  createCsr,
  createNodeKey,
  createRootCa,
  randomNodeId,
  readIdentity,
  signNodeCertificate,
} from '../../certs/index.ts';
import { harness } from './helpers.ts';
import { exitOf, initialisedFolder, oneLine, shoaldProcesses, snapshotOf, stop } from './shoald-process.ts';

const h = harness('shoal-identity-');
const processes = shoaldProcesses();
after(async () => {
  try {
    await processes.cleanup();
  } finally {
    await h.cleanup();
  }
});

/** A data folder of an initialised single-manager cluster whose shoald was stopped; made once. */
let made: Promise<string> | undefined;
function stoppedCluster(): Promise<string> {
  made ??= initialisedFolder(processes, join(h.root, 'stopped'), join(h.root, 'stopped.sock'));
  return made;
}

/** Every key of a LevelDB folder with the sha-256 of its value. */
async function logOf(raftDir: string): Promise<Map<string, string>> {
  const db = new Level<string, Uint8Array>(raftDir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  const out = new Map<string, string>();
  try {
    for await (const [k, v] of db.iterator()) out.set(k, createHash('sha256').update(v).digest('hex'));
  } finally {
    await db.close();
  }
  assert.ok(out.size > 0, `${raftDir} holds a log`);
  return out;
}

type State = { identity: Record<string, unknown> } & Record<string, unknown>;

function editState(dir: string, edit: (s: State) => void): void {
  const path = join(dir, 'state.json');
  const s = JSON.parse(readFileSync(path, 'utf8')) as State;
  edit(s);
  writeFileSync(path, JSON.stringify(s));
}

const PEM_GARBAGE = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';

interface Damage {
  name: string;
  /** The damaged file, relative to the data folder. */
  file: string;
  damage(dir: string): void;
  /** What the line says after "is damaged: ". */
  detail: RegExp;
  /**
   * Found once LevelDB has opened the Raft log, which rewrites its own files (its write-ahead log into
   * a table) without changing what they hold: the log is compared by content, the rest by bytes.
   */
  opensLog?: true;
}

const damages: Damage[] = [
  {
    name: 'state.json truncated',
    file: 'state.json',
    damage: dir => {
      const text = readFileSync(join(dir, 'state.json'), 'utf8');
      writeFileSync(join(dir, 'state.json'), text.slice(0, text.length / 2));
    },
    detail: /^it is not valid JSON \(truncated, or edited\)$/,
  },
  {
    name: 'state.json empty',
    file: 'state.json',
    damage: dir => writeFileSync(join(dir, 'state.json'), ''),
    detail: /^it is empty$/,
  },
  {
    name: 'state.json with the Raft ID as a string',
    file: 'state.json',
    damage: dir => editState(dir, s => (s.identity.raftId = String(s.identity.raftId))),
    detail: /^identity\.raftId must be a positive integer on a manager$/,
  },
  {
    name: 'state.json with a Raft ID of 0',
    file: 'state.json',
    damage: dir => editState(dir, s => (s.identity.raftId = 0)),
    detail: /^identity\.raftId must be a positive integer on a manager$/,
  },
  {
    name: 'state.json with another Raft ID',
    file: 'state.json',
    damage: dir => editState(dir, s => (s.identity.raftId = Number(s.identity.raftId) + 1)),
    detail: /^identity\.raftId is not a member the Raft log in .*\/raft has known$/,
    opensLog: true,
  },
  {
    name: 'state.json with another node ID',
    file: 'state.json',
    damage: dir => editState(dir, s => (s.identity.nodeId = randomNodeId())),
    detail: /^identity\.nodeId is not the node certificate's \(CN=[0-9a-z]{25} in .*swarm-node\.crt\)$/,
  },
  {
    name: 'state.json with another cluster ID',
    file: 'state.json',
    damage: dir => editState(dir, s => (s.identity.clusterId = randomNodeId())),
    detail: /^identity\.clusterId is not the node certificate's \(O=[0-9a-z]{25} in .*swarm-node\.crt\)$/,
  },
  {
    name: 'state.json with a node ID not in the CA’s form',
    file: 'state.json',
    damage: dir => editState(dir, s => (s.identity.nodeId = 'Node-1')),
    detail: /^identity\.nodeId is not a node ID \(25 characters of a-z, 0-9\)$/,
  },
  {
    name: 'state.json without a host name',
    file: 'state.json',
    damage: dir => editState(dir, s => delete s.identity.hostname),
    detail: /^identity\.hostname must be a non-empty string$/,
  },
  {
    name: 'state.json with an unknown role',
    file: 'state.json',
    damage: dir => editState(dir, s => (s.role = 'admin')),
    detail: /^role must be "manager" or "worker"$/,
  },
  {
    name: 'state.json with a misspelt field',
    file: 'state.json',
    damage: dir => editState(dir, s => (s.manager = [])),
    detail: /^unknown field "manager"$/,
  },
  {
    name: 'the root CA certificate is garbage',
    file: 'certificates/swarm-root-ca.crt',
    damage: dir => writeFileSync(join(dir, 'certificates/swarm-root-ca.crt'), 'garbage\n'),
    detail: /^root CA: malformed PEM: /,
  },
  {
    name: 'the root CA certificate is a PEM block of garbage',
    file: 'certificates/swarm-root-ca.crt',
    damage: dir => writeFileSync(join(dir, 'certificates/swarm-root-ca.crt'), PEM_GARBAGE),
    detail: /^root CA: cannot parse certificate: /,
  },
  {
    name: 'the root CA certificate is a node certificate',
    file: 'certificates/swarm-root-ca.crt',
    damage: dir =>
      writeFileSync(
        join(dir, 'certificates/swarm-root-ca.crt'),
        readFileSync(join(dir, 'certificates/swarm-node.crt')),
      ),
    detail: /^root CA: the certificate is not a CA certificate$/,
  },
  {
    name: 'the node certificate is garbage',
    file: 'certificates/swarm-node.crt',
    damage: dir => writeFileSync(join(dir, 'certificates/swarm-node.crt'), PEM_GARBAGE),
    detail: /^certificate: cannot parse certificate: /,
  },
  {
    name: 'the node certificate is one of another CA, for this very node',
    file: 'certificates/swarm-node.crt',
    damage: dir => {
      const own = readIdentity(readFileSync(join(dir, 'certificates/swarm-node.crt'), 'utf8'));
      const key = readFileSync(join(dir, 'certificates/swarm-node.key'), 'utf8');
      const other = signNodeCertificate({
        csrPem: createCsr(key),
        ca: createRootCa(),
        nodeId: own.nodeId,
        role: own.role,
        clusterId: own.clusterId,
      });
      writeFileSync(join(dir, 'certificates/swarm-node.crt'), other);
    },
    detail: /^certificate signature does not verify against the trusted root CA$/,
  },
  {
    name: 'the node key is garbage',
    file: 'certificates/swarm-node.key',
    damage: dir => writeFileSync(join(dir, 'certificates/swarm-node.key'), 'garbage\n'),
    detail: /^cannot read RSA private key: /,
  },
  {
    name: 'the node key is another key',
    file: 'certificates/swarm-node.key',
    damage: dir => writeFileSync(join(dir, 'certificates/swarm-node.key'), createNodeKey().keyPem),
    detail: /^the certificate is not for this private key$/,
  },
  {
    name: 'the node key is missing',
    file: 'certificates/swarm-node.key',
    damage: dir => writeFileSync(join(dir, 'certificates/swarm-node.key'), ''),
    detail: /^cannot read RSA private key: /,
  },
  {
    name: 'the key-encryption key is cut short',
    file: 'certificates/swarm-root-ca.kek',
    damage: dir => {
      const path = join(dir, 'certificates/swarm-root-ca.kek');
      writeFileSync(path, readFileSync(path, 'utf8').slice(0, 20));
    },
    detail: /^not a key-encryption key \(32 bytes in base64\)$/,
  },
];

for (const c of damages) {
  test(`${c.name}: shoald exits 1 with one line naming the file, and changes nothing`, async () => {
    const dir = join(h.root, `damaged-${damages.indexOf(c)}`);
    const socket = `${dir}.sock`;
    cpSync(await stoppedCluster(), dir, { recursive: true });
    c.damage(dir);
    const files = (): Map<string, string> =>
      c.opensLog === true
        ? new Map([...snapshotOf(dir)].filter(([f]) => !f.startsWith('raft/')))
        : snapshotOf(dir);
    const before = files();
    const original = `${dir}-original`;
    if (c.opensLog === true) cpSync(dir, original, { recursive: true });

    const p = processes.start(dir, socket);
    assert.equal((await exitOf(p)).code, 1);
    const line = oneLine(p.stderr());
    const prefix = `shoald: identity file ${join(dir, c.file)} is damaged: `;
    assert.ok(line.startsWith(prefix), line);
    assert.match(line.slice(prefix.length), c.detail);
    assert.deepEqual(files(), before);
    if (c.opensLog === true) {
      assert.deepEqual(await logOf(join(dir, 'raft')), await logOf(join(original, 'raft')));
    }
    assert.equal(existsSync(socket), false, 'no socket was created');
  });
}

test('an undamaged copy of the same folder starts (the checks pass on what shoald wrote)', async () => {
  const dir = join(h.root, 'intact');
  const socket = `${dir}.sock`;
  cpSync(await stoppedCluster(), dir, { recursive: true });
  const p = processes.start(dir, socket);
  await processes.ready(p, socket);
  const nodes = (await processes.local(socket, 'Control').call('ListNodes', {})).nodes as unknown[];
  assert.equal(nodes.length, 1);
  await stop(p);
});
