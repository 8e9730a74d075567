/**
 * shoald against bad input, where it must refuse cleanly and keep what it has: a data folder held by
 * another shoald, damaged LevelDB files (CURRENT, MANIFEST, write-ahead log), malformed requests on the
 * local socket, and garbage bytes on the manager port. Where the outcome is "shoald exits", shoald runs
 * as a real process.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { freePort, harness, socketClient, until, type SocketClient } from './helpers.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const h = harness('shoal-bad-input-');

interface Shoald {
  child: ChildProcess;
  /** Resolves once the process has exited and its output is read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  running(): boolean;
}
const procs: Shoald[] = [];
const clients: SocketClient[] = [];
const sockets: Socket[] = [];
after(async () => {
  try {
    for (const s of sockets.splice(0)) s.destroy();
    for (const c of clients.splice(0)) c.close();
    for (const p of procs.splice(0)) {
      if (p.running()) p.child.kill('SIGKILL');
      await p.exited;
    }
  } finally {
    await h.cleanup();
  }
});

/** Starts bin/shoald.ts as its own process, as an operator would. */
function shoald(dataDir: string, socket: string): Shoald {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // the child is a daemon, not a test file
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/shoald.ts',
      '--data-dir',
      dataDir,
      '--socket',
      socket,
      '--log-level',
      'silent',
      '--tick-ms',
      '20',
      // Imaginary tasks: a real data plane would be built in the namespace this test runs in (the root one).
      '--executor',
      'test',
    ],
    { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const p: Shoald = {
    child,
    exited,
    stderr: () => stderr,
    running: () => child.exitCode === null && child.signalCode === null,
  };
  procs.push(p);
  return p;
}

function local(socket: string, service: 'Swarm' | 'Control'): SocketClient {
  // The helper's deadline: Init (RSA keys, in a shoald beside the suite) took over 5 s on a loaded machine.
  const c = socketClient(socket, service);
  clients.push(c);
  return c;
}

/** Waits until shoald answers on its socket (failing at once if it exits instead). */
async function ready(p: Shoald, socket: string): Promise<void> {
  const info = local(socket, 'Swarm');
  await until(
    'shoald to answer on its socket',
    async () => {
      if (!p.running()) assert.fail(`shoald exited early: ${p.stderr()}`);
      return info.call('Info', {}).then(
        () => true,
        () => false,
      );
    },
    15_000,
  );
}

