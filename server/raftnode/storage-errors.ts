/**
 * What can go wrong with the data folder, as a person reads it: held by another process, damaged, full,
 * or a failed write; and how LevelDB's own errors (codes, causes) are told apart and described.
 */
import { messageOf } from '../../lib/message-of.ts';

/** Another process (or another LevelStorage in this one) holds the data folder's lock. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    options?: ErrorOptions,
  ) {
    super(`data folder ${dir} is in use by another process`, options);
  }
}

/** The data folder cannot be opened, or what it holds is damaged or inconsistent. */
export class CorruptDataError extends Error {
  override readonly name = 'CorruptDataError';
  constructor(
    readonly dir: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`data folder ${dir} is corrupted: ${detail}`, options);
  }
}

/**
 * A write to the data folder failed. After that what is on disk is unknown (a failed fsync may have
 * dropped pages that a retry would then report as written), so every later write fails too: restart,
 * which reloads and checks what really is on disk. A full device is said as such: the data is fine.
 */
export class StorageWriteError extends Error {
  override readonly name = 'StorageWriteError';
  constructor(
    readonly dir: string,
    options?: ErrorOptions,
  ) {
    super(
      isNoSpace(options?.cause)
        ? `writing to data folder ${dir} failed: no space left on the device; free some and restart`
        : `writing to data folder ${dir} failed; restart to reload it: ${describe(options?.cause)}`,
      options,
    );
  }
}

/**
 * The data folder's device is full, so LevelDB cannot open it (it writes a new manifest and log on
 * open). Nothing is wrong with what the folder holds: it must not read as corrupted, or an operator
 * might delete healthy data.
 */
export class DataDirFullError extends Error {
  override readonly name = 'DataDirFullError';
  constructor(
    readonly dir: string,
    options?: ErrorOptions,
  ) {
    super(
      `data folder ${dir} cannot be opened: no space left on the device; free some and start again`,
      options,
    );
  }
}

/** LevelDB's error code (`LEVEL_...`) of `err`, if it has one. */
export function levelCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/** Whether `err` (or its cause) says the device is full: LevelDB's IO errors carry the system's text. */
export function isNoSpace(err: unknown): boolean {
  for (let e = err; e !== undefined && e !== null; e = causeOf(e)) {
    const code = levelCode(e);
    if (code === 'ENOSPC') return true;
    if (e instanceof Error && /No space left on device|ENOSPC/i.test(e.message)) return true;
    if (!(e instanceof Error)) return false;
  }
  return false;
}

export function causeOf(err: unknown): unknown {
  return err instanceof Error ? err.cause : undefined;
}

/** One line naming an error and its cause, e.g. `Database failed to open (LEVEL_CORRUPTION: ...)`. */
export function describe(err: unknown): string {
  const one = (e: unknown): string => {
    const code = levelCode(e);
    const msg = messageOf(e);
    return code === undefined ? msg : `${code}: ${msg}`;
  };
  const cause = causeOf(err);
  const text = cause === undefined ? one(err) : `${one(err)} (${one(cause)})`;
  return text.replace(/\s+/g, ' ').trim();
}
