/**
 * A light decoder of the Assignments stream's messages (proto/dispatcher.proto AssignmentsMessage), for
 * simulated agents that keep only a summary: it walks the protobuf bytes once and keeps what the agent
 * keeps (per change the action, and the task's id, service, desired state and state; of the network
 * view its summary, with each endpoint's hash for the view's digests), skipping the rest (task templates, addresses, services, nodes) without building
 * it. With thousands of agents in one process each receiving the whole view on every change, the full
 * decode (proto-loader's, to plain objects with defaults) was most of the harness's CPU. Field numbers
 * are the contract's; test/daemon/scale.test.ts checks agents decoding this way against the store.
 */
import { endpointHash } from '../../proto/view-digest.ts';
import { LEN, VARINT, WireReader } from '../../proto/wire-reader.ts';
import { endpointKey, type LightEndpoint, type LightViewPart } from './view-summary.ts';

export interface LightChange {
  action: string;
  id: string;
  serviceId: string;
  desiredState: string;
  state: string;
}

export interface LightAssignments {
  type: string;
  appliesTo: number;
  resultsIn: number;
  changes: LightChange[];
  /** The full network view the message carries (a complete set's first part); null when none. */
  view: LightViewPart | null;
  /** The full view's sequence number. */
  viewSeq: number;
  /** The view delta the message carries; null when none. */
  viewDelta: LightViewDelta | null;
  more: boolean;
  /** With the full view: the networks whose endpoints the agent keeps from the view it held. */
  keptNetworks: string[];
}

export interface LightViewDelta extends LightViewPart {
  appliesTo: number;
  resultsIn: number;
}

/** Decodes one AssignmentsMessage. Throws on bytes that are not one. */
export function decodeAssignments(buf: Uint8Array): LightAssignments {
  const r = new WireReader(buf);
  const m: LightAssignments = {
    type: '',
    appliesTo: 0,
    resultsIn: 0,
    changes: [],
    view: null,
    viewSeq: 0,
    viewDelta: null,
    more: false,
    keptNetworks: [],
  };
  while (r.more) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === LEN) m.type = r.string();
    else if (field === 2 && wire === VARINT) m.appliesTo = r.varint();
    else if (field === 3 && wire === VARINT) m.resultsIn = r.varint();
    else if (field === 4 && wire === LEN) m.changes.push(change(r.sub()));
    else if (field === 5 && wire === LEN) m.view = view(r.sub());
    else if (field === 6 && wire === VARINT) m.more = r.varint() !== 0;
    else if (field === 7 && wire === LEN) m.viewDelta = viewDelta(r.sub());
    else if (field === 8 && wire === VARINT) m.viewSeq = r.varint();
    else if (field === 9 && wire === LEN) m.keptNetworks.push(r.string());
    else r.skip(wire);
  }
  return m;
}

/** AssignmentChange: action = 1, task = 2. */
function change(r: WireReader): LightChange {
  const c: LightChange = { action: '', id: '', serviceId: '', desiredState: '', state: '' };
  while (r.more) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === LEN) c.action = r.string();
    else if (field === 2 && wire === LEN) task(r.sub(), c);
    else r.skip(wire);
  }
  return c;
}

/** Task: id = 1, service_id = 3, desired_state = 6, status = 7 (TaskStatus: state = 1). */
function task(r: WireReader, c: LightChange): void {
  while (r.more) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === LEN) c.id = r.string();
    else if (field === 3 && wire === LEN) c.serviceId = r.string();
    else if (field === 6 && wire === LEN) c.desiredState = r.string();
    else if (field === 7 && wire === LEN) {
      const s = r.sub();
      while (s.more) {
        const [f, w] = s.tag();
        if (f === 1 && w === LEN) c.state = s.string();
        else s.skip(w);
      }
    } else r.skip(wire);
  }
}

/** NetworkView: networks = 1 (ViewNetwork: id = 1), endpoints = 4. */
function view(r: WireReader): LightViewPart {
  const part: LightViewPart = { networks: [], removedNetworks: [], endpoints: [], removedEndpoints: [] };
  while (r.more) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === LEN) part.networks.push(networkId(r.sub()));
    else if (field === 4 && wire === LEN) part.endpoints.push(endpoint(r.sub()));
    else r.skip(wire);
  }
  return part;
}

/**
 * NetworkViewDelta: applies_to = 1, results_in = 2, networks = 3, removed_networks = 4, endpoints = 9,
 * removed_endpoints = 10 (ViewEndpointKey: network_id = 1, task_id = 2).
 */
function viewDelta(r: WireReader): LightViewDelta {
  const d: LightViewDelta = {
    appliesTo: 0,
    resultsIn: 0,
    networks: [],
    removedNetworks: [],
    endpoints: [],
    removedEndpoints: [],
  };
  while (r.more) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === VARINT) d.appliesTo = r.varint();
    else if (field === 2 && wire === VARINT) d.resultsIn = r.varint();
    else if (field === 3 && wire === LEN) d.networks.push(networkId(r.sub()));
    else if (field === 4 && wire === LEN) d.removedNetworks.push(r.string());
    else if (field === 9 && wire === LEN) d.endpoints.push(endpoint(r.sub()));
    else if (field === 10 && wire === LEN) {
      const k = r.sub();
      let net = '';
      let taskId = '';
      while (k.more) {
        const [f, w] = k.tag();
        if (f === 1 && w === LEN) net = k.string();
        else if (f === 2 && w === LEN) taskId = k.string();
        else k.skip(w);
      }
      d.removedEndpoints.push(endpointKey(net, taskId));
    } else r.skip(wire);
  }
  return d;
}

/** ViewNetwork: id = 1. */
function networkId(n: WireReader): string {
  let id = '';
  while (n.more) {
    const [f, w] = n.tag();
    if (f === 1 && w === LEN) id = n.string();
    else n.skip(w);
  }
  return id;
}

/**
 * ViewEndpoint: task_id = 1, service_id = 2, network_id = 6, running = 8; its hash is of its bytes
 * whole, as the manager hashed them for its digest (view-digest.ts).
 */
function endpoint(e: WireReader): LightEndpoint {
  const hash = endpointHash(e.buf, e.pos, e.end);
  const out: LightEndpoint = { networkId: '', taskId: '', serviceId: '', running: false, hash };
  while (e.more) {
    const [f, w] = e.tag();
    if (f === 1 && w === LEN) out.taskId = e.string();
    else if (f === 2 && w === LEN) out.serviceId = e.string();
    else if (f === 6 && w === LEN) out.networkId = e.string();
    else if (f === 8 && w === VARINT) out.running = e.varint() !== 0;
    else e.skip(w);
  }
  return out;
}
