/** What an agent says it holds as it opens a stream: checked once, a wrong list refused with the reason. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../../lib/errors.ts';
import { loadProtoRoot } from '../../proto/load.ts';
import { MAX_REQUEST_BYTES_BY_METHOD } from '../../server/ca/authorize.ts';
import { MAX_HELD_NETWORKS } from '../../proto/view-digest.ts';
import { heldNetworksOf } from '../../server/dispatcher/held-networks.ts';

test('held networks: each network with its digest', () => {
  const held = heldNetworksOf([
    { networkId: 'a', digest: '0000000000000' },
    { networkId: 'b', digest: 'fffffffffffff' },
  ]);
  assert.deepEqual(
    [...held],
    [
      ['a', 0],
      ['b', 2 ** 52 - 1],
    ],
  );
  assert.equal(heldNetworksOf([]).size, 0);
});

test('held networks: a malformed list is refused, naming what is wrong', () => {
  const refused = (held: { networkId: string; digest: string }[], message: RegExp): void =>
    assert.throws(
      () => heldNetworksOf(held),
      (err: unknown) => {
        assert.ok(err instanceof InvalidArgumentError);
        assert.match(err.message, message);
        return true;
      },
    );
  const ok = '00000000000aa';
  refused([{ networkId: '', digest: ok }], /a network ID must have 1 to 64 characters, not 0/);
  refused([{ networkId: 'x'.repeat(65), digest: ok }], /not 65/);
  for (const digest of ['', '0', '00000000000AA', '0000000000000a', 'zzzzzzzzzzzzz', '-000000000001']) {
    refused([{ networkId: 'a', digest }], /digest ".*" is not 13 hex digits/);
  }
  refused(
    [{ networkId: 'a', digest: 'x'.repeat(10_000) }],
    /^held networks: network a: digest "x{20}" is not/,
  );
  refused(
    [
      { networkId: 'a', digest: ok },
      { networkId: 'a', digest: ok },
    ],
    /network a is named twice/,
  );
  const many = Array.from({ length: MAX_HELD_NETWORKS + 1 }, (_, i) => ({ networkId: `n${i}`, digest: ok }));
  refused(many, /16385 is more than the 16384 a view can hold/);
});

test('the most networks an agent names, at their longest, fit in the request the manager takes', () => {
  const Request = loadProtoRoot('dispatcher.proto').lookupType('shoal.v1.AssignmentsRequest');
  const held = Array.from({ length: MAX_HELD_NETWORKS }, (_, i) => ({
    networkId: String(i).padStart(64, 'n'),
    digest: 'fffffffffffff',
  }));
  const bytes = Request.encode(Request.fromObject({ sessionId: 's'.repeat(64), held })).finish().length;
  const limit = MAX_REQUEST_BYTES_BY_METHOD['/shoal.v1.Dispatcher/Assignments'] ?? 0;
  assert.ok(bytes <= limit, `${bytes} bytes, the manager takes ${limit}`);
  assert.equal(heldNetworksOf(held).size, MAX_HELD_NETWORKS);
});
