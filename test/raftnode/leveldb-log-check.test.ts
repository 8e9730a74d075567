/**
 * The write-ahead log check on handcrafted logs: what LevelDB's writer lays out (records split over
 * blocks, padded block tails) passes, a torn or zero-filled tail passes, and damage anywhere else is
 * found at the offset of the damaged record.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { crc32c, maskCrc } from '../../server/raftnode/crc32c.ts';
import {
  findDamagedLog,
  findLogDamage,
  LOG_BLOCK_SIZE as BLOCK,
  LOG_HEADER_SIZE as HEADER,
  RecordType,
} from '../../server/raftnode/leveldb-log-check.ts';

const { Full: FULL, First: FIRST, Middle: MIDDLE, Last: LAST } = RecordType;

/** One physical record: header (masked CRC-32C of type and payload, length, type) and payload. */
function record(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length);
  out[6] = type;
  out.set(payload, HEADER);
  const view = new DataView(out.buffer);
  view.setUint16(4, payload.length, true);
  view.setUint32(0, maskCrc(crc32c(out, 6)), true);
  return out;
}

interface Physical {
  offset: number;
  type: number;
  length: number;
}

/**
 * A log as LevelDB's writer lays it out: each user record in one FULL record or split into
 * FIRST/MIDDLE/LAST at block ends, and a block tail too short for a header filled with `pad`.
 */
function writeLog(users: Uint8Array[], pad = 0): { log: Uint8Array; records: Physical[] } {
  const parts: Uint8Array[] = [];
  const records: Physical[] = [];
  let size = 0;
  const emit = (bytes: Uint8Array): void => {
    parts.push(bytes);
    size += bytes.length;
  };
  for (const user of users) {
    let at = 0;
    let begin = true;
    do {
      const leftover = BLOCK - (size % BLOCK);
      if (leftover < HEADER) emit(new Uint8Array(leftover).fill(pad));
      const room = BLOCK - (size % BLOCK) - HEADER;
      const length = Math.min(user.length - at, room);
      const end = at + length === user.length;
      const type = begin && end ? FULL : begin ? FIRST : end ? LAST : MIDDLE;
      records.push({ offset: size, type, length });
      emit(record(type, user.subarray(at, at + length)));
      at += length;
      begin = false;
    } while (at < user.length);
  }
  return { log: Buffer.concat(parts), records };
}

/** `n` bytes of a recognisable pattern, different for each `seed`. */
function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 1) & 0xff);
}

function cat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

function flipped(log: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const out = Uint8Array.from(log);
  out[at] = (out[at] ?? 0) ^ mask;
  return out;
}

function withLength(log: Uint8Array, at: number, length: number): Uint8Array {
  const out = Uint8Array.from(log);
  new DataView(out.buffer).setUint16(at + 4, length, true);
  return out;
}

function assertDamage(log: Uint8Array, offset: number, problem: RegExp): void {
  const found = findLogDamage(log);
  assert.ok(found !== undefined, 'damage is found');
  assert.equal(found.offset, offset, found.problem);
  assert.match(found.problem, problem);
}

function at(records: Physical[], i: number): Physical {
  const r = records[i];
  assert.ok(r !== undefined, `record ${i} exists`);
  return r;
}

test('CRC-32C and its mask match the published values', () => {
  const ascii = new TextEncoder().encode('123456789');
  assert.equal(crc32c(ascii), 0xe3069283);
  // The vectors of RFC 3720 (iSCSI), as LevelDB's own tests use them.
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  // Extending a CRC gives the CRC of the whole; a subrange is a CRC of its own.
  assert.equal(crc32c(ascii, 4, 9, crc32c(ascii, 0, 4)), 0xe3069283);
  assert.equal(crc32c(ascii, 2, 5), crc32c(ascii.subarray(2, 5)));
  assert.equal(maskCrc(0), 0xa282ead8);
  assert.equal(maskCrc(0x12345678), ((((0x12345678 >>> 15) | (0x12345678 << 17)) >>> 0) + 0xa282ead8) >>> 0);
  assert.notEqual(maskCrc(0xe3069283), 0xe3069283);
});

test('an empty log and a log of FULL records are whole', () => {
  assert.equal(findLogDamage(new Uint8Array(0)), undefined);
  const { log, records } = writeLog([bytes(10, 1), bytes(0, 2), bytes(300, 3), bytes(1, 4)]);
  assert.deepEqual(
    records.map(r => r.type),
    [FULL, FULL, FULL, FULL],
  );
  assert.equal(findLogDamage(log), undefined);
});

test('a record spanning blocks as FIRST, MIDDLE, LAST is whole', () => {
  const { log, records } = writeLog([bytes(100, 1), bytes(2 * BLOCK + 5000, 2), bytes(50, 3)]);
  assert.deepEqual(
    records.map(r => r.type),
    [FULL, FIRST, MIDDLE, LAST, FULL],
  );
  assert.equal(at(records, 2).offset, BLOCK, 'the MIDDLE fills the second block');
  assert.equal(findLogDamage(log), undefined);
});

