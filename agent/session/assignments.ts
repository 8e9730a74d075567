/**
 * The agent's side of the Assignments stream, pure: the tasks assigned to the node, from a complete set
 * and the increments chained to it, and the node's network view, whole with the complete set and then
 * from its deltas (view-delta.ts), chained by their own sequence numbers. An increment that does not
 * apply to the last result received, or a delta that does not apply to the view held, is a gap: the
 * stream is re-opened and starts from a complete set (and a full view) again.
 */
import type { WireTask } from '../../proto/control-types.ts';
import type {
  NetworkView,
  ViewEndpoint,
  WireAssignmentsMessage,
  WireNetworkViewDelta,
} from '../../proto/dispatcher-types.ts';
import type { EndpointHashes } from '../../proto/endpoint-hashes.ts';
import type { HeldNetwork__Output as HeldNetwork } from '../../proto/gen/shoal/v1/HeldNetwork.ts';
import {
  digestText,
  EMPTY_DIGEST,
  MAX_HELD_NETWORKS,
  withEndpoint,
  withoutEndpoint,
} from '../../proto/view-digest.ts';
import { applyViewDelta, withKeptEndpoints } from './view-delta.ts';

/**
 * A message as the agent's stream delivers it: with each endpoint's hash read off its bytes
 * (proto/endpoint-hashes.ts). Without them (or for an endpoint they miss) the agent cannot say what it
 * holds of that network, and a new stream sends it whole.
 */
export type ReceivedAssignments = WireAssignmentsMessage & { endpointHashes?: EndpointHashes };

/** The view before the managers sent one: no gateway range either, so no task gets a sandbox from it. */
export const EMPTY_VIEW: NetworkView = {
  networks: [],
  nodes: [],
  services: [],
  endpoints: [],
  gatewaySubnet: '',
};

/** An increment that does not follow the last message received (or a view delta, the last view). */
export class AssignmentGapError extends Error {
  override readonly name = 'AssignmentGapError';
  constructor(
    readonly expected: number,
    readonly appliesTo: number,
    what: 'assignments' | 'network view' = 'assignments',
  ) {
    super(`agent: ${what} out of sequence: expected an increment to ${expected}, got one to ${appliesTo}`);
  }
}

export class AssignedTasks {
  private readonly tasks = new Map<string, WireTask>();
  private networkView: NetworkView = EMPTY_VIEW;
  /** The `resultsIn` of the last message applied; undefined before a complete set. */
  private last: number | undefined;
  /** The sequence number of the view held; undefined before a full view on this stream. */
  private viewSeq: number | undefined;
  /** Network → task → the hash of its endpoint held (NaN: unknown). */
  private readonly hashes = new Map<string, Map<string, number>>();
  /** Network → the digest of its endpoints held (NaN: unknown); absent for none. */
  private readonly digests = new Map<string, number>();
  /** How many networks full views have left to the node as it held them (not sent again). */
  networksKept = 0;

  /**
   * Applies one message. Throws AssignmentGapError (changing nothing) on an increment that does not
   * apply to the last result, or any increment before a complete set; or on a view delta that does not
   * apply to the view held, or any delta before a full view.
   */
  apply(msg: ReceivedAssignments): void {
    if (msg.type !== 'complete' && (this.last === undefined || msg.appliesTo !== this.last)) {
      throw new AssignmentGapError(this.last ?? 0, msg.appliesTo);
    }
    const full = msg.networkView ?? undefined;
    const delta = msg.viewDelta ?? undefined;
    const viewSeq = full !== undefined ? msg.viewSeq : this.viewSeq;
    if (delta !== undefined && (viewSeq === undefined || delta.appliesTo !== viewSeq)) {
      throw new AssignmentGapError(viewSeq ?? 0, delta.appliesTo, 'network view');
    }
    let view = this.networkView;
    if (full !== undefined) {
      const kept = new Set(msg.keptNetworks);
      view = kept.size === 0 ? full : withKeptEndpoints(view, full, kept);
      this.networksKept += kept.size;
      this.fullHashes(full.endpoints, kept, msg.endpointHashes?.view ?? []);
    }
    if (delta !== undefined) {
      view = applyViewDelta(view, delta);
      this.deltaHashes(delta, msg.endpointHashes?.delta ?? []);
    }
    this.viewSeq = delta?.resultsIn ?? viewSeq;
    if (msg.type === 'complete') this.tasks.clear();
    for (const c of msg.changes) {
      if (c.task === null) continue;
      if (c.action === 'remove') this.tasks.delete(c.task.id);
      else this.tasks.set(c.task.id, c.task);
    }
    this.networkView = view;
    this.last = msg.resultsIn;
  }

  /** A full view's endpoints replace those held but on the networks `kept`. */
  private fullHashes(endpoints: readonly ViewEndpoint[], kept: ReadonlySet<string>, hashes: number[]): void {
    for (const k of [...this.hashes.keys()]) {
      if (kept.has(k)) continue;
      this.hashes.delete(k);
      this.digests.delete(k);
    }
    endpoints.forEach((e, i) => this.putHash(e.networkId, e.taskId, hashes[i] ?? NaN));
  }

  /** A delta's removals, then its upserts (as applyViewDelta). */
  private deltaHashes(delta: WireNetworkViewDelta, hashes: number[]): void {
    for (const k of delta.removedEndpoints) this.putHash(k.networkId, k.taskId, undefined);
    delta.endpoints.forEach((e, i) => this.putHash(e.networkId, e.taskId, hashes[i] ?? NaN));
    for (const k of delta.removedNetworks) {
      this.hashes.delete(k);
      this.digests.delete(k);
    }
  }

  /** Endpoint (`k`, `taskId`) is now held with hash `h`, or not held (undefined). */
  private putHash(k: string, taskId: string, h: number | undefined): void {
    let onNet = this.hashes.get(k);
    const was = onNet?.get(taskId);
    let digest = this.digests.get(k) ?? EMPTY_DIGEST;
    if (was !== undefined) digest = withoutEndpoint(digest, was);
    if (h === undefined) onNet?.delete(taskId);
    else {
      if (onNet === undefined) this.hashes.set(k, (onNet = new Map()));
      onNet.set(taskId, h);
      digest = withEndpoint(digest, h);
    }
    this.digests.set(k, digest);
  }

  /**
   * What the agent holds of each network in its view, for a new stream: the networks whose digest it
   * knows (NaN, once in, stays until a full view replaces that network's endpoints).
   */
  held(): HeldNetwork[] {
    const out: HeldNetwork[] = [];
    for (const { id } of this.networkView.networks) {
      const digest = this.digests.get(id) ?? EMPTY_DIGEST;
      if (!Number.isNaN(digest)) out.push({ networkId: id, digest: digestText(digest) });
    }
    return out.length > MAX_HELD_NETWORKS ? [] : out;
  }

  /** Starts over: the next message must be a complete set, with a full view (a new stream). */
  reset(): void {
    this.last = undefined;
    this.viewSeq = undefined;
  }

  /** What the node's data plane needs of its tasks' networks, as last sent (or made from deltas). */
  view(): NetworkView {
    return this.networkView;
  }

  /** Every task assigned now, by id order. */
  list(): WireTask[] {
    return [...this.tasks.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
