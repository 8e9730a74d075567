/**
 * The light agents' view (bench/sim-agent/view-summary.ts), kept a byte per endpoint: its summary against
 * the summary of the whole view, and its per-network digests against the sum of the hashes of the
 * endpoints held, for random sequences of full views (some keeping networks) and deltas (seeded;
 * LIGHT_SEED replays one), several agents of one process sharing the endpoint numbers. Then the light
 * decoder's endpoint hashes and kept networks on bytes protobufjs encoded, and kept and unknown networks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type protobuf from 'protobufjs';
import { decodeAssignments } from '../../bench/sim-agent/assignments-decoder.ts';
import {
  endpointKey,
  LightView,
  runningKey,
  type HeldDigest,
  type LightEndpoint,
  type LightViewPart,
  type ViewSummary,
} from '../../bench/sim-agent/view-summary.ts';
import { endpointHashesOf } from '../../proto/endpoint-hashes.ts';
import { loadProtoRoot, loadShoalPackage, serviceOf } from '../../proto/load.ts';
import { digestText, EMPTY_DIGEST, endpointHash, withEndpoint } from '../../proto/view-digest.ts';
import { rng } from '../dispatcher/view-world.ts';

const NETS = ['k1', 'k2', 'k3'];
const SERVICES = ['s1', 's2'];

/** The summary of a whole view held as a map (what summarize() makes of a NetworkView). */
function reference(networks: Set<string>, held: Map<string, LightEndpoint>): ViewSummary {
  const running = new Map<string, number>();
  for (const e of held.values()) {
    if (!e.running) continue;
    const k = runningKey(e.networkId, e.serviceId);
    running.set(k, (running.get(k) ?? 0) + 1);
  }
  return { networks: new Set(networks), running, endpoints: held.size };
}

/** The digests of a whole view held as a map: per network in view, none if one of its hashes is unknown. */
function referenceDigests(networks: Set<string>, held: Map<string, LightEndpoint>): HeldDigest[] {
  const sums = new Map<string, number>();
  for (const e of held.values()) {
    const d = sums.get(e.networkId) ?? EMPTY_DIGEST;
    sums.set(e.networkId, withEndpoint(d, e.hash)); // NaN stays NaN
  }
  return [...networks]
    .map(networkId => ({ networkId, d: sums.get(networkId) ?? EMPTY_DIGEST }))
    .filter(x => !Number.isNaN(x.d))
    .map(x => ({ networkId: x.networkId, digest: digestText(x.d) }))
    .sort(byNetwork);
}

const byNetwork = (a: HeldDigest, b: HeldDigest): number => (a.networkId < b.networkId ? -1 : 1);
const heldOf = (v: LightView): HeldDigest[] => v.held().sort(byNetwork);
const emptyPart = (): LightViewPart => ({
  networks: [],
  removedNetworks: [],
  endpoints: [],
  removedEndpoints: [],
});

