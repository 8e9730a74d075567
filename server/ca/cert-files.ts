/**
 * A node's certificates folder (swarmkit's layout: `swarm-root-ca.crt`, `swarm-node.crt`,
 * `swarm-node.key`, and on managers `swarm-root-ca.kek`, the key-encryption key of the root CA key). A
 * renewal replaces the certificate and its key as a pair: a crash at any point leaves either the old
 * pair or the new one, never a certificate beside another certificate's key. Every file is the owner's
 * alone (0600), and what is read back is checked: a damaged file is refused, naming it, not half used.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  checkKeyPair,
  checkNodeCertificateIssuer,
  checkRootCaCertificate,
  decodeKek,
  encodeKek,
  InvalidCertificateError,
  InvalidKeyError,
  SealedKeyError,
  type NodeIdentity,
} from '../../certs/index.ts';
import { DamagedIdentityFileError } from './identity-file-error.ts';

export interface NodeCertFiles {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const CA = 'swarm-root-ca.crt';
const CERT = 'swarm-node.crt';
const KEY = 'swarm-node.key';
const KEK = 'swarm-root-ca.kek';
// Both new files are complete once the certificate is renamed to PENDING: that rename commits the pair.
const NEW = '.new';
const PENDING = '.pending';
/** What shoald writes is its own: the data folder holds keys. */
const PRIVATE = 0o600;

/** Writes `data` to `path` through a temporary file and a rename, synced: readers see all or nothing. */
export function writeFileAtomic(path: string, data: string, mode = PRIVATE): void {
  const tmp = `${path}${NEW}`;
  writeSynced(tmp, data, mode);
  renameSync(tmp, path);
}

function writeSynced(path: string, data: string, mode: number): void {
  // A file left by a crash keeps its mode through open(): remove it, so `mode` applies.
  rmSync(path, { force: true });
  const fd = openSync(path, 'wx', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes (or replaces) the root CA, the node certificate and its key. */
export function writeNodeCerts(dir: string, certs: NodeCertFiles): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(join(dir, CA), certs.caPem);
  writeSynced(join(dir, KEY + NEW), certs.keyPem, PRIVATE);
  writeSynced(join(dir, CERT + NEW), certs.certPem, PRIVATE);
  renameSync(join(dir, CERT + NEW), join(dir, CERT + PENDING));
  finishSwap(dir);
}

/** Completes a committed swap (the pending certificate and its key take their places). */
function finishSwap(dir: string): void {
  if (existsSync(join(dir, KEY + NEW))) renameSync(join(dir, KEY + NEW), join(dir, KEY));
  renameSync(join(dir, CERT + PENDING), join(dir, CERT));
}

/**
 * Reads the folder, first finishing a swap a crash interrupted after its commit (or dropping one before),
 * and checks it: the root CA is a CA certificate, the node certificate one of its node certificates,
 * the key that certificate's. Returns the files and the identity the certificate carries (its validity
 * period is not checked: an expired certificate is still this node's).
 *
 * @throws DamagedIdentityFileError naming the first file that is missing or wrong.
 */
export function readNodeCerts(dir: string): NodeCertFiles & { identity: NodeIdentity } {
  if (existsSync(join(dir, CERT + PENDING))) finishSwap(dir);
  rmSync(join(dir, KEY + NEW), { force: true });
  rmSync(join(dir, CERT + NEW), { force: true });
  const files = { caPem: readIdentityFile(join(dir, CA)), certPem: '', keyPem: '' };
  damagedIf(join(dir, CA), () => checkRootCaCertificate(files.caPem));
  files.certPem = readIdentityFile(join(dir, CERT));
  const identity = damagedIf(join(dir, CERT), () => checkNodeCertificateIssuer(files.certPem, files.caPem));
  files.keyPem = readIdentityFile(join(dir, KEY));
  damagedIf(join(dir, KEY), () => checkKeyPair(files.certPem, files.keyPem));
  return { ...files, identity };
}

/** Writes the key-encryption key of the root CA key (managers only), private, atomically. */
export function writeKek(dir: string, kek: Uint8Array): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(join(dir, KEK), encodeKek(kek));
}

/**
 * The key-encryption key, or undefined where there is none (a worker; a manager from before keys were
 * sealed). Throws DamagedIdentityFileError if the file is there but is not a KEK.
 */
export function readKek(dir: string): Buffer | undefined {
  const path = join(dir, KEK);
  rmSync(path + NEW, { force: true });
  if (!existsSync(path)) return undefined;
  const text = readIdentityFile(path);
  return damagedIf(path, () => decodeKek(text));
}

/** Forgets the key-encryption key (a manager demoted to worker keeps none). */
export function removeKek(dir: string): void {
  rmSync(join(dir, KEK), { force: true });
}

/** The text of an identity file; a missing or unreadable one is a DamagedIdentityFileError. */
function readIdentityFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DamagedIdentityFileError(
      path,
      code === 'ENOENT' ? 'it is missing' : `cannot read it (${code})`,
      {
        cause: err,
      },
    );
  }
}

/** Runs a check of the file at `path`; what the certs module refuses becomes a DamagedIdentityFileError. */
function damagedIf<T>(path: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (
      err instanceof InvalidCertificateError ||
      err instanceof InvalidKeyError ||
      err instanceof SealedKeyError
    ) {
      throw new DamagedIdentityFileError(path, err.message, { cause: err });
    }
    throw err;
  }
}
