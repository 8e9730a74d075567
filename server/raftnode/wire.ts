/**
 * Raft messages on the wire: the core's Message to and from the plain objects proto-loader uses.
 * Everything that arrives is validated here, once, so a malformed or hostile peer can never hand the
 * core a value it does not expect.
 */
import {
  EntryType,
  MessageType,
  type ConfState,
  type Entry,
  type Message,
  type Snapshot,
} from '../raft/index.ts';
import type { EntryType__Output } from '../../proto/gen/shoal/v1/EntryType.ts';

export interface WireEntry {
  term: number;
  index: number;
  type: EntryType__Output;
  data: Uint8Array;
}

export interface WireSnapshot {
  metadata: { index: number; term: number; confState: { voters: number[] } | null } | null;
  data: Uint8Array;
}

export interface WireMessage {
  type: number;
  to: number;
  from: number;
  term: number;
  logTerm: number;
  index: number;
  entries: WireEntry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  snapshot: WireSnapshot | null;
  context?: string;
}

export interface WireBatch {
  messages: WireMessage[];
}

/** The first chunk of a snapshot call: the MsgSnap without its data, and how many data bytes follow. */
export interface WireSnapshotHeader {
  message: WireMessage | null;
  dataLength: number;
}

/** A piece of a snapshot's data, `offset` bytes into it. */
export interface WireSnapshotData {
  offset: number;
  data: Uint8Array;
}

/** One message of the Snapshot call: a header or a piece of data (a proto oneof; `kind` names it on decode). */
export type WireSnapshotChunk =
  | { header: WireSnapshotHeader; data?: null; kind?: 'header' }
  | { data: WireSnapshotData; header?: null; kind?: 'data' };

/** A message from a peer that does not decode to a valid Raft message. */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
}

export function toWire(m: Message): WireMessage {
  const w: WireMessage = {
    type: m.type,
    to: m.to,
    from: m.from,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries,
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
    snapshot: m.snapshot === undefined ? null : m.snapshot,
  };
  if (m.context !== undefined) w.context = m.context;
  return w;
}

/** `v` as an unsigned safe integer; throws InvalidMessageError naming `what` otherwise. */
export function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new InvalidMessageError(`raft message: ${what} must be an unsigned integer`);
  }
  return v;
}

/** `v` as bytes; throws InvalidMessageError naming `what` otherwise. */
export function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new InvalidMessageError(`raft message: ${what} must be bytes`);
  return v;
}

const MESSAGE_TYPES = new Set<number>(
  Object.values(MessageType).filter((v): v is number => typeof v === 'number'),
);

function entryFromWire(e: unknown, i: number): Entry {
  if (typeof e !== 'object' || e === null)
    throw new InvalidMessageError(`raft message: entry ${i} is missing`);
  const w = e as Partial<WireEntry>;
  const type = uint(w.type, 'entry type');
  if (type !== EntryType.Normal && type !== EntryType.ConfChange) {
    throw new InvalidMessageError(`raft message: unknown entry type ${type}`);
  }
  return {
    term: uint(w.term, 'entry term'),
    index: uint(w.index, 'entry index'),
    type,
    data: bytes(w.data, 'entry data'),
  };
}

function snapshotFromWire(s: WireSnapshot): Snapshot {
  const meta = s.metadata;
  if (meta === null) throw new InvalidMessageError('raft message: snapshot without metadata');
  const voters = meta.confState?.voters ?? [];
  if (!Array.isArray(voters)) throw new InvalidMessageError('raft message: snapshot voters must be a list');
  const confState: ConfState = { voters: voters.map(v => uint(v, 'voter id')) };
  return {
    metadata: {
      index: uint(meta.index, 'snapshot index'),
      term: uint(meta.term, 'snapshot term'),
      confState,
    },
    data: bytes(s.data, 'snapshot data'),
  };
}

/** Decodes and validates one message from a peer. Throws InvalidMessageError. */
export function fromWire(w: WireMessage): Message {
  const type = uint(w.type, 'type');
  if (!MESSAGE_TYPES.has(type)) throw new InvalidMessageError(`raft message: unknown type ${type}`);
  if (!Array.isArray(w.entries)) throw new InvalidMessageError('raft message: entries must be a list');
  const entries = w.entries.map(entryFromWire);
  // Entries must be contiguous: the core appends them as a run.
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]?.index !== (entries[i - 1]?.index ?? 0) + 1) {
      throw new InvalidMessageError('raft message: entries are not contiguous');
    }
  }
  const m: Message = {
    type,
    to: uint(w.to, 'to'),
    from: uint(w.from, 'from'),
    term: uint(w.term, 'term'),
    logTerm: uint(w.logTerm, 'logTerm'),
    index: uint(w.index, 'index'),
    entries,
    commit: uint(w.commit, 'commit'),
    reject: w.reject === true,
    rejectHint: uint(w.rejectHint, 'rejectHint'),
  };
  if (w.snapshot !== null && w.snapshot !== undefined) m.snapshot = snapshotFromWire(w.snapshot);
  if (type === MessageType.Snap && m.snapshot === undefined)
    throw new InvalidMessageError('raft message: snap without snapshot');
  if (w.context !== undefined) {
    if (typeof w.context !== 'string')
      throw new InvalidMessageError('raft message: context must be a string');
    m.context = w.context;
  }
  return m;
}