test('a block tail of fewer than 7 bytes is padding and skipped', () => {
  // The first record leaves 3 bytes of the block: the next starts in the next block.
  const users = [bytes(BLOCK - HEADER - 3, 1), bytes(20, 2)];
  const { log, records } = writeLog(users);
  assert.equal(at(records, 1).offset, BLOCK);
  assert.equal(findLogDamage(log), undefined);
  // The padding carries no data; LevelDB skips it unread, and so does the check.
  assert.equal(findLogDamage(writeLog(users, 0xab).log), undefined);
  // A log that ends in the padding is whole too.
  assert.equal(findLogDamage(writeLog([bytes(BLOCK - HEADER - 3, 1)]).log.subarray(0, BLOCK - 1)), undefined);
});

test('exactly 7 bytes left: an empty FIRST ends the block and the record goes on in the next', () => {
  const { log, records } = writeLog([bytes(BLOCK - 2 * HEADER, 1), bytes(40, 2)]);
  assert.deepEqual(
    records.map(r => [r.type, r.length]),
    [
      [FULL, BLOCK - 2 * HEADER],
      [FIRST, 0],
      [LAST, 40],
    ],
  );
  assert.equal(findLogDamage(log), undefined);
  // Older writers could follow such an empty FIRST with a new record; LevelDB accepts that, no data lost.
  const legacy = cat(record(FULL, bytes(BLOCK - 2 * HEADER, 1)), record(FIRST, new Uint8Array(0)));
  assert.equal(findLogDamage(cat(legacy, record(FULL, bytes(40, 2)))), undefined);
});

test('a bad checksum before the end of the file is damage, at the record that has it', () => {
  const { log, records } = writeLog([bytes(10, 1), bytes(200, 2), bytes(30, 3), bytes(40, 4)]);
  const second = at(records, 1);
  assertDamage(flipped(log, second.offset + HEADER + 100), second.offset, /^checksum mismatch/);
  assertDamage(flipped(log, second.offset), second.offset, /^checksum mismatch/); // the CRC itself
  // The CRC covers the type: a FULL turned into a LAST is a checksum mismatch, not a sequence error.
  assertDamage(flipped(log, second.offset + 6, FULL ^ LAST), second.offset, /^checksum mismatch/);
  // A complete last record with a bad checksum is damage too: a crash cannot leave one.
  const last = at(records, 3);
  assertDamage(flipped(log, log.length - 1), last.offset, /^checksum mismatch/);
});

test('an unknown record type is damage, even with a matching checksum', () => {
  const head = record(FULL, bytes(10, 1));
  const tail = record(FULL, bytes(10, 2));
  assertDamage(cat(head, record(5, bytes(10, 3)), tail), head.length, /^unknown record type 5$/);
  assertDamage(cat(head, record(0xff, bytes(10, 3)), tail), head.length, /^unknown record type 255$/);
  // Type 0 is only ever zero fill, which has no length.
  assertDamage(cat(head, record(0, bytes(10, 3)), tail), head.length, /^unknown record type 0$/);
});

test('a length that runs past the end of its block is damage, even in the last record', () => {
  const { log, records } = writeLog([bytes(10, 1), bytes(200, 2), bytes(30, 3)]);
  const second = at(records, 1);
  assertDamage(withLength(log, second.offset, BLOCK), second.offset, /^record length 32768 runs past/);
  // The file ends inside the block, so LevelDB would take this for a torn write and drop the record.
  const last = at(records, 2);
  assertDamage(withLength(log, last.offset, 0xffff), last.offset, /^record length 65535 runs past the end/);
  // In a log of several blocks, a record near a block's end whose length crosses it.
  const big = writeLog([bytes(BLOCK - 100, 1), bytes(50, 2), bytes(500, 3)]);
  const near = at(big.records, 1);
  assertDamage(withLength(big.log, near.offset, 90), near.offset, /^record length 90 runs past/);
});

test('a length damaged to run past the end of the file is told from a torn write by the checksum', () => {
  const { log, records } = writeLog([bytes(10, 1), bytes(200, 2), bytes(30, 3)]);
  const last = at(records, 2);
  assertDamage(
    withLength(log, last.offset, 31),
    last.offset,
    /^record length 31 runs past the end of the file, but the checksum fits a 30-byte payload$/,
  );
  // Not only in the last record: LevelDB would drop this one and everything after it.
  const second = at(records, 1);
  assertDamage(withLength(log, second.offset, 250), second.offset, /checksum fits a 200-byte payload$/);
});

test('a broken FIRST/MIDDLE/LAST sequence before the end of the file is damage', () => {
  const head = record(FULL, bytes(10, 1));
  const at1 = head.length;
  const first = record(FIRST, bytes(20, 2));
  const at2 = at1 + first.length;
  const full = record(FULL, bytes(30, 3));
  assertDamage(cat(head, record(MIDDLE, bytes(20, 2)), full), at1, /^MIDDLE record without a FIRST/);
  assertDamage(cat(head, record(LAST, bytes(20, 2)), full), at1, /^LAST record without a FIRST/);
  assertDamage(cat(head, first, full), at2, /^FULL record inside the record begun at offset 17/);
  assertDamage(cat(head, first, record(FIRST, bytes(5, 4))), at2, /^FIRST record inside the record begun/);
  // A LAST after a complete FIRST..LAST has lost its FIRST.
  const whole = cat(head, first, record(LAST, bytes(7, 5)));
  assert.equal(findLogDamage(whole), undefined);
  assertDamage(cat(whole, record(LAST, bytes(7, 6))), whole.length, /^LAST record without a FIRST/);
});

