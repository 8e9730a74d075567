/** Placement constraints: the parser (the boundary's grammar and texts) and matching nodes, key by key. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constraintProblem } from '../../server/allocator/index.ts';
import {
  constraintMatches,
  nodeMatchesConstraints,
  parseConstraint,
  parseConstraints,
  type Constraint,
} from '../../server/scheduler/index.ts';
import { SeededRng } from '../../server/raft/rng.ts';
import { node } from './objects.ts';

function parsed(text: string): Constraint {
  const c = parseConstraint(text);
  if ('problem' in c) throw new Error(`${text}: ${c.problem}`);
  return c;
}

test('parse: field, label, operator and value; whitespace around each part is tolerated', () => {
  const cases: [string, Omit<Constraint, 'text'>][] = [
    ['node.id==abc', { field: 'node.id', label: '', operator: '==', value: 'abc' }],
    ['node.hostname != web-1', { field: 'node.hostname', label: '', operator: '!=', value: 'web-1' }],
    ['  node.role   ==   manager  ', { field: 'node.role', label: '', operator: '==', value: 'manager' }],
    ['NODE.Role==Worker', { field: 'node.role', label: '', operator: '==', value: 'Worker' }],
    ['node.labels.zone==a', { field: 'node.labels', label: 'zone', operator: '==', value: 'a' }],
    ['Node.Labels.Zone!=eu west', { field: 'node.labels', label: 'Zone', operator: '!=', value: 'eu west' }],
    ['node.labels.a.b==c', { field: 'node.labels', label: 'a.b', operator: '==', value: 'c' }],
    ['engine.labels.disk==ssd', { field: 'engine.labels', label: 'disk', operator: '==', value: 'ssd' }],
    ['node.ip==10.0.0.0/8', { field: 'node.ip', label: '', operator: '==', value: '10.0.0.0/8' }],
    ['node.platform.os==linux', { field: 'node.platform.os', label: '', operator: '==', value: 'linux' }],
    ['node.platform.arch!=arm64', { field: 'node.platform.arch', label: '', operator: '!=', value: 'arm64' }],
    ['node.labels.x==a!=b', { field: 'node.labels', label: 'x', operator: '==', value: 'a!=b' }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parsed(text), { text, ...expected }, text);
});

test('parse: refusals carry the boundary check’s text, word for word', () => {
  const corpus = [
    '',
    '   ',
    'node.role',
    'node.role=manager',
    'node.role===',
    'node.role==',
    'node.role==   ',
    '==manager',
    'node.role<manager',
    'node.labels.==a',
    'node.labels==a',
    'engine.labels.==a',
    'node.name==x',
    'node.role ~= manager',
    'x'.repeat(200) + '==1',
    'nöde.role==manager',
    'node.role==manager',
    ' node.labels.zone != a ',
    'NODE.ID==x',
  ];
  for (const text of corpus) {
    const mine = parseConstraint(text);
    assert.equal('problem' in mine ? mine.problem : undefined, constraintProblem(text), JSON.stringify(text));
  }
  // And over random strings from the grammar's alphabet, so the two cannot drift apart unseen.
  const rng = new SeededRng(42);
  const pieces = [
    'node.',
    'labels.',
    'role',
    'id',
    'hostname',
    'ip',
    'engine.',
    '=',
    '==',
    '!=',
    ' ',
    'a',
    'Z',
    '.',
  ];
  for (let i = 0; i < 5000; i++) {
    let text = '';
    for (let n = rng.int(7); n >= 0; n--) text += rng.pick(pieces);
    const mine = parseConstraint(text);
    assert.equal('problem' in mine ? mine.problem : undefined, constraintProblem(text), JSON.stringify(text));
  }
});

test('parseConstraints: all of them, or the first problem', () => {
  assert.equal((parseConstraints(['node.role==worker', 'node.labels.zone!=b']) as Constraint[]).length, 2);
  assert.deepEqual(parseConstraints([]), []);
  const bad = parseConstraints(['node.role==worker', 'nope', 'node.x==1']);
  assert.ok('problem' in bad);
  assert.match(bad.problem, /^invalid constraint "nope"/);
});

test('match: every key with == and !=, values compare case-insensitively, label names do not', () => {
  const n = node('n1abc', {
    role: 'manager',
    hostname: 'Web-1',
    labels: { zone: 'a', Disk: 'SSD' },
    addr: '10.1.2.3',
  });
  const cases: [string, boolean][] = [
    ['node.id==n1abc', true],
    ['node.id==N1ABC', true],
    ['node.id==n1', false], // whole value, not a prefix
    ['node.id!=n1abc', false],
    ['node.id!=n2', true],
    ['node.hostname==web-1', true],
    ['node.hostname!=web-1', false],
    ['node.hostname==web-2', false],
    ['node.hostname!=web-2', true],
    ['node.role==manager', true],
    ['node.role==MANAGER', true],
    ['node.role!=manager', false],
    ['node.role==worker', false],
    ['node.role!=worker', true],
    ['node.labels.zone==a', true],
    ['node.labels.zone==A', true],
    ['node.labels.zone!=a', false],
    ['node.labels.zone==b', false],
    ['node.labels.zone!=b', true],
    ['NODE.LABELS.zone==a', true], // the prefix is case-insensitive
    ['node.labels.ZONE==a', false], // the label name is not: there is no label ZONE
    ['node.labels.ZONE!=a', true],
    ['node.labels.Disk==ssd', true],
    ['node.labels.disk==ssd', false],
    ['node.labels.missing==a', false], // a missing label never equals
    ['node.labels.missing!=a', true], // and always differs
    ['node.labels.constructor==x', false], // labels are own properties only
    ['node.labels.__proto__!=x', true],
    ['node.ip==10.1.2.3', true],
    ['node.ip!=10.1.2.3', false],
    ['node.ip==10.1.2.4', false],
    ['node.ip==10.0.0.0/8', true],
    ['node.ip==10.1.2.0/30', true],
    ['node.ip==10.1.2.9/29', false],
    ['node.ip!=10.0.0.0/8', false],
    ['node.ip!=192.168.0.0/16', true],
    ['node.ip==not-an-ip', false], // a malformed address matches nothing, either way
    ['node.ip!=not-an-ip', false],
    ['node.platform.os==linux', false], // Shoal's nodes report no platform
    ['node.platform.os!=linux', true],
    ['node.platform.arch==amd64', false],
    ['engine.labels.disk==ssd', false], // nor engine labels
    ['engine.labels.disk!=ssd', true],
  ];
  for (const [text, expected] of cases) assert.equal(constraintMatches(n, parsed(text)), expected, text);
});

test('match: a node whose address is not an IPv4 address has no node.ip', () => {
  const n = node('n', { addr: '' });
  assert.equal(constraintMatches(n, parsed('node.ip==10.0.0.1')), false);
  assert.equal(constraintMatches(n, parsed('node.ip!=10.0.0.1')), true);
  assert.equal(constraintMatches(n, parsed('node.ip==0.0.0.0/0')), false);
});

test('nodeMatchesConstraints: every constraint must hold; none is always satisfied', () => {
  const n = node('n1', { labels: { zone: 'a' } });
  const all = (texts: string[]) => nodeMatchesConstraints(n, parseConstraints(texts) as Constraint[]);
  assert.equal(all([]), true);
  assert.equal(all(['node.role==worker', 'node.labels.zone==a']), true);
  assert.equal(all(['node.role==worker', 'node.labels.zone==b']), false);
  assert.equal(all(['node.labels.zone==a', 'node.labels.zone!=a']), false);
});
