/**
 * shoald's data folder is its own: the Raft log (every object of the cluster), the node's key and, on
 * managers, the key-encryption key of the root CA key. A folder or file in it that another user can
 * read or write may already have leaked, or been changed: shoald refuses to start on it, saying what to
 * run, rather than quietly tightening it. What shoald creates is private from the start (its umask, see
 * Daemon.start).
 */
import { chmodSync, mkdirSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** The data folder, or something in it, is open to other users or belongs to another user. */
export class UnsafeDataDirError extends Error {
  override readonly name = 'UnsafeDataDirError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** Group and others may neither read nor write (execute alone lets them reach only what is open anyway). */
const OPEN_TO_OTHERS = 0o066;

/**
 * Makes `dir` ready for shoald: creates it (0700) if it does not exist; otherwise checks it and
 * everything in it (following symbolic links, which the operator may have made), and makes the folder
 * itself 0700 when it is ours but not exactly that (execute bits for others, set-group-ID).
 *
 * @throws UnsafeDataDirError for the first folder or file that others can read or write, or that
 *   belongs to another user, naming it, its mode, and the command that fixes the whole folder.
 */
export function openPrivateDataDir(dir: string): void {
  let top: Stats;
  try {
    top = statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return;
  }
  if (!top.isDirectory()) throw new UnsafeDataDirError(dir, `data folder ${dir} is not a folder`);
  const uid = process.geteuid?.() ?? top.uid;
  const seen = new Set<string>();
  const check = (path: string, st: Stats): void => {
    if (st.uid !== uid) {
      throw new UnsafeDataDirError(
        path,
        `${what(path, dir)} belongs to uid ${st.uid}, not to this user (uid ${uid}), so another user may have read or changed it; fix: chown -R ${uid} ${dir}`,
      );
    }
    if ((st.mode & OPEN_TO_OTHERS) !== 0) {
      throw new UnsafeDataDirError(
        path,
        `${what(path, dir)} is open to other users (mode ${modeOf(st)}), so what it holds may have leaked; fix: chmod -R go= ${dir}`,
      );
    }
  };
  const walk = (path: string, st: Stats): void => {
    check(path, st);
    if (!st.isDirectory()) return;
    // A link may lead back up the tree: each folder is walked once.
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    for (const name of gone(() => readdirSync(path)) ?? []) {
      const child = join(path, name);
      // Tasks that outlive shoald still write their exit files here: what vanished meanwhile is skipped,
      // and so is a dangling link, which leads to nothing to protect.
      const cst = gone(() => statSync(child));
      if (cst !== undefined) walk(child, cst);
    }
  };
  walk(dir, top);
  if ((top.mode & 0o7777) !== 0o700) chmodSync(dir, 0o700);
}

/** `read()`, or undefined if what it reads does not exist (any more). */
function gone<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function what(path: string, dir: string): string {
  return path === dir ? `data folder ${dir}` : `${path} in the data folder`;
}

function modeOf(st: Stats): string {
  return `0${(st.mode & 0o7777).toString(8).padStart(3, '0')}`;
}