async function exitOf(
  p: Shoald,
  ms = 15_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`shoald did not exit within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function stop(p: Shoald): Promise<void> {
  p.child.kill('SIGTERM');
  assert.deepEqual(await exitOf(p), { code: 0, signal: null });
}

/** The one line a refused start must print: no stack trace, nothing else. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter(l => l !== '');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m);
  return lines[0] ?? '';
}

/**
 * sha-256 of every file under `dir`, by relative path. LevelDB renames its informational log (LOG →
 * LOG.old) on every open attempt, before it reads anything, so those two are left out.
 */
function snapshotOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const f = join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name !== 'LOG' && e.name !== 'LOG.old') {
        out.set(relative(dir, f), createHash('sha256').update(readFileSync(f)).digest('hex'));
      }
    }
  };
  walk(dir);
  return out;
}

/** A running shoald with an initialised single-manager cluster. */
async function cluster(name: string): Promise<{ p: Shoald; dir: string; socket: string; port: number }> {
  const dir = join(h.root, name);
  const socket = join(h.root, `${name}.sock`);
  const p = shoald(dir, socket);
  await ready(p, socket);
  const port = await freePort();
  await local(socket, 'Swarm').call('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  return { p, dir, socket, port };
}

/** A data folder of an initialised cluster whose shoald was stopped with SIGTERM; made once. */
let stopped: Promise<string> | undefined;
function stoppedCluster(): Promise<string> {
  stopped ??= (async () => {
    const c = await cluster('stopped');
    await stop(c.p);
    return c.dir;
  })();
  return stopped;
}

test('a second shoald on a data folder in use exits 1 with one line and disturbs nothing', async () => {
  const first = await cluster('locked');
  const second = shoald(first.dir, first.socket);
  const { code } = await exitOf(second);
  assert.equal(code, 1);
  assert.match(oneLine(second.stderr()), /^shoald: data folder .* is in use by another process$/);

  // The first keeps its folder and its socket.
  assert.ok(first.p.running());
  const nodes = (await local(first.socket, 'Control').call('ListNodes', {})).nodes as unknown[];
  assert.equal(nodes.length, 1);
  await stop(first.p);
});

interface Damage {
  name: string;
  damage(raftDir: string): void;
  /** What the one line says after "is corrupted: ". */
  detail: RegExp;
}

function flipMiddleByte(file: string): void {
  const b = readFileSync(file);
  const i = Math.floor(b.length / 2);
  b[i] = (b[i] ?? 0) ^ 0xff;
  writeFileSync(file, b);
}

const damages: Damage[] = [
  {
    name: 'CURRENT names a manifest that does not exist',
    damage: dir => writeFileSync(join(dir, 'CURRENT'), 'garbage\n'),
    detail: /^LevelDB cannot open it: .*No such file or directory/,
  },
  {
    name: 'CURRENT holds binary garbage',
    damage: dir => writeFileSync(join(dir, 'CURRENT'), Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00])),
    detail: /^LevelDB cannot open it: .*Corruption/,
  },
  {
    name: 'a byte of the MANIFEST is flipped',
    damage: dir => {
      const manifest = readdirSync(dir).find(f => f.startsWith('MANIFEST-'));
      assert.ok(manifest !== undefined, 'a MANIFEST file exists');
      flipMiddleByte(join(dir, manifest));
    },
    detail: /^LevelDB cannot open it: .*Corruption: checksum mismatch/,
  },
  {
    // LevelDB itself would drop the record while replaying the log, and rewrite the folder without it.
    name: "a record of LevelDB's write-ahead log is damaged",
    damage: dir => {
      const logs = readdirSync(dir).filter(f => /^\d+\.log$/.test(f) && statSync(join(dir, f)).size > 0);
      assert.equal(logs.length, 1, `one write-ahead log with content: [${logs}]`);
      const file = join(dir, logs[0] ?? '');
      const b = readFileSync(file);
      // The log's first record, with more after it: a damaged record, not a torn tail.
      const length = b.readUInt16LE(4);
      assert.ok(length > 0 && b.length > 7 + length, 'the log holds more than one record');
      const i = 7 + Math.floor(length / 2);
      b[i] = (b[i] ?? 0) ^ 0x01;
      writeFileSync(file, b);
    },
    detail: /^LevelDB write-ahead log \d+\.log is damaged at offset 0: checksum mismatch /,
  },
];

for (const c of damages) {
  test(`damaged data (${c.name}): shoald exits 1 with one line and touches nothing`, async () => {
    const dir = join(h.root, `damaged-${damages.indexOf(c)}`);
    const socket = `${dir}.sock`;
    cpSync(await stoppedCluster(), dir, { recursive: true });
    c.damage(join(dir, 'raft'));
    const before = snapshotOf(dir);

    const p = shoald(dir, socket);
    const { code } = await exitOf(p);
    assert.equal(code, 1);
    const line = oneLine(p.stderr());
    const prefix = `shoald: data folder ${join(dir, 'raft')} is corrupted: `;
    assert.ok(line.startsWith(prefix), line);
    assert.match(line.slice(prefix.length), c.detail);

    assert.deepEqual(snapshotOf(dir), before);
    assert.equal(existsSync(socket), false, 'no socket was created');
  });
}

test('malformed Control requests get INVALID_ARGUMENT and change nothing', async () => {
  const socket = join(h.root, 'inproc.sock');
  await h.daemon('inproc');
  await h.client('inproc', 'Swarm')('Init', {
    listenAddr: `127.0.0.1:${await freePort()}`,
    advertiseAddr: '',
  });
  const control = h.client('inproc', 'Control');
  const [self] = (await control('ListNodes', {})).nodes as { id: string }[];
  assert.ok(self !== undefined);
  const node = async (): Promise<Record<string, unknown>> =>
    (await control('GetNode', { nodeId: self.id })).node as Record<string, unknown>;
  const untouched = await node();

  const cases: { method: string; req: object; details: RegExp }[] = [
    { method: 'GetNode', req: { nodeId: '' }, details: /^node ID is required$/ },
    { method: 'UpdateNode', req: { nodeId: '' }, details: /^node ID is required$/ },
    { method: 'RemoveNode', req: { nodeId: '' }, details: /^node ID is required$/ },
    {
      method: 'UpdateNode',
      req: { nodeId: self.id, availability: 'sideways' },
      details: /^invalid availability "sideways": use active, pause or drain$/,
    },
    {
      method: 'UpdateNode',
      req: { nodeId: self.id, labelRm: ['missing'] },
      details: /^key missing doesn't exist in node's labels$/,
    },
    {
      method: 'UpdateNode',
      req: { nodeId: self.id, labelAdd: { '': 'x' } },
      details: /^a label key cannot be empty$/,
    },
    {
      method: 'RotateJoinToken',
      req: { role: 'admin' },
      details: /^unknown role admin: use worker or manager$/,
    },
    { method: 'RotateJoinToken', req: { role: '' }, details: /^unknown role : use worker or manager$/ },
  ];
  for (const c of cases) {
    await assert.rejects(
      control(c.method, c.req),
      { code: grpc.status.INVALID_ARGUMENT, details: c.details },
      `${c.method} ${JSON.stringify(c.req)}`,
    );
  }

  // Bytes that are not a protobuf message at all are refused too, and the daemon keeps answering.
  const raw = new grpc.Client(`unix:${socket}`, grpc.credentials.createInsecure());
  try {
    const status = await new Promise<grpc.StatusObject>(resolve => {
      raw
        .makeUnaryRequest(
          '/shoal.v1.Control/GetNode',
          () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
          (b: Buffer) => b,
          {},
          new grpc.Metadata(),
          { deadline: Date.now() + 5000 },
          () => undefined,
        )
        .on('status', resolve);
    });
    assert.notEqual(status.code, grpc.status.OK);
  } finally {
    raw.close();
  }

  assert.deepEqual(await node(), untouched);
});

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed byte for byte. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

test('garbage on the manager port does not disturb the cluster', async () => {
  const c = await cluster('garbage');
  const control = local(c.socket, 'Control');
  const before = (await control.call('GetCluster', {})).cluster as { workerToken: string };
  const rand = mulberry32(0x5ea1);
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
  const closed: Promise<void>[] = [];
  const track = (s: Socket): void => {
    s.on('error', () => undefined); // the server hanging up on garbage is the expected outcome
    s.resume(); // read whatever the server answers, so its hang-up is seen
    sockets.push(s);
    closed.push(new Promise(resolve => s.on('close', () => resolve())));
  };

  // 20 plain TCP clients: half write a burst and reset the connection, half keep sending for a while.
  const timers: NodeJS.Timeout[] = [];
  for (let i = 0; i < 20; i++) {
    const s = connect(c.port, '127.0.0.1');
    track(s);
    const burst = bytes(16 + Math.floor(rand() * 4096));
    if (i % 2 === 0) {
      s.on('connect', () => s.write(burst, () => s.resetAndDestroy()));
    } else {
      let left = 15;
      s.on('connect', () => {
        const t = setInterval(() => {
          if (left-- === 0 || s.destroyed) {
            clearInterval(t);
            s.end();
          } else {
            s.write(bytes(1 + Math.floor(rand() * 512)));
          }
        }, 20);
        timers.push(t);
      });
    }
  }
  // And a few that complete the TLS handshake first, so the garbage reaches the HTTP/2 layer.
  for (let i = 0; i < 4; i++) {
    const s = tlsConnect({
      host: '127.0.0.1',
      port: c.port,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
      servername: 'swarm-manager',
    });
    track(s);
    s.on('secureConnect', () => s.write(bytes(64 + Math.floor(rand() * 1024)), () => s.end()));
  }

  try {
    // The cluster answers while the garbage flows…
    assert.equal(((await control.call('ListNodes', {})).nodes as unknown[]).length, 1);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('garbage connections still open after 10 s')), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    for (const t of timers) clearInterval(t);
  }

  // …and after it: reads answer, writes commit, the process is alive and said nothing.
  assert.equal(((await control.call('ListNodes', {})).nodes as unknown[]).length, 1);
  const rotated = (await control.call('RotateJoinToken', { role: 'worker' })).cluster as {
    workerToken: string;
  };
  assert.notEqual(rotated.workerToken, before.workerToken);
  const now = (await control.call('GetCluster', {})).cluster as { workerToken: string };
  assert.equal(now.workerToken, rotated.workerToken);
  assert.ok(c.p.running(), `shoald exited: ${c.p.stderr()}`);
  assert.equal(c.p.stderr(), '');
  await stop(c.p);
});

test('swarm init on a busy listen address fails clearly, and works once the address is free', async () => {
  await h.daemon('busy');
  const swarm = h.client('busy', 'Swarm');
  const blocker = createServer();
  await new Promise<void>(r => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  await assert.rejects(
    swarm('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' }),
    (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.FAILED_PRECONDITION, `${grpc.status[e.code]} ${e.details}`);
      assert.match(e.details, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
      return true;
    },
  );
  await new Promise(r => blocker.close(r));
  const init = await swarm('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  assert.match(String(init.workerToken), /^SWMTKN-1-/);
});