test('a torn tail is accepted wherever the file ends in the last record', () => {
  const { log, records } = writeLog([bytes(10, 1), bytes(200, 2), bytes(300, 3)]);
  const last = at(records, 2);
  for (let end = last.offset; end <= log.length; end++) {
    assert.equal(findLogDamage(log.subarray(0, end)), undefined, `cut at ${end}`);
  }
  // Damage before a torn tail is still found.
  const second = at(records, 1);
  assertDamage(flipped(log, second.offset + HEADER).subarray(0, last.offset + 3), second.offset, /^checksum/);
});

test('a FIRST, with or without MIDDLEs, whose LAST never made it to the file is a torn tail', () => {
  const { log, records } = writeLog([bytes(100, 1), bytes(3 * BLOCK, 2)]);
  assert.deepEqual(
    records.map(r => r.type),
    [FULL, FIRST, MIDDLE, MIDDLE, LAST],
  );
  for (const r of records.slice(2)) {
    assert.equal(findLogDamage(log.subarray(0, r.offset)), undefined, `cut at ${r.offset}`);
    assert.equal(findLogDamage(log.subarray(0, r.offset + 3)), undefined, `cut at ${r.offset + 3}`);
    assert.equal(findLogDamage(log.subarray(0, r.offset + HEADER + 10)), undefined);
  }
});

test('zeros to the end of the file are preallocated space; zeros with data after them are a hole', () => {
  const { log } = writeLog([bytes(10, 1), bytes(200, 2)]);
  assert.equal(findLogDamage(cat(log, new Uint8Array(1000))), undefined);
  assert.equal(findLogDamage(cat(log, new Uint8Array(2 * BLOCK))), undefined, 'across blocks');
  assert.equal(findLogDamage(cat(log, new Uint8Array(3))), undefined, 'a short run is a torn header');
  assert.equal(findLogDamage(new Uint8Array(BLOCK + 10)), undefined, 'a log that is all zeros');
  assertDamage(
    cat(log, new Uint8Array(100), record(FULL, bytes(10, 3))),
    log.length,
    new RegExp(
      `^zero fill where a record should start, but not to the end of the file: data at offset ${log.length + 100}$`,
    ),
  );
  // Zeros that fill a block and data in the next one are a hole too.
  const hole = cat(log, new Uint8Array(BLOCK - log.length), record(FULL, bytes(10, 3)));
  assertDamage(hole, log.length, /^zero fill/);
});

test('one changed byte anywhere outside block padding is found', () => {
  // Small records in one block: every byte, every bit pattern of a one-byte change tried.
  const small = writeLog([bytes(10, 1), bytes(0, 2), bytes(60, 3), bytes(1, 4), bytes(25, 5)]).log;
  for (let i = 0; i < small.length; i++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      assert.ok(findLogDamage(flipped(small, i, mask)) !== undefined, `byte ${i} ^ ${mask}`);
    }
  }
  // Records over several blocks: every header byte and a few payload bytes of each record.
  const { log, records } = writeLog([
    bytes(5000, 1),
    bytes(BLOCK + 300, 2),
    bytes(2 * BLOCK, 3),
    bytes(9, 4),
  ]);
  for (const r of records) {
    const payload = r.offset + HEADER;
    const spots = [0, 1, 2, 3, 4, 5, 6].map(k => r.offset + k);
    spots.push(payload, payload + Math.floor(r.length / 2), payload + r.length - 1);
    for (const i of spots) {
      assert.ok(findLogDamage(flipped(log, i)) !== undefined, `byte ${i} of the record at ${r.offset}`);
    }
  }
});

test('findDamagedLog checks every NNNNNN.log of a folder, in number order, and nothing else', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-walcheck-'));
  try {
    assert.equal(await findDamagedLog(path.join(dir, 'missing')), undefined, 'a folder not yet made');
    const { log, records } = writeLog([bytes(10, 1), bytes(200, 2), bytes(30, 3)]);
    fs.writeFileSync(path.join(dir, '000007.log'), log);
    fs.writeFileSync(path.join(dir, 'LOG'), 'LevelDB info log: not a write-ahead log');
    fs.writeFileSync(path.join(dir, 'MANIFEST-000002'), new Uint8Array([1, 2, 3]));
    assert.equal(await findDamagedLog(dir), undefined);

    const damaged = flipped(log, at(records, 1).offset + HEADER);
    fs.writeFileSync(path.join(dir, '000010.log'), damaged);
    fs.writeFileSync(path.join(dir, '000009.log'), damaged);
    const found = await findDamagedLog(dir);
    assert.equal(found?.file, '000009.log');
    assert.equal(found.offset, at(records, 1).offset);
    assert.match(found.problem, /^checksum mismatch/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
