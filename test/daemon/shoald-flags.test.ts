/**
 * shoald's numeric flags are checked where they are read: a value that is not a whole number in range
 * is refused at once, naming the flag and the range, before anything is created (before, `--tick-ms abc`
 * started a daemon whose Raft never ticked).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'shoal-flags-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('bad numeric flags are refused with the flag and its range, and nothing is created', () => {
  const cases: [string, string, RegExp][] = [
    [
      '--tick-ms',
      'abc',
      /'--tick-ms <ms>' argument 'abc' is invalid\. It must be a whole number of ms from 10 to 10000/,
    ],
    ['--tick-ms', '0', /--tick-ms/],
    ['--snapshot-every', '-5', /--snapshot-every.*from 10 to 100000000/],
    ['--poll-ms', '12.5', /--poll-ms/],
    ['--heartbeat-period', '1e9', /--heartbeat-period.*from 100 to 3600000/],
  ];
  for (const [flag, value, says] of cases) {
    const data = join(dir, `d-${flag.slice(2)}-${value}`);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bin/shoald.ts', flag, value, '--data-dir', data, '--socket', join(dir, 's.sock')],
      { cwd: repo, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 1, `${flag} ${value}: exits 1 (${r.signal ?? ''} ${r.stderr})`);
    assert.match(r.stderr, says, `${flag} ${value}`);
    assert.ok(!existsSync(data), `${flag} ${value}: no data folder`);
  }
});
