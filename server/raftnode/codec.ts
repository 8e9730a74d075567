/**
 * The binary records LevelStorage keeps in LevelDB, and their keys.
 *
 * Every value is `[crc32 of payload, u32 big endian][payload]`. LevelDB does not verify its own block
 * checksums on reads (classic-level never turns `verify_checksums` on), so a damaged file can hand back
 * changed bytes without an error; this checksum is what lets a reopen notice and refuse to start.
 * Indexes, terms and node IDs are safe integers and are stored as u64 (two big-endian u32 halves).
 */
import { crc32 } from 'node:zlib';
import { EntryType, type Entry, type HardState, type Snapshot } from '../raft/index.ts';

/** A stored value that does not decode: bad checksum, wrong length or impossible field values. */
export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError';
}

/** Key of the HardState record. */
export const HARD_STATE_KEY = 'h';
/** Key of the snapshot record (metadata and data). */
export const SNAPSHOT_KEY = 's';
/**
 * Key of the log's compaction point: index and term of the last entry dropped from the log (the
 * MemoryStorage "dummy" entry). It is not derivable from the snapshot, because a snapshot can be
 * recorded without compacting and the log can be compacted to an index other than the snapshot's.
 */
export const COMPACTED_KEY = 'c';

const ENTRY_PREFIX = 'e/';
/** Lower bound (inclusive) of every entry key. */
export const ENTRY_KEY_MIN = ENTRY_PREFIX;
/** Upper bound (exclusive) of every entry key: '0' is the character after '/'. */
export const ENTRY_KEY_END = 'e0';
const ENTRY_KEY_PATTERN = /^e\/[0-9a-f]{16}$/;

const CHECKSUM_BYTES = 4;
const U64_BYTES = 8;
const TWO_POW_32 = 2 ** 32;
/** The high half of Number.MAX_SAFE_INTEGER: anything above it would lose precision as a number. */
const MAX_SAFE_HIGH = 0x1fffff;

/**
 * The key of the entry at `index`: fixed-width lowercase hex, so LevelDB's byte order is index order.
 * Throws RangeError if `index` is not a non-negative safe integer.
 */
export function entryKey(index: number): string {
  checkU64(index, 'entry index');
  return ENTRY_PREFIX + index.toString(16).padStart(16, '0');
}

/** The index an entry key names, or undefined if `key` is not a well-formed entry key. */
export function parseEntryKey(key: string): number | undefined {
  if (!ENTRY_KEY_PATTERN.test(key)) return undefined;
  const index = Number.parseInt(key.slice(ENTRY_PREFIX.length), 16);
  return Number.isSafeInteger(index) ? index : undefined;
}

/** Prefixes `payload` with its CRC-32. */
export function seal(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(CHECKSUM_BYTES + payload.byteLength);
  new DataView(out.buffer).setUint32(0, crc32(payload), false);
  out.set(payload, CHECKSUM_BYTES);
  return out;
}

/**
 * The payload of a sealed value (a view into `value`, not a copy).
 * Throws MalformedRecordError if the value is too short to hold a checksum or the checksum does not match.
 */
export function unseal(value: Uint8Array): Uint8Array {
  if (value.byteLength < CHECKSUM_BYTES) {
    throw new MalformedRecordError(`value of ${value.byteLength} bytes is too short to hold a checksum`);
  }
  const stored = view(value).getUint32(0, false);
  const payload = value.subarray(CHECKSUM_BYTES);
  const actual = crc32(payload);
  if (stored !== actual) {
    throw new MalformedRecordError(
      `checksum mismatch (stored ${hex32(stored)}, computed ${hex32(actual)} over ${payload.byteLength} bytes)`,
    );
  }
  return payload;
}

const ENTRY_HEADER_BYTES = U64_BYTES + U64_BYTES + 1;

/**
 * A sealed entry: term u64, index u64, type u8, then the data bytes.
 * Throws RangeError if a number is not a safe non-negative integer or the type is unknown.
 */
export function encodeEntry(e: Entry): Uint8Array {
  const payload = new Uint8Array(ENTRY_HEADER_BYTES + e.data.byteLength);
  const dv = new DataView(payload.buffer);
  writeU64(dv, 0, e.term, 'entry term');
  writeU64(dv, U64_BYTES, e.index, 'entry index');
  // Checked here rather than only on decode, so a bad entry is refused before it reaches the disk.
  if (!isEntryType(e.type)) throw new RangeError(`unknown entry type ${String(e.type)}`);
  dv.setUint8(2 * U64_BYTES, e.type);
  payload.set(e.data, ENTRY_HEADER_BYTES);
  return seal(payload);
}

/**
 * Decodes a sealed entry. The data is copied, so the entry never pins LevelDB's read buffer.
 * Throws MalformedRecordError.
 */
export function decodeEntry(value: Uint8Array): Entry {
  const payload = unseal(value);
  if (payload.byteLength < ENTRY_HEADER_BYTES) {
    throw new MalformedRecordError(`entry payload of ${payload.byteLength} bytes is shorter than its header`);
  }
  const dv = view(payload);
  const term = readU64(dv, 0, 'entry term');
  const index = readU64(dv, U64_BYTES, 'entry index');
  const type = dv.getUint8(2 * U64_BYTES);
  if (!isEntryType(type)) throw new MalformedRecordError(`unknown entry type ${type}`);
  return { term, index, type, data: new Uint8Array(payload.subarray(ENTRY_HEADER_BYTES)) };
}