function run(seed: number): void {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const agents = [0, 1, 2].map(() => ({
    light: new LightView(),
    networks: new Set<string>(),
    held: new Map<string, LightEndpoint>(),
  }));
  const endpoint = (): LightEndpoint => {
    const networkId = pick(NETS);
    const task = `t${Math.floor(random() * 30)}`;
    const running = random() < 0.6;
    // A few versions of each endpoint (as its address or slot change), and now and then one decoded
    // whole (hash unknown).
    const bytes = Buffer.from(`${networkId} ${task} ${running} v${Math.floor(random() * 3)}`);
    // A task's service is fixed, as in a cluster.
    return {
      networkId,
      taskId: task,
      serviceId: SERVICES[Number(task.slice(1)) % 2] as string,
      running,
      hash: random() < 0.03 ? NaN : endpointHash(bytes),
    };
  };
  for (let step = 0; step < 200; step++) {
    const a = pick(agents);
    const full = random() < 0.15;
    const part = emptyPart();
    const kept = full && random() < 0.5 ? NETS.filter(() => random() < 0.4) : [];
    if (full) {
      a.networks.clear();
      for (const [key, e] of a.held) if (!kept.includes(e.networkId)) a.held.delete(key);
      // The full view names every network in view, kept ones too.
      for (const k of kept) {
        part.networks.push(k);
        a.networks.add(k);
      }
    }
    // A delta names a key once (an upsert or a removal), as the dispatcher's do.
    const named = new Set<string>();
    for (let i = Math.floor(random() * 8); i > 0; i--) {
      const e = endpoint();
      const key = endpointKey(e.networkId, e.taskId);
      if (named.has(key) || kept.includes(e.networkId)) continue; // a full view has none of a kept network
      named.add(key);
      if (!full && random() < 0.3) {
        part.removedEndpoints.push(key); // held or not (a delta may remove what never arrived)
        a.held.delete(key);
      } else {
        part.endpoints.push(e);
        a.held.set(key, e);
      }
    }
    if (random() < 0.2) {
      const k = pick(NETS);
      if (!full && random() < 0.5) {
        part.removedNetworks.push(k);
        a.networks.delete(k);
      } else {
        part.networks.push(k);
        a.networks.add(k);
      }
    }
    a.light.apply(part, full, kept);
    for (const b of agents) {
      const what = `seed ${seed}, step ${step} (LIGHT_SEED=${seed})`;
      assert.deepStrictEqual(b.light.summary(), reference(b.networks, b.held), what);
      assert.deepStrictEqual(heldOf(b.light), referenceDigests(b.networks, b.held), what);
    }
  }
}

test('the byte-per-endpoint summary and digests equal the whole view’s, for random full views and deltas', () => {
  const one = process.env.LIGHT_SEED;
  for (const seed of one === undefined ? Array.from({ length: 200 }, (_, i) => 500 + i) : [Number(one)])
    run(seed);
});

const root = loadProtoRoot('dispatcher.proto');
const type = (name: string): protobuf.Type => root.lookupType(`shoal.v1.${name}`);
const bytesOf = (t: protobuf.Type, o: object): Uint8Array => t.encode(t.fromObject(o)).finish();

