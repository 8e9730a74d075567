/** IPv4 parsing is strict; arithmetic holds above 2^31; blocks overlap as they should. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cidrLast,
  cidrOf,
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  parseAddressWithPrefix,
  parseIpv4,
} from '../../lib/ipv4.ts';

test('dotted quads only: no octal, hex, short or padded forms', () => {
  assert.equal(parseIpv4('10.0.1.2'), 10 * 2 ** 24 + 258);
  assert.equal(parseIpv4('0.0.0.0'), 0);
  assert.equal(parseIpv4('255.255.255.255'), 2 ** 32 - 1);
  for (const bad of [
    '010.0.0.1',
    '0x0a.0.0.1',
    '10.1',
    '167772161',
    '10.0.0.256',
    ' 10.0.0.1',
    '10.0.0.1 ',
    '1.2.3.4.5',
    '1..2.3',
    '-1.0.0.0',
    '',
  ]) {
    assert.equal(parseIpv4(bad), undefined, bad);
  }
});

test('formatting and blocks above 128.0.0.0 stay positive', () => {
  const a = parseIpv4('192.168.200.7')!;
  assert.ok(a > 2 ** 31);
  assert.equal(formatIpv4(a), '192.168.200.7');
  const block = cidrOf(a, 20);
  assert.equal(formatCidr(block), '192.168.192.0/20');
  assert.equal(formatIpv4(cidrLast(block)), '192.168.207.255');
  assert.equal(formatIpv4(cidrLast(cidrOf(0, 0))), '255.255.255.255');
});

test('address with prefix: host bits allowed, prefix 0..32 without padding', () => {
  assert.deepEqual(parseAddressWithPrefix('10.0.1.3/24'), { address: parseIpv4('10.0.1.3'), prefix: 24 });
  for (const bad of ['10.0.1.3', '10.0.1.3/', '10.0.1.3/33', '10.0.1.3/024', '10.0.1.3/2x', '10.0.1/24']) {
    assert.equal(parseAddressWithPrefix(bad), undefined, bad);
  }
});

test('overlap: nested, adjacent, disjoint', () => {
  const c = (text: string) => {
    const p = parseAddressWithPrefix(text)!;
    return cidrOf(p.address, p.prefix);
  };
  assert.equal(cidrsOverlap(c('10.0.0.0/8'), c('10.200.0.0/16')), true);
  assert.equal(cidrsOverlap(c('10.0.1.0/24'), c('10.0.1.128/25')), true);
  assert.equal(cidrsOverlap(c('10.0.1.0/24'), c('10.0.2.0/24')), false);
  assert.equal(cidrsOverlap(c('10.0.0.0/29'), c('10.0.0.8/29')), false);
});
