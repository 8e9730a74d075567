/**
 * The `shoal` CLI in-process against a fake shoald: a grpc-js server on a temporary unix socket
 * that serves Swarm and Control with canned data (a leader, a reachable manager — the node the CLI
 * talks to — and a worker that is down). Asserts docker's exact wording and layout, the requests
 * the CLI sends, daemon errors, a missing daemon, and usage errors.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { UpdateNodeRequest, WireCluster, WireNode } from '../../bin/cli/daemon-client.ts';
import { loadShoalPackage, serviceOf } from '../../proto/load.ts';
import { runCli, type CliResult } from './run-cli.ts';

const LEADER_ID = 'wzy6sxorlo54fe50sq25gi80e';
const SELF_ID = 'k3vdq9d7fqp2m1z4x8y0c5b6a';
const WORKER_ID = 'p8qcmhmbxq2fbc7k8co5hlfnc';
const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const DIGEST = 'SWMTKN-1-3akpca0adt7lav4r4zlex461lqaqsuuvwpy70jnhyfie62wfz8';

function node(over: Partial<WireNode> & Pick<WireNode, 'id' | 'hostname'>): WireNode {
  return {
    version: 7,
    role: 'manager',
    availability: 'active',
    status: 'ready',
    addr: '10.0.0.1',
    managerStatus: 'reachable',
    labels: {},
    createdAt: T0,
    updatedAt: T0 + 60_000,
    ...over,
  };
}

// Listed out of order on purpose: the CLI sorts by hostname, naturally (node2 before node10).
const NODES: WireNode[] = [
  node({
    id: WORKER_ID,
    hostname: 'node10',
    role: 'worker',
    availability: 'drain',
    status: 'down',
    addr: '10.0.0.3',
    managerStatus: '',
    labels: { zone: 'b', ssd: '' },
  }),
  node({ id: SELF_ID, hostname: 'node2', addr: '10.0.0.2' }),
  node({ id: LEADER_ID, hostname: 'node1', managerStatus: 'leader', version: 12 }),
];

const cluster: WireCluster = {
  id: 'cluster1',
  name: 'default',
  workerToken: `${DIGEST}-worker0000000000000000000`,
  managerToken: `${DIGEST}-manager000000000000000000`,
  caDigest: 'sha256:0',
  createdAt: T0,
  gatewaySubnet: '172.18.0.0/16',
};

/** What the fake daemon was asked, newest last. */
const calls: { method: string; req: Record<string, unknown> }[] = [];
let rotations = 0;

class Status extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

function unary(
  method: string,
  fn: (req: Record<string, unknown>) => object,
): grpc.handleUnaryCall<Record<string, unknown>, object> {
  return (call, cb) => {
    calls.push({ method, req: call.request });
    try {
      cb(null, fn(call.request));
    } catch (err) {
      if (!(err instanceof Status)) throw err;
      cb({ code: err.code, details: err.message });
    }
  };
}

function findNode(ref: unknown): WireNode {
  const n = NODES.find(x => x.id === ref || x.hostname === ref);
  if (n === undefined) throw new Status(grpc.status.NOT_FOUND, `no such node: ${String(ref)}`);
  return n;
}

const UNREACHABLE = '10.0.0.9:2377';
const RELAYED = `No connection established. Last error: Error: connect ECONNREFUSED ${UNREACHABLE}.`;

const pkg = loadShoalPackage('control.proto');
const dir = mkdtempSync(join(tmpdir(), 'shoal-cli-'));
const socketPath = join(dir, 'shoald.sock');
const server = new grpc.Server();

