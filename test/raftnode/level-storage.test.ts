/**
 * LevelStorage: what it persists comes back after a reopen, exactly; a held folder and damaged data are
 * refused with named errors; and the real Raft core can be driven over it and restarted from it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Level } from 'level';
import {
  CompactedError,
  EntryType,
  RawNode,
  SeededRng,
  SnapshotOutOfDateError,
  type Entry,
  type Snapshot,
} from '../../server/raft/index.ts';
import { entryKey } from '../../server/raftnode/codec.ts';
import { CorruptDataError, DataDirLockedError, LevelStorage } from '../../server/raftnode/level-storage.ts';

const ALL = Number.MAX_SAFE_INTEGER;
const encoder = new TextEncoder();

/** Runs `fn` with a fresh data folder, removed afterwards whatever happens. */
async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(os.tmpdir() + '/shoal-lvl-');
  try {
    await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function ent(index: number, term: number, text = `e${index}t${term}`): Entry {
  return { index, term, type: EntryType.Normal, data: encoder.encode(text) };
}

function range(lo: number, hi: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = lo; i <= hi; i++) out.push(ent(i, term));
  return out;
}

/** Entries as plain comparable values (data as an array, so Buffer vs Uint8Array does not matter). */
function plain(entries: Entry[]): unknown[] {
  return entries.map(e => ({ index: e.index, term: e.term, type: e.type, data: [...e.data] }));
}

/** Everything a reader of the storage can see, for comparing before and after a reopen. */
function view(s: LevelStorage): unknown {
  const first = s.firstIndex();
  const last = s.lastIndex();
  const snap = s.snapshot();
  const terms: number[] = [];
  for (let i = first - 1; i <= last; i++) terms.push(s.term(i));
  return {
    initial: s.initialState(),
    first,
    last,
    terms,
    entries: last >= first ? plain(s.entries(first, last + 1, ALL)) : [],
    snapshot: { metadata: snap.metadata, data: [...snap.data] },
  };
}

