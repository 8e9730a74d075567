/**
 * shoald's data folder is its own: what it creates there is 0600 (files) and 0700 (folders), LevelDB's
 * files included, and its socket is 0600; a folder or a file in it that other users can read or write,
 * or that belongs to another user, may have leaked: shoald refuses to start on it, in one line naming
 * it, its mode and the command that fixes it, and changes nothing. shoald runs as a real process.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { harness } from './helpers.ts';
import { exitOf, initialisedFolder, oneLine, shoaldProcesses, snapshotOf, stop } from './shoald-process.ts';

const h = harness('shoal-private-');
const processes = shoaldProcesses();
after(async () => {
  try {
    await processes.cleanup();
  } finally {
    await h.cleanup();
  }
});

/** The permission bits of everything under `dir` (itself included), by path relative to it. */
function modesOf(dir: string): Map<string, { mode: number; folder: boolean }> {
  const out = new Map<string, { mode: number; folder: boolean }>();
  const walk = (path: string): void => {
    const st = statSync(path);
    out.set(relative(dir, path) || '.', { mode: st.mode & 0o7777, folder: st.isDirectory() });
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return out;
}

function assertPrivate(dir: string): void {
  const open = [...modesOf(dir)]
    .filter(([, m]) => m.mode !== (m.folder ? 0o700 : 0o600))
    .map(([path, m]) => `${path} ${m.mode.toString(8)}`);
  assert.deepEqual(open, [], 'every folder 0700, every file 0600');
}

/** Starts shoald on `dir`, initialises a cluster, stops it; returns the folder. Made once. */
let made: Promise<string> | undefined;
function stoppedCluster(): Promise<string> {
  const socket = join(h.root, 'fresh.sock');
  made ??= initialisedFolder(processes, join(h.root, 'fresh'), socket, () =>
    assert.equal(statSync(socket).mode & 0o777, 0o600, 'the socket is 0600'),
  );
  return made;
}

test('a fresh data folder: everything shoald creates is 0600 or 0700, LevelDB files included', async () => {
  const dir = await stoppedCluster();
  const files = [...modesOf(dir).keys()];
  for (const expected of ['state.json', 'certificates/swarm-node.key', 'certificates/swarm-root-ca.kek']) {
    assert.ok(files.includes(expected), `${expected} exists: ${files.join(' ')}`);
  }
  assert.ok(
    files.some(f => /^raft\/MANIFEST-\d+$/.test(f)) && files.some(f => /^raft\/\d+\.log$/.test(f)),
    `LevelDB's files are there: ${files.join(' ')}`,
  );
  assertPrivate(dir);

  // A restart replays LevelDB's log into a table file (.ldb): created as privately.
  const copy = join(h.root, 'restarted');
  cpSync(dir, copy, { recursive: true });
  const socket = join(h.root, 'restarted.sock');
  const p = processes.start(copy, socket);
  await processes.ready(p, socket);
  assert.equal(statSync(socket).mode & 0o777, 0o600, 'the socket is 0600');
  await stop(p);
  assert.ok(
    [...modesOf(copy).keys()].some(f => /^raft\/\d+\.ldb$/.test(f)),
    'LevelDB wrote a table file on restart',
  );
  assertPrivate(copy);
});

test('a data folder created beforehand with mode 0755 is refused, with the fix, and nothing is made in it', async () => {
  const dir = join(h.root, 'packaged');
  const socket = join(h.root, 'packaged.sock');
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  const p = processes.start(dir, socket);
  assert.equal((await exitOf(p)).code, 1);
  assert.equal(
    oneLine(p.stderr()),
    `shoald: data folder ${dir} is open to other users (mode 0755), so what it holds may have leaked; fix: chmod -R go= ${dir}`,
  );
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(existsSync(socket), false, 'no socket was created');

  // The fix it names works.
  chmodSync(dir, 0o700);
  const again = processes.start(dir, socket);
  await processes.ready(again, socket);
  await stop(again);
});

const opened: { file: string; mode: number }[] = [
  { file: 'state.json', mode: 0o644 },
  { file: 'certificates/swarm-node.key', mode: 0o640 },
  { file: 'raft/CURRENT', mode: 0o604 },
  { file: 'certificates', mode: 0o750 },
  { file: 'raft', mode: 0o720 },
];

for (const c of opened) {
  test(`${c.file} made ${c.mode.toString(8)} in a data folder: refused, naming it, changing nothing`, async () => {
    const dir = join(h.root, `opened-${opened.indexOf(c)}`);
    const socket = `${dir}.sock`;
    cpSync(await stoppedCluster(), dir, { recursive: true });
    chmodSync(join(dir, c.file), c.mode);
    const before = snapshotOf(dir);
    const modes = modesOf(dir);

    const p = processes.start(dir, socket);
    assert.equal((await exitOf(p)).code, 1);
    assert.equal(
      oneLine(p.stderr()),
      `shoald: ${join(dir, c.file)} in the data folder is open to other users (mode 0${c.mode.toString(8)}), so what it holds may have leaked; fix: chmod -R go= ${dir}`,
    );
    assert.deepEqual(snapshotOf(dir), before);
    assert.deepEqual(modesOf(dir), modes);
    assert.equal(existsSync(socket), false, 'no socket was created');
  });
}

test('a file of the data folder that belongs to another user is refused, naming it', async t => {
  if (process.geteuid?.() !== 0) {
    t.skip('needs root to give a file away');
    return;
  }
  const dir = join(h.root, 'owned');
  const socket = `${dir}.sock`;
  cpSync(await stoppedCluster(), dir, { recursive: true });
  const nobody = 65534;
  chownSync(join(dir, 'state.json'), nobody, nobody);
  const before = snapshotOf(dir);

  const p = processes.start(dir, socket);
  assert.equal((await exitOf(p)).code, 1);
  assert.equal(
    oneLine(p.stderr()),
    `shoald: ${join(dir, 'state.json')} in the data folder belongs to uid ${nobody}, not to this user (uid 0), so another user may have read or changed it; fix: chown -R 0 ${dir}`,
  );
  assert.deepEqual(snapshotOf(dir), before);
  assert.equal(statSync(join(dir, 'state.json')).uid, nobody);
});