before(async () => {
  server.addService(serviceOf(pkg, 'Swarm'), {
    Init: unary('Init', () => ({
      nodeId: LEADER_ID,
      workerToken: cluster.workerToken,
      managerToken: cluster.managerToken,
      addr: '10.0.0.1:2377',
    })),
    Join: unary('Join', req => {
      // A daemon that passes on grpc-js' own text for the remote manager it could not reach.
      if (req.remoteAddr === UNREACHABLE) throw new Status(grpc.status.UNAVAILABLE, RELAYED);
      return { nodeId: SELF_ID, role: req.token === cluster.managerToken ? 'manager' : 'worker' };
    }),
    Leave: unary('Leave', () => ({})),
    Info: unary('Info', () => ({
      state: 'active',
      nodeId: SELF_ID,
      isManager: true,
      clusterId: cluster.id,
      addr: '10.0.0.2:2377',
    })),
  });
  server.addService(serviceOf(pkg, 'Control'), {
    ListNodes: unary('ListNodes', () => ({ nodes: NODES })),
    GetNode: unary('GetNode', req => ({ node: findNode(req.nodeId) })),
    UpdateNode: unary('UpdateNode', req => {
      const n = findNode(req.nodeId);
      return { node: { ...n, role: req.desiredRole } };
    }),
    RemoveNode: unary('RemoveNode', req => {
      const n = findNode(req.nodeId);
      if (n.role === 'manager') {
        throw new Status(grpc.status.FAILED_PRECONDITION, `node ${n.id} is a cluster manager`);
      }
      return {};
    }),
    GetCluster: unary('GetCluster', () => ({ cluster })),
    RotateJoinToken: unary('RotateJoinToken', req => {
      rotations++;
      const token = `${DIGEST}-rotated${String(rotations).padStart(18, '0')}`;
      if (req.role === 'worker') cluster.workerToken = token;
      else cluster.managerToken = token;
      return { cluster };
    }),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), err =>
      err === null ? resolve() : reject(err),
    ),
  );
});

