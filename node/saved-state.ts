/**
 * state.json: this node's place in a swarm (its role, identity and, on a worker, where the managers
 * are), written by shoald, read back at start. Read back means checked whole: a file an editor or a
 * full disk damaged is refused with what is wrong, never half used.
 */
import { isRandomId } from '../certs/index.ts';
import { DamagedIdentityFileError } from '../server/ca/identity-file-error.ts';
import type { ManagerIdentity } from '../server/manager/manager.ts';

export type Role = 'manager' | 'worker';

export interface SavedState {
  /** Absent in folders written before workers existed: those are managers'. */
  role?: Role;
  /** A worker's raftId is 0. */
  identity: ManagerIdentity;
  /** A worker's managers (host:port), as last heard: it tries them in turn. */
  managers?: string[];
}

export function roleOf(s: SavedState): Role {
  return s.role ?? 'manager';
}

const HOST_PORT = /^\S+:\d{1,5}$/;
/** Far more than any host name: bounds what a damaged file can make shoald hold. */
const MAX_TEXT = 1024;
const STATE_KEYS = ['role', 'identity', 'managers'];
const IDENTITY_KEYS = ['nodeId', 'raftId', 'clusterId', 'hostname', 'addr', 'listenAddr'];

/**
 * Reads state.json's text (from `path`, named in errors). Every field is checked: its type, node and
 * cluster IDs in the form the CA makes them, a manager's Raft ID a positive integer and a worker's 0,
 * addresses as host:port; unknown fields are refused too (a misspelt field would be silently dropped).
 *
 * @throws DamagedIdentityFileError naming `path` and the first thing wrong (values are not echoed).
 */
export function parseSavedState(text: string, path: string): SavedState {
  const damaged = (detail: string): DamagedIdentityFileError => new DamagedIdentityFileError(path, detail);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw damaged(text.trim() === '' ? 'it is empty' : 'it is not valid JSON (truncated, or edited)');
  }
  const top = record(raw, 'the file', damaged);
  onlyKeys(top, STATE_KEYS, '', damaged);
  const role = top.role;
  if (role !== undefined && role !== 'manager' && role !== 'worker') {
    throw damaged('role must be "manager" or "worker"');
  }
  const id = record(top.identity, 'identity', damaged);
  onlyKeys(id, IDENTITY_KEYS, 'identity.', damaged);
  if (!isRandomId(id.nodeId)) throw damaged('identity.nodeId is not a node ID (25 characters of a-z, 0-9)');
  if (!isRandomId(id.clusterId)) {
    throw damaged('identity.clusterId is not a cluster ID (25 characters of a-z, 0-9)');
  }
  const raftId = id.raftId;
  if (role === 'worker') {
    if (raftId !== 0) throw damaged('identity.raftId must be 0 on a worker');
  } else if (typeof raftId !== 'number' || !Number.isSafeInteger(raftId) || raftId <= 0) {
    throw damaged('identity.raftId must be a positive integer on a manager');
  }
  if (typeof id.hostname !== 'string' || id.hostname === '' || id.hostname.length > MAX_TEXT) {
    throw damaged('identity.hostname must be a non-empty string');
  }
  for (const field of ['addr', 'listenAddr'] as const) {
    if (!isHostPort(id[field])) throw damaged(`identity.${field} must be host:port`);
  }
  const managers = top.managers;
  if (managers !== undefined && (!Array.isArray(managers) || !managers.every(isHostPort))) {
    throw damaged('managers must be a list of host:port');
  }
  return raw as SavedState;
}

function record(
  v: unknown,
  what: string,
  damaged: (detail: string) => DamagedIdentityFileError,
): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw damaged(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function onlyKeys(
  o: Record<string, unknown>,
  allowed: readonly string[],
  prefix: string,
  damaged: (detail: string) => DamagedIdentityFileError,
): void {
  const unknown = Object.keys(o).find(k => !allowed.includes(k));
  if (unknown !== undefined) {
    throw damaged(`unknown field ${prefix}${JSON.stringify(unknown.slice(0, 40))}`);
  }
}

function isHostPort(v: unknown): boolean {
  return typeof v === 'string' && v.length <= MAX_TEXT && HOST_PORT.test(v);
}