const HARD_STATE_BYTES = 3 * U64_BYTES;

/** A sealed HardState: term, vote and commit as u64. Throws RangeError on a bad field. */
export function encodeHardState(hs: HardState): Uint8Array {
  const payload = new Uint8Array(HARD_STATE_BYTES);
  const dv = new DataView(payload.buffer);
  writeU64(dv, 0, hs.term, 'term');
  writeU64(dv, U64_BYTES, hs.vote, 'vote');
  writeU64(dv, 2 * U64_BYTES, hs.commit, 'commit');
  return seal(payload);
}

/** Decodes a sealed HardState. Throws MalformedRecordError. */
export function decodeHardState(value: Uint8Array): HardState {
  const payload = unseal(value);
  if (payload.byteLength !== HARD_STATE_BYTES) {
    throw new MalformedRecordError(`hard state of ${payload.byteLength} bytes, expected ${HARD_STATE_BYTES}`);
  }
  const dv = view(payload);
  return {
    term: readU64(dv, 0, 'term'),
    vote: readU64(dv, U64_BYTES, 'vote'),
    commit: readU64(dv, 2 * U64_BYTES, 'commit'),
  };
}

/** Index and term of the last entry compacted out of the log. */
export interface CompactionPoint {
  index: number;
  term: number;
}

const COMPACTION_POINT_BYTES = 2 * U64_BYTES;

/** A sealed compaction point: index and term as u64. Throws RangeError on a bad field. */
export function encodeCompactionPoint(p: CompactionPoint): Uint8Array {
  const payload = new Uint8Array(COMPACTION_POINT_BYTES);
  const dv = new DataView(payload.buffer);
  writeU64(dv, 0, p.index, 'compacted index');
  writeU64(dv, U64_BYTES, p.term, 'compacted term');
  return seal(payload);
}

/** Decodes a sealed compaction point. Throws MalformedRecordError. */
export function decodeCompactionPoint(value: Uint8Array): CompactionPoint {
  const payload = unseal(value);
  if (payload.byteLength !== COMPACTION_POINT_BYTES) {
    throw new MalformedRecordError(
      `compaction point of ${payload.byteLength} bytes, expected ${COMPACTION_POINT_BYTES}`,
    );
  }
  const dv = view(payload);
  return { index: readU64(dv, 0, 'compacted index'), term: readU64(dv, U64_BYTES, 'compacted term') };
}

/** The snapshot metadata as it is written in JSON (flat, so there is little to validate on the way back). */
interface SnapshotMetadataJson {
  index: number;
  term: number;
  voters: number[];
}

/**
 * A sealed snapshot: u32 length of the metadata JSON, the JSON, then the data bytes.
 * Throws RangeError on a bad metadata field.
 */
export function encodeSnapshot(snap: Snapshot): Uint8Array {
  const { index, term, confState } = snap.metadata;
  checkU64(index, 'snapshot index');
  checkU64(term, 'snapshot term');
  for (const v of confState.voters) checkU64(v, 'snapshot voter');
  const meta: SnapshotMetadataJson = { index, term, voters: [...confState.voters] };
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const payload = new Uint8Array(4 + json.byteLength + snap.data.byteLength);
  new DataView(payload.buffer).setUint32(0, json.byteLength, false);
  payload.set(json, 4);
  payload.set(snap.data, 4 + json.byteLength);
  return seal(payload);
}

/** Decodes a sealed snapshot; the data is copied. Throws MalformedRecordError. */
export function decodeSnapshot(value: Uint8Array): Snapshot {
  const payload = unseal(value);
  if (payload.byteLength < 4) throw new MalformedRecordError('snapshot record too short for its header');
  const jsonLen = view(payload).getUint32(0, false);
  if (4 + jsonLen > payload.byteLength) {
    throw new MalformedRecordError(`snapshot metadata length ${jsonLen} exceeds the record`);
  }
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload.subarray(4, 4 + jsonLen)));
  } catch (err) {
    throw new MalformedRecordError(`snapshot metadata is not JSON: ${String(err)}`);
  }
  if (!isSnapshotMetadataJson(meta)) throw new MalformedRecordError('snapshot metadata has the wrong shape');
  return {
    metadata: { index: meta.index, term: meta.term, confState: { voters: [...meta.voters] } },
    data: new Uint8Array(payload.subarray(4 + jsonLen)),
  };
}

function isSnapshotMetadataJson(v: unknown): v is SnapshotMetadataJson {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return isU64(o['index']) && isU64(o['term']) && Array.isArray(o['voters']) && o['voters'].every(isU64);
}

function isEntryType(t: number): t is EntryType {
  return t === EntryType.Normal || t === EntryType.ConfChange;
}

function isU64(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function checkU64(n: number, what: string): void {
  if (!isU64(n)) throw new RangeError(`${what} ${n} is not a non-negative safe integer`);
}

function writeU64(dv: DataView, offset: number, n: number, what: string): void {
  checkU64(n, what);
  dv.setUint32(offset, Math.floor(n / TWO_POW_32), false);
  dv.setUint32(offset + 4, n >>> 0, false);
}

function readU64(dv: DataView, offset: number, what: string): number {
  const high = dv.getUint32(offset, false);
  if (high > MAX_SAFE_HIGH) throw new MalformedRecordError(`${what} does not fit a safe integer`);
  return high * TWO_POW_32 + dv.getUint32(offset + 4, false);
}

/** A DataView over exactly `bytes` (which may be a slice of a larger pooled Buffer). */
function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