after(() => {
  server.forceShutdown();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `shoal <argv>` in-process against the fake daemon (or another socket). */
const shoal = (argv: string[], socket = socketPath): Promise<CliResult> => runCli(argv, socket);

function lastCall(method: string): Record<string, unknown> | undefined {
  return calls.filter(c => c.method === method).at(-1)?.req;
}

test('swarm init prints docker’s text and passes the addresses on', async () => {
  const r = await shoal(['swarm', 'init', '--advertise-addr', '10.0.0.1', '--listen-addr', '0.0.0.0:2377']);
  assert.deepEqual(r, {
    code: 0,
    err: '',
    out:
      `Swarm initialized: current node (${LEADER_ID}) is now a manager.\n` +
      '\n' +
      'To add a worker to this swarm, run the following command:\n' +
      '\n' +
      `    shoal swarm join --token ${DIGEST}-worker0000000000000000000 10.0.0.1:2377\n` +
      '\n' +
      "To add a manager to this swarm, run 'shoal swarm join-token manager' and follow the instructions.\n" +
      '\n',
  });
  assert.deepEqual(lastCall('Init'), {
    advertiseAddr: '10.0.0.1',
    listenAddr: '0.0.0.0:2377',
    defaultAddrPool: [],
    defaultAddrPoolMaskLength: 0,
    gatewaySubnet: '',
    forceNewCluster: false,
  });
});

test('swarm init without addresses lets the daemon choose', async () => {
  assert.equal((await shoal(['swarm', 'init'])).code, 0);
  assert.deepEqual(lastCall('Init'), {
    advertiseAddr: '',
    listenAddr: '',
    defaultAddrPool: [],
    defaultAddrPoolMaskLength: 0,
    gatewaySubnet: '',
    forceNewCluster: false,
  });
});

test('swarm init --gateway-subnet passes the range on; a malformed one is refused before asking', async () => {
  const r = await shoal([
    'swarm',
    'init',
    '--listen-addr',
    '0.0.0.0:2377',
    '--gateway-subnet',
    '10.99.0.0/20',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.equal(lastCall('Init')?.gatewaySubnet, '10.99.0.0/20');
  const before = calls.length;
  assert.deepEqual(await shoal(['swarm', 'init', '--gateway-subnet', '10.99.0.0']), {
    code: 1,
    out: '',
    err: 'invalid argument "10.99.0.0" for "--gateway-subnet" flag: invalid CIDR address: 10.99.0.0\n',
  });
  assert.equal(calls.length, before, 'the daemon was not asked');
  const help = await shoal(['swarm', 'init', '--help']);
  assert.match(help.out, /--gateway-subnet <cidr> +Range of every node's gateway bridge/);
});

test('swarm join says which role the node joined as', async () => {
  const asWorker = await shoal(['swarm', 'join', '--token', cluster.workerToken, '10.0.0.1:2377']);
  assert.deepEqual(asWorker, { code: 0, err: '', out: 'This node joined a swarm as a worker.\n' });
  assert.deepEqual(lastCall('Join'), {
    token: cluster.workerToken,
    remoteAddr: '10.0.0.1:2377',
    advertiseAddr: '',
    listenAddr: '',
  });
  const asManager = await shoal(['swarm', 'join', '--token', cluster.managerToken, '10.0.0.1:2377']);
  assert.equal(asManager.out, 'This node joined a swarm as a manager.\n');
});

test('a daemon’s UNAVAILABLE is its answer, whatever its text: not "Cannot connect to the daemon"', async () => {
  assert.deepEqual(await shoal(['swarm', 'join', '--token', cluster.workerToken, UNREACHABLE]), {
    code: 1,
    out: '',
    err: `Error response from daemon: ${RELAYED}\n`,
  });
});

test('swarm join without --token is a usage error (exit 2)', async () => {
  const r = await shoal(['swarm', 'join', '10.0.0.1:2377']);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /required option '--token <token>' not specified/);
});

test('swarm join-token prints the join command with this manager’s address', async () => {
  assert.deepEqual(await shoal(['swarm', 'join-token', 'worker']), {
    code: 0,
    err: '',
    out:
      'To add a worker to this swarm, run the following command:\n' +
      '\n' +
      `    shoal swarm join --token ${cluster.workerToken} 10.0.0.2:2377\n` +
      '\n',
  });
  assert.deepEqual(await shoal(['swarm', 'join-token', 'manager']), {
    code: 0,
    err: '',
    out:
      'To add a manager to this swarm, run the following command:\n' +
      '\n' +
      `    shoal swarm join --token ${cluster.managerToken} 10.0.0.2:2377\n` +
      '\n',
  });
});

test('swarm join-token -q prints the token alone', async () => {
  assert.deepEqual(await shoal(['swarm', 'join-token', '-q', 'manager']), {
    code: 0,
    err: '',
    out: `${cluster.managerToken}\n`,
  });
});

test('swarm join-token --rotate says so, then shows the new token; the other role’s stays', async () => {
  const managerBefore = cluster.managerToken;
  const r = await shoal(['swarm', 'join-token', '--rotate', 'worker']);
  assert.equal(lastCall('RotateJoinToken')?.role, 'worker');
  const fresh = `${DIGEST}-rotated000000000000000001`;
  assert.deepEqual(r, {
    code: 0,
    err: '',
    out:
      'Successfully rotated worker join token.\n' +
      '\n' +
      'To add a worker to this swarm, run the following command:\n' +
      '\n' +
      `    shoal swarm join --token ${fresh} 10.0.0.2:2377\n` +
      '\n',
  });
  assert.equal((await shoal(['swarm', 'join-token', '-q', 'worker'])).out, `${fresh}\n`);
  assert.equal((await shoal(['swarm', 'join-token', '-q', 'manager'])).out, `${managerBefore}\n`);
});

test('swarm join-token -q --rotate prints only the new token', async () => {
  const r = await shoal(['swarm', 'join-token', '-q', '--rotate', 'manager']);
  assert.deepEqual(r, { code: 0, err: '', out: `${DIGEST}-rotated000000000000000002\n` });
});

test('swarm join-token with an unknown role is a usage error (exit 2)', async () => {
  const r = await shoal(['swarm', 'join-token', 'boss']);
  assert.equal(r.code, 2);
  assert.match(r.err, /'boss' is invalid .*Allowed choices are worker, manager/);
});

test('swarm leave', async () => {
  assert.deepEqual(await shoal(['swarm', 'leave', '--force']), {
    code: 0,
    err: '',
    out: 'Node left the swarm.\n',
  });
  assert.deepEqual(lastCall('Leave'), { force: true });
});

test('node ls: docker’s columns, sorted by hostname, this node marked, states capitalised', async () => {
  const r = await shoal(['node', 'ls']);
  assert.deepEqual(r, {
    code: 0,
    err: '',
    out:
      'ID                            HOSTNAME   STATUS    AVAILABILITY   MANAGER STATUS\n' +
      `${LEADER_ID}     node1      Ready     Active         Leader\n` +
      `${SELF_ID} *   node2      Ready     Active         Reachable\n` +
      `${WORKER_ID}     node10     Down      Drain\n`,
  });
});

test('node ls -q: the IDs alone, in the same order', async () => {
  assert.deepEqual(await shoal(['node', 'ls', '-q']), {
    code: 0,
    err: '',
    out: `${LEADER_ID}\n${SELF_ID}\n${WORKER_ID}\n`,
  });
});

test('node ls --format substitutes the fields, one line per node, no header', async () => {
  const r = await shoal(['node', 'ls', '--format', '{{.ID}} {{.Hostname}}']);
  assert.deepEqual(r, {
    code: 0,
    err: '',
    out: `${LEADER_ID} node1\n${SELF_ID} node2\n${WORKER_ID} node10\n`,
  });
  const all = await shoal([
    'node',
    'ls',
    '--format',
    '{{.Hostname}}:{{.Status}}:{{.Availability}}:{{.ManagerStatus}}:{{.Addr}}:{{.Role}}',
  ]);
  assert.equal(
    all.out,
    'node1:Ready:Active:Leader:10.0.0.1:manager\n' +
      'node2:Ready:Active:Reachable:10.0.0.2:manager\n' +
      'node10:Down:Drain::10.0.0.3:worker\n',
  );
});

test('node ls --format "table …" aligns the columns under a header', async () => {
  const r = await shoal(['node', 'ls', '--format', 'table {{.Hostname}}\\t{{.Role}}\\t{{.Addr}}']);
  assert.equal(
    r.out,
    'HOSTNAME   ROLE      ADDRESS\n' +
      'node1      manager   10.0.0.1\n' +
      'node2      manager   10.0.0.2\n' +
      'node10     worker    10.0.0.3\n',
  );
});

test('node ls --format with an unknown field fails before asking the daemon', async () => {
  const before = calls.length;
  const r = await shoal(['node', 'ls', '--format', '{{.Engine}}']);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, /^template parsing error: can't evaluate field Engine/);
  assert.equal(calls.length, before);
});

test('node inspect: a JSON array shaped like docker’s, 2-space indented', async () => {
  const r = await shoal(['node', 'inspect', 'node1', 'node10']);
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  assert.ok(r.out.startsWith(`[\n  {\n    "ID": "${LEADER_ID}",\n    "Version": {\n      "Index": 12\n`));
  assert.ok(r.out.endsWith('\n]\n'));
  assert.deepEqual(JSON.parse(r.out), [
    {
      ID: LEADER_ID,
      Version: { Index: 12 },
      CreatedAt: '2024-01-02T03:04:05.678Z',
      UpdatedAt: '2024-01-02T03:05:05.678Z',
      Spec: { Labels: {}, Role: 'manager', Availability: 'active' },
      Description: { Hostname: 'node1' },
      Status: { State: 'ready', Addr: '10.0.0.1' },
      ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: '10.0.0.1' },
    },
    {
      ID: WORKER_ID,
      Version: { Index: 7 },
      CreatedAt: '2024-01-02T03:04:05.678Z',
      UpdatedAt: '2024-01-02T03:05:05.678Z',
      Spec: { Labels: { ssd: '', zone: 'b' }, Role: 'worker', Availability: 'drain' },
      Description: { Hostname: 'node10' },
      Status: { State: 'down', Addr: '10.0.0.3' },
    },
  ]);
});

test('node inspect self: the node the CLI talks to', async () => {
  const r = await shoal(['node', 'inspect', 'self']);
  assert.equal((JSON.parse(r.out) as { ID: string }[])[0]?.ID, SELF_ID);
});

test('node inspect --pretty', async () => {
  const r = await shoal(['node', 'inspect', '--pretty', 'node2', 'node10']);
  assert.deepEqual(r, {
    code: 0,
    err: '',
    out:
      `ID:                     ${SELF_ID}\n` +
      'Hostname:               node2\n' +
      'Joined at:              2024-01-02 03:04:05.678 +0000 utc\n' +
      'Status:\n' +
      ' State:                 Ready\n' +
      ' Availability:          Active\n' +
      ' Address:               10.0.0.2\n' +
      'Manager Status:\n' +
      ' Address:               10.0.0.2\n' +
      ' Raft Status:           Reachable\n' +
      ' Leader:                No\n' +
      '\n' +
      `ID:                     ${WORKER_ID}\n` +
      'Labels:\n' +
      ' - ssd\n' +
      ' - zone=b\n' +
      'Hostname:               node10\n' +
      'Joined at:              2024-01-02 03:04:05.678 +0000 utc\n' +
      'Status:\n' +
      ' State:                 Down\n' +
      ' Availability:          Drain\n' +
      ' Address:               10.0.0.3\n',
  });
});

test('a daemon error is shown as docker shows it, exit 1, no stack trace', async () => {
  assert.deepEqual(await shoal(['node', 'inspect', 'x']), {
    code: 1,
    out: '[]\n',
    err: 'Error response from daemon: no such node: x\n',
  });
});

test('node inspect shows what it found, then fails for what it did not', async () => {
  const r = await shoal(['node', 'inspect', 'x', 'node1', 'y']);
  assert.equal(r.code, 1);
  assert.deepEqual(
    (JSON.parse(r.out) as { ID: string }[]).map(n => n.ID),
    [LEADER_ID],
  );
  assert.equal(
    r.err,
    'Error response from daemon: no such node: x\nError response from daemon: no such node: y\n',
  );
});

test('node promote / demote send the role with the version read, and say it as docker does', async () => {
  const promoted = await shoal(['node', 'promote', 'node10']);
  assert.deepEqual(promoted, { code: 0, err: '', out: 'Node node10 promoted to a manager in the swarm.\n' });
  const req: UpdateNodeRequest = {
    nodeId: WORKER_ID,
    version: 7,
    desiredRole: 'manager',
    availability: '',
    labelAdd: {},
    labelRm: [],
  };
  assert.deepEqual(lastCall('UpdateNode'), req);

  const demoted = await shoal(['node', 'demote', 'node2']);
  assert.deepEqual(demoted, { code: 0, err: '', out: 'Manager node2 demoted in the swarm.\n' });
  assert.equal(lastCall('UpdateNode')?.desiredRole, 'worker');
});

test('node promote of a manager changes nothing', async () => {
  const before = calls.filter(c => c.method === 'UpdateNode').length;
  assert.deepEqual(await shoal(['node', 'promote', 'node1']), {
    code: 0,
    err: '',
    out: 'Node node1 is already a manager.\n',
  });
  assert.equal(calls.filter(c => c.method === 'UpdateNode').length, before);
});

test('node rm prints each removed node and reports each failure', async () => {
  assert.deepEqual(await shoal(['node', 'rm', '--force', 'node10']), { code: 0, err: '', out: 'node10\n' });
  assert.deepEqual(lastCall('RemoveNode'), { nodeId: 'node10', force: true });
  assert.deepEqual(await shoal(['node', 'rm', 'node1', 'node10', 'nope']), {
    code: 1,
    out: 'node10\n',
    err:
      `Error response from daemon: node ${LEADER_ID} is a cluster manager\n` +
      'Error response from daemon: no such node: nope\n',
  });
});

test('node inspect without a node is a usage error (exit 2)', async () => {
  const r = await shoal(['node', 'inspect']);
  assert.equal(r.code, 2);
  assert.match(r.err, /missing required argument 'node'/);
});

test('--help exits 0 and prints to standard output', async () => {
  const r = await shoal(['node', 'ls', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^Usage: shoal node ls\|list \[options\]/);
});

test('no daemon on the socket: the Cannot connect message, exit 1', async () => {
  const missing = join(dir, 'absent.sock');
  assert.deepEqual(await shoal(['node', 'ls'], missing), {
    code: 1,
    out: '',
    err: `Cannot connect to the shoal daemon at unix://${missing}. Is shoald running?\n`,
  });
});

test('--host overrides the default socket; anything but unix:// is refused', async () => {
  const missing = join(dir, 'absent.sock');
  const r = await shoal(['--host', `unix://${socketPath}`, 'node', 'ls', '-q'], missing);
  assert.equal(r.code, 0);
  assert.equal(r.out, `${LEADER_ID}\n${SELF_ID}\n${WORKER_ID}\n`);
  assert.deepEqual(await shoal(['node', 'ls', '-H', 'tcp://10.0.0.1:2377']), {
    code: 1,
    out: '',
    err: 'invalid host "tcp://10.0.0.1:2377": use unix:///path/to/shoald.sock\n',
  });
});