test('the light decoder reads kept networks, and hashes each endpoint’s bytes as they came', () => {
  const ep = (net: string, task: string, extra: object = {}): object => ({
    taskId: task,
    serviceId: 'svc-1',
    slot: 3,
    nodeId: 'node-1',
    networkId: net,
    addr: '10.0.1.3/24',
    running: true,
    ...extra,
  });
  const viewEndpoints = [
    ep('wA', 'ta1'),
    // Defaults (left off the wire), a standalone attachment's name, a multi-byte varint, non-ASCII.
    ep('wA', 'ta2', { serviceId: '', running: false, slot: 0, name: 'über-attach' }),
    ep('wD', 'td1', { slot: 300_000 }),
  ];
  const deltaEndpoints = [ep('wA', 'ta3', { running: false }), ep('wD', 'td2')];
  const message = {
    type: 'complete',
    resultsIn: 7,
    changes: [
      {
        action: 'update',
        task: { id: 'ta1', serviceId: 'svc-1', desiredState: 'running', status: { state: 'running' } },
      },
    ],
    networkView: {
      networks: [{ id: 'wA', name: 'a', vni: 4097 }, { id: 'wB' }, { id: 'wD' }],
      nodes: [{ id: 'node-1', addr: '192.0.2.1' }],
      services: [{ id: 'svc-1', name: 'web', endpointMode: 'vip' }],
      endpoints: viewEndpoints,
      gatewaySubnet: '172.18.0.0/16',
    },
    viewSeq: 3,
    keptNetworks: ['wB', 'wC'],
    viewDelta: {
      appliesTo: 3,
      resultsIn: 4,
      endpoints: deltaEndpoints,
      removedEndpoints: [{ networkId: 'wD', taskId: 'td1' }],
    },
  };
  const wire = bytesOf(type('AssignmentsMessage'), message);
  const m = decodeAssignments(wire);
  assert.deepEqual(m.keptNetworks, ['wB', 'wC']);
  assert.deepEqual(m.view?.networks, ['wA', 'wB', 'wD']);
  const hashes = (es: object[]): number[] => es.map(e => endpointHash(bytesOf(type('ViewEndpoint'), e)));
  assert.deepEqual(
    m.view?.endpoints.map(e => e.hash),
    hashes(viewEndpoints),
  );
  assert.deepEqual(
    m.viewDelta?.endpoints.map(e => e.hash),
    hashes(deltaEndpoints),
  );
  // As the real agent hashes them (proto/endpoint-hashes.ts).
  assert.deepEqual(endpointHashesOf(wire), {
    view: m.view?.endpoints.map(e => e.hash),
    delta: m.viewDelta?.endpoints.map(e => e.hash),
  });
  assert.deepEqual(
    m.view?.endpoints.map(e => [e.networkId, e.taskId, e.serviceId, e.running]),
    [
      ['wA', 'ta1', 'svc-1', true],
      ['wA', 'ta2', '', false],
      ['wD', 'td1', 'svc-1', true],
    ],
  );
  assert.deepEqual(
    decodeAssignments(bytesOf(type('AssignmentsMessage'), { type: 'complete' })).keptNetworks,
    [],
  );

  // The view's digests, as a new stream's request carries them.
  const v = new LightView();
  assert.ok(m.view !== null && m.viewDelta !== null);
  v.apply(m.view, true, m.keptNetworks);
  v.apply(m.viewDelta, false);
  const [a1, a2, , a3, d2] = [...hashes(viewEndpoints), ...hashes(deltaEndpoints)] as [
    number,
    number,
    number,
    number,
    number,
  ];
  const digests = [
    { networkId: 'wA', digest: digestText(withEndpoint(withEndpoint(withEndpoint(0, a1), a2), a3)) },
    { networkId: 'wB', digest: digestText(EMPTY_DIGEST) },
    { networkId: 'wD', digest: digestText(d2) },
  ];
  assert.deepEqual(heldOf(v), digests);
  const assignments = serviceOf(loadShoalPackage('dispatcher.proto'), 'Dispatcher').Assignments;
  const request = assignments.requestSerialize({ sessionId: 'sess', held: v.held() });
  const sent = type('AssignmentsRequest').toObject(type('AssignmentsRequest').decode(request));
  assert.deepEqual(
    { ...sent, held: (sent.held as HeldDigest[]).sort(byNetwork) },
    { sessionId: 'sess', held: digests },
  );
});

/** An endpoint of the tests below (networks of their own: the endpoint numbers are the process's). */
const e = (networkId: string, taskId: string, running: boolean, hash: number): LightEndpoint => ({
  networkId,
  taskId,
  serviceId: 'svc',
  running,
  hash,
});
const full = (networks: string[], endpoints: LightEndpoint[]): LightViewPart => ({
  ...emptyPart(),
  networks,
  endpoints,
});
const digestOf = (v: LightView, net: string): string | undefined =>
  v.held().find(h => h.networkId === net)?.digest;
const sum = (...hs: number[]): string => digestText(hs.reduce(withEndpoint, EMPTY_DIGEST));

