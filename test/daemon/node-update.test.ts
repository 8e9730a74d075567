/**
 * UpdateNode's versions, through an in-process shoald's unix socket: version 0 asks for the current one
 * (last writer wins, as the contract says), so concurrent changes of one node all land; a stale version
 * is refused, as docker's "update out of sequence".
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WireNode } from '../../proto/control-types.ts';
import { freePort, harness, type Call } from './helpers.ts';

const h = harness('shoal-node-update-');
after(() => h.cleanup());

let control: Call;
let nodeId = '';

before(async () => {
  await h.daemon('m1');
  await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${await freePort()}`, advertiseAddr: '' });
  control = h.client('m1', 'Control');
  const [node] = (await control('ListNodes', {})).nodes as WireNode[];
  nodeId = node?.id ?? '';
});

function update(version: number, labelAdd: Record<string, string>): Promise<Record<string, unknown>> {
  return control('UpdateNode', { nodeId, version, availability: '', labelAdd, labelRm: [], desiredRole: '' });
}

async function labels(): Promise<Record<string, string>> {
  return ((await control('GetNode', { nodeId })).node as WireNode).labels;
}

test('ten label changes at version 0 at once: every one lands', async () => {
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) => update(0, { [`k${i}`]: `${i}` })),
  );
  assert.deepEqual(
    results.flatMap(r => (r.status === 'rejected' ? [String(r.reason)] : [])),
    [],
  );
  const got = await labels();
  for (let i = 0; i < 10; i++) assert.equal(got[`k${i}`], `${i}`, `label k${i}`);
});

test('a change at a version the node has moved past is refused, and changes nothing', async () => {
  const read = (await control('GetNode', { nodeId })).node as WireNode;
  await update(read.version, { first: 'yes' });
  await assert.rejects(update(read.version, { second: 'yes' }), {
    code: grpc.status.INVALID_ARGUMENT,
    details: 'update out of sequence',
  });
  const got = await labels();
  assert.equal(got.first, 'yes');
  assert.equal(got.second, undefined);
});