/** Opens the folder with a raw LevelDB handle (the storage must be closed) to damage it. */
async function withRawDb(dir: string, fn: (db: Level<string, Uint8Array>) => Promise<void>): Promise<void> {
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

/** A folder holding entries 1..10 at term 2 and a matching HardState, closed. */
async function writeTenEntries(dir: string): Promise<void> {
  const s = await LevelStorage.open(dir);
  await s.persist({ hardState: { term: 2, vote: 1, commit: 8 }, entries: range(1, 10, 2) });
  await s.close();
}

async function assertCorrupt(dir: string, detail: RegExp): Promise<void> {
  await assert.rejects(LevelStorage.open(dir), (err: unknown) => {
    assert.ok(err instanceof CorruptDataError, `expected CorruptDataError, got ${String(err)}`);
    assert.ok(err.message.startsWith(`data folder ${dir} is corrupted: `), err.message);
    assert.match(err.message, detail);
    assert.ok(!err.message.includes('\n'), 'the message is one line');
    return true;
  });
  // Refusing to start must not leave the folder locked.
  await withRawDb(dir, async () => {});
}

test('entries and HardState survive a reopen exactly', async () => {
  await withDir(async dir => {
    const s = await LevelStorage.open(dir);
    assert.equal(s.firstIndex(), 1);
    assert.equal(s.lastIndex(), 0);
    await s.persist({
      hardState: { term: 3, vote: 2, commit: 5 },
      entries: [...range(1, 4, 1), ...range(5, 7, 3)],
    });
    const before = view(s);
    await s.close();

    const r = await LevelStorage.open(dir);
    try {
      assert.deepEqual(view(r), before);
      assert.deepEqual(r.initialState().hardState, { term: 3, vote: 2, commit: 5 });
      assert.equal(r.firstIndex(), 1);
      assert.equal(r.lastIndex(), 7);
      assert.equal(r.term(0), 0);
      assert.equal(r.term(4), 1);
      assert.equal(r.term(5), 3);
      assert.deepEqual(plain(r.entries(2, 6, ALL)), plain([...range(2, 4, 1), ent(5, 3)]));
      // maxBytes limits the batch but always returns one entry.
      assert.equal(r.entries(2, 6, 0).length, 1);
    } finally {
      await r.close();
    }
  });
});

test('a conflicting suffix is replaced, in memory and on disk', async () => {
  await withDir(async dir => {
    const s = await LevelStorage.open(dir);
    await s.persist({ hardState: { term: 2, vote: 1, commit: 3 }, entries: range(1, 8, 2) });
    // A new leader at term 4 overwrites from index 5; 7 and 8 must go.
    await s.persist({ hardState: { term: 4, vote: 3, commit: 3 }, entries: range(5, 6, 4) });
    assert.equal(s.lastIndex(), 6);
    assert.equal(s.term(5), 4);
    assert.equal(s.term(4), 2);
    await s.close();

    const r = await LevelStorage.open(dir);
    try {
      assert.equal(r.lastIndex(), 6);
      assert.deepEqual(plain(r.entries(1, 7, ALL)), plain([...range(1, 4, 2), ...range(5, 6, 4)]));
      assert.deepEqual(r.initialState().hardState, { term: 4, vote: 3, commit: 3 });
    } finally {
      await r.close();
    }
    await withRawDb(dir, async db => {
      assert.equal(await db.get(entryKey(7)), undefined);
      assert.equal(await db.get(entryKey(8)), undefined);
    });
  });
});

test('invalid appends are refused before anything is written', async () => {
  await withDir(async dir => {
    const s = await LevelStorage.open(dir);
    try {
      await s.persist({ entries: range(1, 3, 1) });
      await assert.rejects(s.persist({ entries: [ent(5, 1)] }), RangeError); // gap after 3
      await assert.rejects(s.persist({ entries: [ent(4, 1), ent(6, 1)] }), RangeError); // not contiguous
      await assert.rejects(
        s.persist({ hardState: { term: 9, vote: 0, commit: 0 }, entries: [ent(4, -1)] }),
        RangeError,
      );
      assert.equal(s.lastIndex(), 3);
      assert.deepEqual(s.initialState().hardState, { term: 0, vote: 0, commit: 0 });
    } finally {
      await s.close();
    }
    const r = await LevelStorage.open(dir);
    try {
      assert.equal(r.lastIndex(), 3);
      assert.deepEqual(r.initialState().hardState, { term: 0, vote: 0, commit: 0 });
    } finally {
      await r.close();
    }
  });
});

test('a snapshot and compaction survive a reopen; compacted indexes throw CompactedError', async () => {
  await withDir(async dir => {
    const s = await LevelStorage.open(dir);
    await s.persist({ hardState: { term: 2, vote: 1, commit: 10 }, entries: range(1, 12, 2) });
    const snap = await s.createSnapshot(8, { voters: [1, 2, 3] }, encoder.encode('state@8'));
    assert.deepEqual(snap.metadata, { index: 8, term: 2, confState: { voters: [1, 2, 3] } });
    // Keep a tail below the snapshot, as the driver does for lagging followers.
    await s.compact(5);
    await assert.rejects(s.compact(5), CompactedError);
    await assert.rejects(s.compact(9), RangeError); // beyond the snapshot
    await assert.rejects(s.createSnapshot(7, { voters: [1] }, new Uint8Array(0)), SnapshotOutOfDateError);
    const before = view(s);
    await s.close();

    const r = await LevelStorage.open(dir);
    try {
      assert.deepEqual(view(r), before);
      assert.equal(r.firstIndex(), 6);
      assert.equal(r.lastIndex(), 12);
      assert.equal(r.term(5), 2);
      assert.throws(() => r.term(4), CompactedError);
      assert.throws(() => r.entries(5, 7, ALL), CompactedError);
      assert.deepEqual(r.initialState().confState, { voters: [1, 2, 3] });
      assert.deepEqual([...r.snapshot().data], [...encoder.encode('state@8')]);
      // Compact up to the snapshot, then reopen again.
      await r.compact(8);
      assert.equal(r.firstIndex(), 9);
    } finally {
      await r.close();
    }
    const r2 = await LevelStorage.open(dir);
    try {
      assert.equal(r2.firstIndex(), 9);
      assert.equal(r2.term(8), 2);
      assert.throws(() => r2.entries(8, 9, ALL), CompactedError);
      assert.deepEqual(plain(r2.entries(9, 13, ALL)), plain(range(9, 12, 2)));
    } finally {
      await r2.close();
    }
  });
});

test('a snapshot from the leader replaces the log, durably', async () => {
  await withDir(async dir => {
    const s = await LevelStorage.open(dir);
    await s.persist({ hardState: { term: 1, vote: 1, commit: 2 }, entries: range(1, 6, 1) });
    const snap: Snapshot = {
      metadata: { index: 20, term: 5, confState: { voters: [1, 2] } },
      data: encoder.encode('leader state'),
    };
    await s.persist({
      hardState: { term: 5, vote: 0, commit: 20 },
      snapshot: snap,
      entries: range(21, 22, 5),
    });
    await assert.rejects(s.persist({ snapshot: snap }), SnapshotOutOfDateError);
    assert.equal(s.firstIndex(), 21);
    const before = view(s);
    await s.close();

    const r = await LevelStorage.open(dir);
    try {
      assert.deepEqual(view(r), before);
      assert.equal(r.term(20), 5);
      assert.throws(() => r.term(19), CompactedError);
      assert.deepEqual(r.initialState(), {
        hardState: { term: 5, vote: 0, commit: 20 },
        confState: { voters: [1, 2] },
      });
    } finally {
      await r.close();
    }
    await withRawDb(dir, async db => {
      assert.deepEqual(await db.keys({ gte: 'e/', lt: 'e0' }).all(), [entryKey(21), entryKey(22)]);
    });
  });
});

test('a second open of a folder in use fails with DataDirLockedError; the first keeps working', async () => {
  await withDir(async dir => {
    const s = await LevelStorage.open(dir);
    try {
      await assert.rejects(LevelStorage.open(dir), (err: unknown) => {
        assert.ok(err instanceof DataDirLockedError, String(err));
        assert.equal(err.message, `data folder ${dir} is in use by another process`);
        return true;
      });
      await s.persist({ hardState: { term: 1, vote: 1, commit: 1 }, entries: [ent(1, 1)] });
      assert.equal(s.lastIndex(), 1);
    } finally {
      await s.close();
    }
    const r = await LevelStorage.open(dir);
    try {
      assert.equal(r.lastIndex(), 1);
    } finally {
      await r.close();
    }
  });
});

test('corruption: one flipped payload byte is detected, not served', async () => {
  await withDir(async dir => {
    await writeTenEntries(dir);
    await withRawDb(dir, async db => {
      const value = await db.get(entryKey(5));
      assert.ok(value !== undefined);
      const damaged = new Uint8Array(value);
      damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 0x01; // one bit of the data
      await db.put(entryKey(5), damaged);
    });
    await assertCorrupt(dir, /log entry 5: checksum mismatch/);
  });
});

test('corruption: a missing entry in the middle is a gap', async () => {
  await withDir(async dir => {
    await writeTenEntries(dir);
    await withRawDb(dir, db => db.del(entryKey(4)));
    await assertCorrupt(dir, /log entry 4 is missing/);
  });
});

test('corruption: a value too short to hold a checksum', async () => {
  await withDir(async dir => {
    await writeTenEntries(dir);
    await withRawDb(dir, db => db.put(entryKey(6), new Uint8Array([0xab, 0xcd])));
    await assertCorrupt(dir, /log entry 6: value of 2 bytes is too short/);
  });
});

test('corruption: garbage in CURRENT is a CorruptDataError, not a raw level error', async () => {
  await withDir(async dir => {
    await writeTenEntries(dir);
    fs.writeFileSync(path.join(dir, 'CURRENT'), 'garbage');
    await assert.rejects(LevelStorage.open(dir), (err: unknown) => {
      assert.ok(err instanceof CorruptDataError, String(err));
      assert.match(err.message, new RegExp(`^data folder ${dir} is corrupted: .*LEVEL_CORRUPTION`));
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  });
});

test('corruption: an entry stored under another index, a lost tail, a damaged HardState', async () => {
  await withDir(async dir => {
    await writeTenEntries(dir);
    await withRawDb(dir, async db => {
      const seven = await db.get(entryKey(7));
      assert.ok(seven !== undefined);
      await db.put(entryKey(3), seven); // a valid record, under the wrong key
    });
    await assertCorrupt(dir, /log entry 3 holds entry 7/);
  });
  await withDir(async dir => {
    await writeTenEntries(dir);
    // Lose the tail: the HardState says 8 is committed, but the log now ends at 7.
    await withRawDb(dir, db => db.batch([8, 9, 10].map(i => ({ type: 'del' as const, key: entryKey(i) }))));
    await assertCorrupt(dir, /commit index 8 is beyond the last log entry 7/);
  });
  await withDir(async dir => {
    await writeTenEntries(dir);
    await withRawDb(dir, async db => {
      const hs = await db.get('h');
      assert.ok(hs !== undefined);
      const damaged = new Uint8Array(hs);
      damaged[10] = (damaged[10] ?? 0) ^ 0xff;
      await db.put('h', damaged);
    });
    await assertCorrupt(dir, /hard state: checksum mismatch/);
  });
});

/** A physical record of LevelDB's write-ahead log: where it starts, its payload length and type. */
interface WalRecord {
  offset: number;
  length: number;
  type: number;
}

/**
 * The one write-ahead log with content in `dir` (LevelDB starts a new one on every open, and keeps
 * writes in it until it compacts), and its records, read by the block layout of LevelDB's log format.
 */
function walOf(dir: string): { file: string; path: string; records: WalRecord[] } {
  const logs = fs
    .readdirSync(dir)
    .filter(f => /^\d+\.log$/.test(f) && fs.statSync(path.join(dir, f)).size > 0);
  const [file] = logs;
  assert.ok(file !== undefined && logs.length === 1, `one write-ahead log with content, got [${logs}]`);
  const bytes = fs.readFileSync(path.join(dir, file));
  const records: WalRecord[] = [];
  for (let pos = 0; pos + 7 <= bytes.length;) {
    const blockEnd = (Math.floor(pos / 32768) + 1) * 32768;
    if (blockEnd - pos < 7) {
      pos = blockEnd;
      continue;
    }
    const length = bytes.readUInt16LE(pos + 4);
    records.push({ offset: pos, length, type: bytes.readUInt8(pos + 6) });
    pos += 7 + length;
  }
  return { file, path: path.join(dir, file), records };
}

/**
 * Writes `batches` synced batches of `perBatch` entries of about `size` bytes, each with a HardState
 * committing it, and closes without compacting, so the writes are all in the write-ahead log.
 */
async function writeBatches(dir: string, batches: number, perBatch = 5, size = 400): Promise<Entry[]> {
  const s = await LevelStorage.open(dir);
  const all: Entry[] = [];
  try {
    for (let b = 0; b < batches; b++) {
      const lo = b * perBatch + 1;
      const entries = range(lo, lo + perBatch - 1, 1).map(e =>
        ent(e.index, 1, `${e.index}:`.padEnd(size, 'x')),
      );
      await s.persist({ hardState: { term: 1, vote: 1, commit: lo + perBatch - 1 }, entries });
      all.push(...entries);
    }
  } finally {
    await s.close();
  }
  return all;
}

/** sha-256 of every file in `dir`, by name. */
function hashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fs.readdirSync(dir).sort()) {
    out.set(
      f,
      createHash('sha256')
        .update(fs.readFileSync(path.join(dir, f)))
        .digest('hex'),
    );
  }
  return out;
}

/** Opens `dir` and checks it holds exactly `entries`, committed up to the last of them. */
async function assertHolds(dir: string, entries: Entry[]): Promise<void> {
  const s = await LevelStorage.open(dir);
  try {
    const last = entries.at(-1)?.index ?? 0;
    assert.equal(s.lastIndex(), last);
    assert.deepEqual(plain(s.entries(1, last + 1, ALL)), plain(entries));
    assert.deepEqual(s.initialState().hardState, { term: 1, vote: 1, commit: last });
  } finally {
    await s.close();
  }
}

test('write-ahead log: an undamaged log is read back whole', async () => {
  await withDir(async dir => {
    const written = await writeBatches(dir, 40);
    const wal = walOf(dir);
    assert.ok(wal.records.length >= 40, `one record or more per batch, got ${wal.records.length}`);
    assert.ok(
      wal.records.some(r => r.type === 2),
      'some batch spans two blocks (FIRST ... LAST)',
    );
    await assertHolds(dir, written);
  });
});

for (const where of ['in the middle of the log', 'just before the last one'] as const) {
  test(`write-ahead log: a damaged record ${where} is refused before LevelDB opens; no file changes`, async () => {
    await withDir(async dir => {
      const written = await writeBatches(dir, 40);
      const wal = walOf(dir);
      const n = wal.records.length;
      const victim = wal.records[where === 'in the middle of the log' ? Math.floor(n / 2) : n - 2];
      assert.ok(victim !== undefined && victim.length > 0);
      const bytes = fs.readFileSync(wal.path);
      const at = victim.offset + 7 + Math.floor(victim.length / 2);
      bytes[at] = (bytes[at] ?? 0) ^ 0x01;
      fs.writeFileSync(wal.path, bytes);
      const before = hashes(dir);

      await assert.rejects(LevelStorage.open(dir), (err: unknown) => {
        assert.ok(err instanceof CorruptDataError, `expected CorruptDataError, got ${String(err)}`);
        assert.equal(
          err.message.replace(/ \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/, ''),
          `data folder ${dir} is corrupted: LevelDB write-ahead log ${wal.file} is damaged at offset ` +
            `${victim.offset}: checksum mismatch`,
        );
        assert.ok(!err.message.includes('\n'));
        return true;
      });
      assert.deepEqual(hashes(dir), before, 'every file is byte for byte as it was, LOG and LOCK too');

      // What the check prevents: LevelDB alone opens a copy without a word, short of acknowledged
      // entries. Near the end of the log, nothing after them shows a gap, and the storage would start.
      await withDir(async copy => {
        fs.cpSync(dir, copy, { recursive: true });
        await withRawDb(copy, async db => {
          const kept = await db.keys({ gte: 'e/', lt: 'e0' }).all();
          assert.ok(kept.length < written.length, `LevelDB kept ${kept.length} of ${written.length}`);
        });
      });
    });
  });
}

test('write-ahead log: a last record torn by a crash is dropped, everything before it is kept', async () => {
  await withDir(async dir => {
    const written = await writeBatches(dir, 40);
    const wal = walOf(dir);
    const last = wal.records.at(-1);
    assert.ok(last !== undefined && last.length > 1);
    fs.truncateSync(wal.path, last.offset + 7 + Math.floor(last.length / 2));
    // The torn batch was the last one; its entries and HardState are gone, all others are there.
    await assertHolds(dir, written.slice(0, -5));
  });
});

test('write-ahead log: a batch whose LAST record never reached the file is dropped too', async () => {
  await withDir(async dir => {
    // The last batch is 5 entries of 10 KB: FIRST, MIDDLE and LAST over two or more blocks.
    const small = await writeBatches(dir, 10);
    const s = await LevelStorage.open(dir);
    const big = range(51, 55, 2).map(e => ent(e.index, 2, 'y'.repeat(10_000)));
    await s.persist({ hardState: { term: 2, vote: 1, commit: 55 }, entries: big });
    await s.close();
    const wal = walOf(dir);
    const first = [...wal.records].reverse().find(r => r.type === 2);
    assert.ok(first !== undefined && wal.records.at(-1)?.type === 4, 'the last batch ends in a LAST record');
    fs.truncateSync(wal.path, first.offset + 7 + first.length);
    await assertHolds(dir, small);
  });
});

/** Persists and acknowledges every Ready the node has, as the driver does (step 1 then advance). */
async function drain(raw: RawNode, storage: LevelStorage): Promise<void> {
  while (raw.hasReady()) {
    const rd = raw.ready();
    await storage.persist({
      ...(rd.hardState ? { hardState: rd.hardState } : {}),
      entries: rd.entries,
      ...(rd.snapshot ? { snapshot: rd.snapshot } : {}),
    });
    raw.advance(rd);
  }
}

test('the real core runs over it and restarts from it', async () => {
  await withDir(async dir => {
    const storage = await LevelStorage.open(dir);
    const raw = new RawNode({ id: 1, storage, peers: [1], rng: new SeededRng(1) });
    await drain(raw, storage);
    raw.campaign();
    await drain(raw, storage);
    assert.equal(raw.status().softState.lead, 1);
    for (let i = 0; i < 5; i++) {
      raw.propose(encoder.encode(`cmd-${i}`), encoder.encode(`cmd-${i}b`));
      await drain(raw, storage);
    }
    const status = raw.status();
    assert.equal(status.hardState.commit, status.lastIndex, 'a single voter commits everything');
    const entries = plain(storage.entries(1, storage.lastIndex() + 1, ALL));
    assert.ok(entries.length >= 11, 'the bootstrap entry, the leader entry and 10 proposals');
    await storage.close();

    const reopened = await LevelStorage.open(dir);
    try {
      const again = new RawNode({ id: 1, storage: reopened, rng: new SeededRng(2) });
      const st = again.status();
      assert.deepEqual(st.hardState, status.hardState);
      assert.equal(st.lastIndex, status.lastIndex);
      assert.equal(reopened.lastIndex(), status.lastIndex);
      assert.deepEqual(plain(reopened.entries(1, reopened.lastIndex() + 1, ALL)), entries);
    } finally {
      await reopened.close();
    }
  });
});

test('synced batch rate (diagnostic only)', async t => {
  await withDir(async dir => {
    const s = await LevelStorage.open(dir);
    try {
      const payload = 'x'.repeat(300);
      const batches = 200;
      const started = performance.now();
      for (let b = 0; b < batches; b++) {
        const lo = b * 10 + 1;
        const entries = range(lo, lo + 9, 1).map(e => ({ ...e, data: encoder.encode(payload) }));
        await s.persist({ hardState: { term: 1, vote: 1, commit: lo + 9 }, entries });
      }
      const seconds = (performance.now() - started) / 1000;
      assert.equal(s.lastIndex(), batches * 10);
      t.diagnostic(
        `${batches} synced batches of 10 × 300 B entries in ${(seconds * 1000).toFixed(0)} ms: ` +
          `${(batches / seconds).toFixed(0)} batches/s, ${((batches * 10) / seconds).toFixed(0)} entries/s`,
      );
    } finally {
      await s.close();
    }
  });
});