test('a full view keeping a network keeps its endpoints, and drops the others’', () => {
  const v = new LightView();
  v.apply(
    full(['kA', 'kB'], [e('kA', 'a1', true, 11), e('kA', 'a2', false, 12), e('kB', 'b1', true, 21)]),
    true,
  );
  v.apply({ ...emptyPart(), endpoints: [e('kB', 'b2', true, 22)] }, false);
  assert.equal(digestOf(v, 'kB'), sum(21, 22));

  v.apply(full(['kA', 'kB', 'kC'], [e('kB', 'b3', false, 23), e('kC', 'c1', true, 31)]), true, ['kA']);
  assert.deepStrictEqual(v.summary(), {
    networks: new Set(['kA', 'kB', 'kC']),
    running: new Map([
      [runningKey('kA', 'svc'), 1],
      [runningKey('kC', 'svc'), 1],
    ]),
    endpoints: 4,
  });
  assert.deepEqual(heldOf(v), [
    { networkId: 'kA', digest: sum(11, 12) },
    { networkId: 'kB', digest: sum(23) },
    { networkId: 'kC', digest: sum(31) },
  ]);

  // Keeping every network it holds drops nothing; a network out of the full view's list leaves held().
  v.apply(full(['kA', 'kB'], []), true, ['kA', 'kB', 'kC']);
  assert.equal(v.summary().endpoints, 4);
  assert.deepEqual(heldOf(v), [
    { networkId: 'kA', digest: sum(11, 12) },
    { networkId: 'kB', digest: sum(23) },
  ]);
  // Keeping none drops all.
  v.apply(full(['kA'], []), true);
  assert.deepStrictEqual(v.summary(), { networks: new Set(['kA']), running: new Map(), endpoints: 0 });
  assert.deepEqual(v.held(), [{ networkId: 'kA', digest: digestText(EMPTY_DIGEST) }]);
});

test('an endpoint of unknown hash leaves its network out of held() until a full view replaces it', () => {
  const v = new LightView();
  v.apply(
    full(['uA', 'uB'], [e('uA', 'a1', true, NaN), e('uA', 'a2', true, 5), e('uB', 'b1', false, 7)]),
    true,
  );
  assert.deepEqual(heldOf(v), [{ networkId: 'uB', digest: sum(7) }]);
  assert.equal(v.summary().running.get(runningKey('uA', 'svc')), 2);
  // Kept (a manager that should not have: it was sent no digest of it), still unknown.
  v.apply(full(['uA', 'uB'], []), true, ['uA']);
  assert.deepEqual(heldOf(v), [{ networkId: 'uB', digest: digestText(EMPTY_DIGEST) }]);
  // A full view that does not keep it: known again.
  v.apply(full(['uA'], [e('uA', 'a2', true, 5)]), true);
  assert.deepEqual(v.held(), [{ networkId: 'uA', digest: sum(5) }]);
  // So is one whose unknown endpoint a delta replaces (its digest is of what is held).
  v.apply({ ...emptyPart(), endpoints: [e('uA', 'a1', false, NaN)] }, false);
  assert.deepEqual(v.held(), []);
  v.apply({ ...emptyPart(), endpoints: [e('uA', 'a1', false, 9)] }, false);
  assert.deepEqual(v.held(), [{ networkId: 'uA', digest: sum(5, 9) }]);
  assert.equal(v.summary().running.get(runningKey('uA', 'svc')), 1);
});

test('an endpoint seen in more variants than a byte names is held with its hash unknown', () => {
  const v = new LightView();
  const w = new LightView();
  w.apply(full(['vA'], [e('vA', 'x', true, 1)]), true);
  // w's is x's first variant: 252 more fit.
  for (let i = 0; i < 300; i++) {
    v.apply(full(['vA'], [e('vA', 'x', i % 2 === 0, 1000 + i), e('vA', 'y', true, 2)]), true);
    assert.deepEqual(
      v.held(),
      i < 252 ? [{ networkId: 'vA', digest: sum(1000 + i, 2) }] : [],
      `variant ${i}`,
    );
    assert.equal(v.summary().running.get(runningKey('vA', 'svc')), i % 2 === 0 ? 2 : 1, `variant ${i}`);
  }
  // A variant seen before is still named by its byte, for every agent.
  v.apply({ ...emptyPart(), endpoints: [e('vA', 'x', true, 1)] }, false);
  assert.deepEqual(v.held(), [{ networkId: 'vA', digest: sum(1, 2) }]);
  assert.deepEqual(w.held(), [{ networkId: 'vA', digest: sum(1) }]);
});
