/**
 * `network create -o`: the options the data plane honours pass (checked), `encrypted` is refused with the
 * reason, and any other option is refused rather than stored and ignored.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { networkSpecProblem, overlayMtu } from '../../server/allocator/index.ts';
import type { NetworkSpec } from '../../server/store/index.ts';
import { newNetwork } from '../store/fixtures.ts';

const withOptions = (driverOptions: Record<string, string>): NetworkSpec =>
  newNetwork('x', 'test', { driverOptions }).spec;
const MTU = 'com.docker.network.driver.mtu';

test('the MTU option: a whole number between 68 and 8950, anything else refused with the range', () => {
  for (const ok of ['68', '1400', '1450', '8950'])
    assert.equal(networkSpecProblem(withOptions({ [MTU]: ok })), undefined, ok);
  assert.equal(
    networkSpecProblem(withOptions({ [MTU]: '67' })),
    'invalid MTU 67: must be between 68 and 8950 (the underlay carries it plus 50 bytes)',
  );
  assert.equal(
    networkSpecProblem(withOptions({ [MTU]: '9000' })),
    'invalid MTU 9000: must be between 68 and 8950 (the underlay carries it plus 50 bytes)',
  );
  for (const bad of ['', 'abc', '-1', '1400.5', '0x500', '1'.repeat(200)]) {
    const problem = networkSpecProblem(withOptions({ [MTU]: bad })) ?? '';
    assert.match(
      problem,
      /^invalid com\.docker\.network\.driver\.mtu ".*": expected a whole number between 68 and 8950$/,
      bad,
    );
    assert.ok(problem.length < 160, 'the value is not echoed whole');
  }
  assert.equal(overlayMtu({ [MTU]: '1400' }), 1400);
  assert.equal(overlayMtu({}), 1450);
});

test('-o encrypted is refused with the reason, whatever its value', () => {
  for (const value of ['', 'true']) {
    assert.match(
      networkSpecProblem(withOptions({ encrypted: value })) ?? '',
      /^encrypted overlay networks are not supported: the nodes have no IPsec \(the kernel lacks ESP.*unencrypted/,
    );
  }
});

test('an option nobody honours is refused, never stored and ignored; the VXLAN ID option still passes', () => {
  assert.equal(
    networkSpecProblem(withOptions({ 'com.docker.network.bridge.name': 'x' })),
    'network driver option "com.docker.network.bridge.name" is not supported: the overlay driver takes com.docker.network.driver.overlay.vxlanid_list and com.docker.network.driver.mtu',
  );
  assert.match(networkSpecProblem(withOptions({ ['k'.repeat(100)]: '' })) ?? '', /"k{40}…" is not supported/);
  assert.equal(
    networkSpecProblem(
      withOptions({ 'com.docker.network.driver.overlay.vxlanid_list': '4100', [MTU]: '1400' }),
    ),
    undefined,
  );
});
