/**
 * A read-only check of LevelDB's write-ahead logs (the `NNNNNN.log` files of a database folder), run
 * before LevelDB opens the folder.
 *
 * LevelDB replays these logs on open and, with paranoid checks off (classic-level cannot turn them on),
 * silently drops a damaged record and the rest of its block, then writes what it kept to a table and
 * deletes the log. A damaged log would so become a shorter Raft log, losing acknowledged entries, and
 * the evidence would be gone. This check reads the logs as LevelDB's format defines them
 * (doc/log_format.md) and reports the first damage, so the caller can refuse before anything is touched.
 *
 * The format: 32 KiB blocks of records; a record is a 7-byte header (masked CRC-32C, u32 little endian;
 * payload length, u16 little endian; type, one byte) and its payload. The CRC covers the type byte and
 * the payload. A user record is one FULL record or a FIRST, any MIDDLEs and a LAST, each in its own
 * block. A record never starts in a block's last 6 bytes: those are padding.
 *
 * What counts as damage: anything that a writer never leaves, except at the very end of the file. A
 * crash mid-write leaves a torn tail (a header or payload cut off by the end of the file, or a FIRST whose
 * LAST was never written); that write was never acknowledged, since every batch is synced, so it is
 * accepted, as LevelDB and etcd's WAL do. Zero bytes from some point to the end of the file
 * (preallocated space) are accepted too. But a record whose length runs past the end of the file while
 * its checksum fits a shorter payload had its length damaged, and is not excused as torn.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c, maskCrc } from './crc32c.ts';

export const LOG_BLOCK_SIZE = 32 * 1024;
export const LOG_HEADER_SIZE = 7;

/** Record types of LevelDB's log format. 0 is what a zero-filled (preallocated) region reads as. */
export const RecordType = { Zero: 0, Full: 1, First: 2, Middle: 3, Last: 4 } as const;

/** The first damage found in a log: where, and what. */
export interface LogDamage {
  /** Byte offset in the file of the record (or zero run) that is damaged. */
  offset: number;
  problem: string;
}

/** The first damage in one of a folder's logs, with the log's file name. */
export interface DamagedLog extends LogDamage {
  file: string;
}

/**
 * The first damage in the log held in `log`, or undefined if it is whole up to, at most, a torn or
 * zero-filled tail.
 */
export function findLogDamage(log: Uint8Array): LogDamage | undefined {
  const size = log.length;
  const view = new DataView(log.buffer, log.byteOffset, log.byteLength);
  /** Offset of the FIRST record of the user record being assembled, if one is. */
  let fragmentStart: number | undefined;
  /** Payload bytes gathered for it so far. */
  let fragmentBytes = 0;
  let pos = 0;
  while (pos < size) {
    const blockEnd = (Math.floor(pos / LOG_BLOCK_SIZE) + 1) * LOG_BLOCK_SIZE;
    if (blockEnd - pos < LOG_HEADER_SIZE) {
      // Block padding. Not checked for zeros: it carries no data, and LevelDB skips it unread too.
      pos = blockEnd;
      continue;
    }
    if (size - pos < LOG_HEADER_SIZE) return undefined; // a header cut off by the end: torn
    const length = view.getUint16(pos + 4, true);
    const type = log[pos + 6] ?? 0;
    if (type === RecordType.Zero && length === 0) {
      // Preallocated space is zeros to the end of the file; zeros with data after them are a hole.
      const data = firstNonZero(log, pos);
      if (data === undefined) return undefined;
      return {
        offset: pos,
        problem: `zero fill where a record should start, but not to the end of the file: data at offset ${data}`,
      };
    }
    const end = pos + LOG_HEADER_SIZE + length;
    if (end > blockEnd) {
      // Damage even in the last record: no writer emits it and a crash cannot leave a whole header with
      // a wrong length, while LevelDB would take it for the end of the log and drop the record.
      return { offset: pos, problem: `record length ${length} runs past the end of its 32 KiB block` };
    }
    const stored = view.getUint32(pos, true);
    if (end > size) {
      // A payload cut off by the end is torn, unless the checksum fits a shorter payload: then it was
      // the length that changed, and LevelDB would drop a whole record as torn.
      const fits = checksumFitsPrefix(log, pos, stored);
      if (fits === undefined) return undefined;
      return {
        offset: pos,
        problem: `record length ${length} runs past the end of the file, but the checksum fits a ${fits}-byte payload`,
      };
    }
    const actual = maskCrc(crc32c(log, pos + 6, end));
    if (stored !== actual) {
      return {
        offset: pos,
        problem: `checksum mismatch (stored ${hex32(stored)}, computed ${hex32(actual)})`,
      };
    }
    switch (type) {
      case RecordType.Full:
      case RecordType.First:
        // An empty FIRST followed by a new record is what older LevelDB writers left at a block's end;
        // LevelDB accepts it, and no data is lost.
        if (fragmentStart !== undefined && fragmentBytes > 0) {
          return {
            offset: pos,
            problem: `${typeName(type)} record inside the record begun at offset ${fragmentStart}, which has no LAST`,
          };
        }
        fragmentStart = type === RecordType.First ? pos : undefined;
        fragmentBytes = type === RecordType.First ? length : 0;
        break;
      case RecordType.Middle:
      case RecordType.Last:
        if (fragmentStart === undefined) {
          return { offset: pos, problem: `${typeName(type)} record without a FIRST before it` };
        }
        if (type === RecordType.Last) fragmentStart = undefined;
        fragmentBytes += length;
        break;
      default:
        return { offset: pos, problem: `unknown record type ${type}` };
    }
    pos = end;
  }
  // A FIRST (and MIDDLEs) with no LAST before the end of the file is a torn tail too.
  return undefined;
}

/**
 * Checks every write-ahead log in the LevelDB folder `dir`, reading only. Returns the first damage
 * found (logs in file-number order), or undefined if all are whole or the folder does not exist yet.
 * Throws whatever reading fails with.
 */
export async function findDamagedLog(dir: string): Promise<DamagedLog | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  const logs = names.filter(n => /^\d+\.log$/.test(n)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  for (const file of logs) {
    let log: Uint8Array;
    try {
      log = await readFile(join(dir, file));
    } catch (err) {
      // Gone since the listing: only a process holding the folder deletes logs, and opening it will
      // say so (DataDirLockedError), which is the true story.
      if (errorCode(err) === 'ENOENT') continue;
      throw err;
    }
    const damage = findLogDamage(log);
    if (damage !== undefined) return { file, ...damage };
  }
  return undefined;
}

/**
 * The shortest payload length, within what the file holds after the header at `pos`, whose checksum
 * with that record's type is `stored` (masked); undefined if none. A truly torn payload fits by chance
 * once in 2^32 lengths tried.
 */
function checksumFitsPrefix(log: Uint8Array, pos: number, stored: number): number | undefined {
  const payload = pos + LOG_HEADER_SIZE;
  let crc = crc32c(log, pos + 6, payload);
  for (let i = payload; ; i++) {
    if (maskCrc(crc) === stored) return i - payload;
    if (i === log.length) return undefined;
    crc = crc32c(log, i, i + 1, crc);
  }
}

function firstNonZero(bytes: Uint8Array, from: number): number | undefined {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return i;
  return undefined;
}

function typeName(type: number): string {
  return ['zero', 'FULL', 'FIRST', 'MIDDLE', 'LAST'][type] ?? `type ${type}`;
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}
