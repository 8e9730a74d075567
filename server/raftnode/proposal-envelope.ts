/**
 * What a Raft entry says about who proposed it, so that the proposer can settle the caller waiting for
 * it when the entry is applied. An entry names the member, the member's run (a random number drawn at
 * each start of the process) and the proposal's number within that run. The run matters: numbers start
 * again at 1 after a restart while the member stays the same, and an entry of the previous run still on
 * its way through the log must not complete a new run's call (it did: creates answered NOT_FOUND, an
 * update acknowledged on another write's entry).
 *
 * Layout: a version byte (2), then three big-endian float64 (member, run, number), then the payload.
 * Entries of the first layout (member and number only, 16 bytes) still decode, as nobody's: a run of
 * this code never proposed them.
 */

/** Who proposed an entry, and which of its proposals it is. */
export interface ProposalId {
  /** The member's Raft ID. */
  proposer: number;
  /** The proposer's run: drawn at random when the process starts; 0 for the first layout's entries. */
  run: number;
  /** The proposal's number within the run, from 1. */
  seq: number;
}

const VERSION = 2;
const HEADER = 25;
const LEGACY_HEADER = 16;

/** Largest run number: a safe integer, so a float64 carries it exactly. */
export const MAX_RUN = Number.MAX_SAFE_INTEGER;

/** The bytes an envelope adds to a payload. */
export const ENVELOPE_BYTES = HEADER;

export function encodeProposal(id: ProposalId, payload: Uint8Array): Uint8Array {
  const data = new Uint8Array(HEADER + payload.byteLength);
  const view = new DataView(data.buffer);
  view.setUint8(0, VERSION);
  view.setFloat64(1, id.proposer);
  view.setFloat64(9, id.run);
  view.setFloat64(17, id.seq);
  data.set(payload, HEADER);
  return data;
}

/**
 * The proposal's identity and payload, or undefined for an entry that carries none (a new leader's empty
 * entry, or bytes too short to be an envelope).
 */
export function decodeProposal(data: Uint8Array): { id: ProposalId; payload: Uint8Array } | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength >= HEADER && view.getUint8(0) === VERSION) {
    return {
      id: { proposer: view.getFloat64(1), run: view.getFloat64(9), seq: view.getFloat64(17) },
      payload: data.subarray(HEADER),
    };
  }
  // The first layout began with the member's ID as a float64: never a first byte of 2 for an ID ≥ 1.
  if (data.byteLength >= LEGACY_HEADER) {
    return {
      id: { proposer: view.getFloat64(0), run: 0, seq: view.getFloat64(8) },
      payload: data.subarray(LEGACY_HEADER),
    };
  }
  return undefined;
}

/** Whether `id` is a proposal of this member's current run. */
export function isOwnProposal(id: ProposalId, proposer: number, run: number): boolean {
  return id.proposer === proposer && id.run === run;
}

/** A ReadIndex context unique across the member's runs (a context of an earlier run must not serve a new read). */
export function readContext(proposer: number, run: number, seq: number): string {
  return `${proposer}:${run}:${seq}`;
}
