/**
 * CRC-32C (Castagnoli), the checksum LevelDB puts on its write-ahead log records.
 *
 * Written here rather than taken from npm: Node 20 has only the IEEE CRC-32 (zlib.crc32), the pure-JS
 * packages that have CRC-32C bring a handful of dependencies for these few lines, and the native ones a
 * build step; a byte-at-a-time table is fast enough for a log of a few MiB read once at startup.
 */

/** The reflected Castagnoli polynomial. */
const POLY = 0x82f63b78;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/**
 * CRC-32C of `bytes[start, end)`, as an unsigned 32-bit number. Given `crc`, the CRC of some bytes
 * before these, it returns the CRC of both together.
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc;
  for (let i = start; i < end; i++) {
    c = (TABLE[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  }
  return ~c >>> 0;
}

const MASK_DELTA = 0xa282ead8;

/**
 * The form LevelDB stores a CRC in: rotated and offset, because a CRC over data that itself holds CRCs
 * is weak (see leveldb's util/crc32c.h).
 */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}
