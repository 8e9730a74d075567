/**
 * A node's certificates folder (swarmkit's layout: `swarm-root-ca.crt`, `swarm-node.crt`,
 * `swarm-node.key`). A renewal replaces the certificate and its key as a pair: a crash at any point
 * leaves either the old pair or the new one, never a certificate beside another certificate's key.
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

export interface NodeCertFiles {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const CA = 'swarm-root-ca.crt';
const CERT = 'swarm-node.crt';
const KEY = 'swarm-node.key';
// Both new files are complete once the certificate is renamed to PENDING: that rename commits the pair.
const NEW = '.new';
const PENDING = '.pending';

/** Writes `data` to `path` through a temporary file and a rename, synced: readers see all or nothing. */
export function writeFileAtomic(path: string, data: string, mode = 0o644): void {
  const tmp = `${path}${NEW}`;
  writeSynced(tmp, data, mode);
  renameSync(tmp, path);
}

function writeSynced(path: string, data: string, mode: number): void {
  const fd = openSync(path, 'w', mode);
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
  writeSynced(join(dir, KEY + NEW), certs.keyPem, 0o600);
  writeSynced(join(dir, CERT + NEW), certs.certPem, 0o644);
  renameSync(join(dir, CERT + NEW), join(dir, CERT + PENDING));
  finishSwap(dir);
}

/** Completes a committed swap (the pending certificate and its key take their places). */
function finishSwap(dir: string): void {
  if (existsSync(join(dir, KEY + NEW))) renameSync(join(dir, KEY + NEW), join(dir, KEY));
  renameSync(join(dir, CERT + PENDING), join(dir, CERT));
}

/** Reads the folder, first finishing a swap a crash interrupted after its commit (or dropping one before). */
export function readNodeCerts(dir: string): NodeCertFiles {
  if (existsSync(join(dir, CERT + PENDING))) finishSwap(dir);
  rmSync(join(dir, KEY + NEW), { force: true });
  rmSync(join(dir, CERT + NEW), { force: true });
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return { caPem: read(CA), certPem: read(CERT), keyPem: read(KEY) };
}
