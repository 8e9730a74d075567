/** The digest of a network's endpoints: order-free, O(1) per change, read off the bytes as sent. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointHashesOf } from '../../proto/endpoint-hashes.ts';
import { loadProtoRoot } from '../../proto/load.ts';
import {
  DIGEST_MODULUS,
  digestText,
  EMPTY_DIGEST,
  endpointHash,
  parseDigest,
  withEndpoint,
  withoutEndpoint,
} from '../../proto/view-digest.ts';
import { encodeAssignments } from '../../server/dispatcher/assignments-encoder.ts';
import { noEntities } from '../../server/dispatcher/view-parts.ts';
import { rng } from '../dispatcher/view-world.ts';

const Endpoint = loadProtoRoot('dispatcher.proto').lookupType('shoal.v1.ViewEndpoint');
const endpoint = (taskId: string, running: boolean) => ({
  taskId,
  serviceId: 's',
  slot: 1,
  name: '',
  nodeId: 'n1',
  networkId: 'k1',
  addr: '10.0.1.3/24',
  running,
});
const bytes = (e: object): Uint8Array => Endpoint.encode(Endpoint.fromObject(e)).finish();

test('a digest does not depend on the order endpoints came in, and taking one out undoes adding it', () => {
  const random = rng(7);
  const hashes = Array.from({ length: 200 }, (_, i) => endpointHash(bytes(endpoint(`t${i}`, i % 2 === 0))));
  const sum = (hs: number[]): number => hs.reduce(withEndpoint, EMPTY_DIGEST);
  const shuffled = [...hashes].sort(() => random() - 0.5);
  assert.equal(sum(hashes), sum(shuffled));
  let d = sum(hashes);
  for (const h of shuffled) d = withoutEndpoint(d, h);
  assert.equal(d, EMPTY_DIGEST);
  for (const h of hashes) {
    assert.ok(Number.isInteger(h) && h >= 0 && h < DIGEST_MODULUS, `hash ${h}`);
  }
  assert.equal(new Set(hashes).size, hashes.length, 'no two of 200 endpoints hash alike');
});

test('an endpoint that changes in one field, or one byte, hashes differently', () => {
  const a = bytes(endpoint('t1', false));
  const b = bytes(endpoint('t1', true));
  assert.notEqual(endpointHash(a), endpointHash(b));
  for (let i = 0; i < a.length; i++) {
    const c = Uint8Array.from(a);
    c[i] = (c[i] as number) ^ 1;
    assert.notEqual(endpointHash(c), endpointHash(a), `byte ${i}`);
  }
});

test('a digest travels as 13 hex digits and back; anything else is not one', () => {
  for (const d of [0, 1, 0xabc, DIGEST_MODULUS - 1]) assert.equal(parseDigest(digestText(d)), d);
  assert.equal(digestText(0), '0000000000000');
  for (const bad of ['', 'abc', '0000000000000 ', 'G000000000000', '00000000000000', '0x00000000000']) {
    assert.equal(parseDigest(bad), undefined, bad);
  }
});

test('the hashes read off a message’s bytes are those of its endpoints’ own encodings, view and delta', () => {
  const view = [endpoint('t1', true), endpoint('t2', false)];
  const delta = [endpoint('t3', true)];
  const m = encodeAssignments({
    type: 'complete',
    appliesTo: 0,
    resultsIn: 1,
    changes: [],
    networkView: { networks: [], nodes: [], services: [], endpoints: view, gatewaySubnet: '' },
    viewSeq: 1,
    viewDelta: { appliesTo: 1, resultsIn: 2, ...noEntities(), endpoints: delta, gatewaySubnet: '' },
    more: false,
    keptNetworks: ['k9'],
  });
  assert.deepEqual(endpointHashesOf(m), {
    view: view.map(e => endpointHash(bytes(e))),
    delta: delta.map(e => endpointHash(bytes(e))),
  });
  assert.throws(() => endpointHashesOf(m.subarray(0, m.length - 3)), /truncated/);
});
