import { InvalidArgumentError } from './errors.ts';
import { isRecord, storeObjectProblem, type StoreObject } from './objects.ts';
import type { StoreAction } from './store-action.ts';

/**
 * The byte formats of the store: a changelist as the payload of one Raft entry, and the whole store as a
 * snapshot. Both are UTF-8 JSON. Decoding checks the shape the store relies on (ids, meta, kinds, tables)
 * and throws InvalidArgumentError on anything else, so a corrupt input is refused, never half-loaded.
 */

/** Tag of the snapshot format; bumped if the layout changes incompatibly. */
export const SNAPSHOT_FORMAT = 'shoal-store-snapshot/1';

/** The store as a snapshot holds it: the last applied index and every table's objects, sorted by id. */
export interface SnapshotDocument {
  format: typeof SNAPSHOT_FORMAT;
  index: number;
  tables: Record<string, StoreObject[]>;
}

const encoder = new TextEncoder();

/** Encodes a changelist as the payload of one Raft entry. */
export function encodeStoreActions(actions: readonly StoreAction[]): Uint8Array {
  return encoder.encode(JSON.stringify(actions));
}

/**
 * Decodes a Raft entry's payload back to the changelist. Checks the shape only (kinds, table names given,
 * objects with id and meta); whether the tables exist and the changes apply is `applyStoreActions`'s call.
 * Throws InvalidArgumentError if the bytes are not such a list.
 */
export function decodeStoreActions(data: Uint8Array): StoreAction[] {
  const value = parseJson(data, 'actions payload');
  if (!Array.isArray(value)) throw new InvalidArgumentError('store: actions are not a list');
  return value.map((item: unknown, i) => {
    const problem = storeActionProblem(item);
    if (problem !== undefined) throw new InvalidArgumentError(`store: action ${i}: ${problem}`);
    return item as StoreAction;
  });
}

/** Says what is wrong with `value` as a StoreAction, or returns undefined if nothing is. */
export function storeActionProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not an object';
  const { kind, table, object } = value;
  if (kind !== 'create' && kind !== 'update' && kind !== 'remove') return `unknown kind ${String(kind)}`;
  if (typeof table !== 'string' || table === '') return 'no table';
  if (kind === 'remove') {
    return isRecord(object) && typeof object['id'] === 'string' && object['id'] !== ''
      ? undefined
      : 'no object id';
  }
  return storeObjectProblem(object);
}

/** Encodes a snapshot document. */
export function encodeSnapshot(doc: SnapshotDocument): Uint8Array {
  return encoder.encode(JSON.stringify(doc));
}

/** How many objects one piece of an encoded snapshot holds (a few tens of ms of encoding at most). */
export const SNAPSHOT_OBJECTS_PER_PIECE = 1000;

/**
 * The bytes of `encodeSnapshot(doc)` in pieces of at most `perPiece` objects, in order: a caller can do other
 * work between pieces (the whole store at 100,000 tasks takes about a second to encode at once). Their
 * concatenation is JSON.stringify's encoding of the document, written out piece by piece.
 */
export function* encodeSnapshotPieces(
  doc: SnapshotDocument,
  perPiece = SNAPSHOT_OBJECTS_PER_PIECE,
): Generator<Uint8Array> {
  let text = `{"format":${JSON.stringify(doc.format)},"index":${JSON.stringify(doc.index)},"tables":{`;
  let table = 0;
  for (const [name, objects] of Object.entries(doc.tables)) {
    text += `${table++ === 0 ? '' : ','}${JSON.stringify(name)}:[`;
    for (let i = 0; i < objects.length; i += perPiece) {
      const slice = objects.slice(i, i + perPiece).map(o => JSON.stringify(o));
      yield encoder.encode(text + (i === 0 ? '' : ',') + slice.join(','));
      text = '';
    }
    text += ']';
  }
  yield encoder.encode(`${text}}}`);
}

/**
 * Decodes a snapshot. Throws InvalidArgumentError if the bytes are not a snapshot of this format
 * (table contents are checked object by object; which tables may appear is the store's call).
 */
export function decodeSnapshot(data: Uint8Array): SnapshotDocument {
  const value = parseJson(data, 'snapshot');
  if (!isRecord(value) || value['format'] !== SNAPSHOT_FORMAT) {
    throw new InvalidArgumentError(`store: not a ${SNAPSHOT_FORMAT} snapshot`);
  }
  const { index, tables } = value;
  if (!Number.isSafeInteger(index) || (index as number) < 0) {
    throw new InvalidArgumentError('store: snapshot has no valid index');
  }
  if (!isRecord(tables)) throw new InvalidArgumentError('store: snapshot has no tables');
  for (const [name, objects] of Object.entries(tables)) {
    if (!Array.isArray(objects))
      throw new InvalidArgumentError(`store: snapshot table ${name} is not a list`, name);
    for (const object of objects) {
      const problem = storeObjectProblem(object);
      if (problem !== undefined)
        throw new InvalidArgumentError(`store: snapshot table ${name}: ${problem}`, name);
    }
  }
  return value as unknown as SnapshotDocument;
}

function parseJson(data: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as unknown;
  } catch (err) {
    throw new InvalidArgumentError(`store: ${what} is not UTF-8 JSON`, undefined, undefined, { cause: err });
  }
}
