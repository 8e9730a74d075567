/**
 * The CLI's output helpers against docker's own behaviour: tabwriter alignment (minimum width 10,
 * padding 3), go-units' relative times, PrettyPrint's capitalisation, natural sort, templates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  alignColumns,
  capitalize,
  compileTemplate,
  humanDuration,
  naturalCompare,
  prettyLine,
  prettyTime,
  renderTemplate,
  TemplateError,
  timeAgo,
} from '../../bin/cli/format.ts';

test('alignColumns pads to the widest cell plus 3, at least 10, and leaves the last cell alone', () => {
  assert.equal(
    alignColumns([
      ['ID', 'NAME', 'STATE'],
      ['a', 'a-rather-long-name', 'Ready'],
      ['bb', 'x', 'Down'],
    ]),
    // NAME: 18 + 3 = 21 wide; ID: 2 + 3 = 5, raised to the minimum of 10.
    'ID        NAME                 STATE\n' +
      'a         a-rather-long-name   Ready\n' +
      'bb        x                    Down\n',
  );
});

test('alignColumns trims what an empty last column would leave at the end of a line', () => {
  assert.equal(
    alignColumns([
      ['HOSTNAME', 'MANAGER STATUS'],
      ['w1', ''],
    ]),
    'HOSTNAME   MANAGER STATUS\nw1\n',
  );
});

test('alignColumns counts code points, not UTF-16 units', () => {
  // 9 code points (13 UTF-16 units) + 3 = 12.
  assert.equal(
    alignColumns([
      ['nœud-🐟🐟🐟🐟', 'x'],
      ['n', 'y'],
    ]),
    `nœud-🐟🐟🐟🐟   x\nn${' '.repeat(11)}y\n`,
  );
});

test('capitalize is docker PrettyPrint: first letter up, the rest down', () => {
  assert.equal(capitalize('ready'), 'Ready');
  assert.equal(capitalize('UNREACHABLE'), 'Unreachable');
  assert.equal(capitalize(''), '');
});

test('humanDuration says what go-units HumanDuration says', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: [number, string][] = [
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [1 * s, '1 second'],
    [59 * s, '59 seconds'],
    [60 * s, 'About a minute'],
    [119 * s, 'About a minute'],
    [2 * m, '2 minutes'],
    [59 * m, '59 minutes'],
    [60 * m, 'About an hour'],
    [89 * m, 'About an hour'],
    [90 * m, '2 hours'],
    [47 * h, '47 hours'],
    [48 * h, '2 days'],
    [13 * d, '13 days'],
    [14 * d, '2 weeks'],
    [59 * d, '8 weeks'],
    [60 * d, '2 months'],
    [729 * d, '24 months'],
    [730 * d, '2 years'],
  ];
  for (const [ms, words] of cases) assert.equal(humanDuration(ms), words, `${ms} ms`);
});

test('timeAgo adds "ago" and treats a time in the future as now', () => {
  assert.equal(timeAgo(1_000, 181_000), '3 minutes ago');
  assert.equal(timeAgo(5_000, 1_000), 'Less than a second ago');
});

test('prettyTime and prettyLine give docker --pretty layout', () => {
  assert.equal(prettyTime(Date.UTC(2017, 4, 16, 22, 52, 44, 991)), '2017-05-16 22:52:44.991 +0000 utc');
  assert.equal(prettyLine('ID', 'abc'), 'ID:                     abc\n');
  assert.equal(prettyLine(' Raft Status', 'Reachable'), ' Raft Status:           Reachable\n');
});

test('naturalCompare orders digit runs by value, the rest by code unit', () => {
  const names = ['node10', 'node2', 'node1', 'Node3', 'node02', 'alpha', 'node'];
  assert.deepEqual([...names].sort(naturalCompare), [
    'Node3',
    'alpha',
    'node',
    'node1',
    'node2',
    'node02',
    'node10',
  ]);
  assert.equal(naturalCompare('host99999999999999999998', 'host99999999999999999999'), -1);
});

test('compileTemplate substitutes {{.Field}}, with or without spaces, and docker escapes', () => {
  const t = compileTemplate('{{.ID}}\\t{{ .Name }}!', ['ID', 'Name']);
  assert.equal(t.table, false);
  assert.equal(t.render({ ID: 'x1', Name: 'web' }), 'x1\tweb!');
});

test('compileTemplate rejects unknown fields and other actions before rendering anything', () => {
  assert.throws(() => compileTemplate('{{.Nope}}', ['ID']), TemplateError);
  assert.throws(() => compileTemplate('{{json .}}', ['ID']), /unsupported action \{\{json \.\}\}/);
  assert.throws(() => compileTemplate('{{.ID', ['ID']), /unclosed action/);
});

test('renderTemplate: one line per item, or a header and aligned rows for table templates', () => {
  const items = [
    { ID: 'a1', Name: 'web' },
    { ID: 'b22', Name: 'db' },
  ];
  const headers = { ID: 'ID', Name: 'NAME' };
  assert.equal(renderTemplate(compileTemplate('{{.Name}}', ['ID', 'Name']), headers, items), 'web\ndb\n');
  assert.equal(
    renderTemplate(compileTemplate('table {{.Name}}\\t{{.ID}}', ['ID', 'Name']), headers, items),
    'NAME      ID\nweb       a1\ndb        b22\n',
  );
});
