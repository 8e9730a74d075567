/**
 * `shoal node promote|demote` and a worker's `node ls`, in-process against real daemons on loopback:
 * docker's wording on success and on refusal, and the MANAGER STATUS column following the change.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, harness, until } from '../daemon/helpers.ts';
import { runCli, type CliResult } from './run-cli.ts';

const h = harness('shoal-cli-roles-');
after(() => h.cleanup());

async function daemon(name: string): Promise<void> {
  await h.daemon(name, { pollMs: 50 });
}

/** `shoal <argv>` against the daemon `name`. */
const shoal = (name: string, argv: string[]): Promise<CliResult> =>
  runCli(argv, join(h.root, `${name}.sock`));

/** The MANAGER STATUS cell of `host`'s row in `shoal node ls` on `via` ('' for none). */
async function managerStatus(via: string, host: string): Promise<string | undefined> {
  const { code, out, err } = await shoal(via, ['node', 'ls', '--format', '{{.Hostname}}|{{.ManagerStatus}}']);
  assert.equal(code, 0, `node ls on ${via}: ${err}`);
  return out
    .split('\n')
    .map(line => line.split('|'))
    .find(([hostname]) => hostname === host)?.[1];
}

before(async () => {
  await daemon('m1');
  const init = await shoal('m1', ['swarm', 'init', '--listen-addr', `127.0.0.1:${await freePort()}`]);
  assert.equal(init.code, 0, init.err);
  const token = (await shoal('m1', ['swarm', 'join-token', '-q', 'worker'])).out.trim();
  const addr = init.out.match(/127\.0\.0\.1:\d+/)?.[0];
  assert.ok(addr !== undefined);
  await daemon('w1');
  const join = await shoal('w1', [
    'swarm',
    'join',
    '--token',
    token,
    '--listen-addr',
    `127.0.0.1:${await freePort()}`,
    addr,
  ]);
  assert.deepEqual(join, { code: 0, err: '', out: 'This node joined a swarm as a worker.\n' });
});

test('a worker answers manager-only commands with docker’s text', async () => {
  assert.deepEqual(await shoal('w1', ['node', 'ls']), {
    code: 1,
    out: '',
    err: "Error response from daemon: This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.\n",
  });
  assert.equal(await managerStatus('m1', 'w1'), '');
});

test('demoting the last manager is refused with swarmkit’s text', async () => {
  assert.deepEqual(await shoal('m1', ['node', 'demote', 'm1']), {
    code: 1,
    out: '',
    err: 'Error response from daemon: attempting to demote the last manager of the swarm\n',
  });
});

test('node promote, then node demote, as docker words them', async () => {
  assert.deepEqual(await shoal('m1', ['node', 'promote', 'w1']), {
    code: 0,
    err: '',
    out: 'Node w1 promoted to a manager in the swarm.\n',
  });
  await until('w1 to be a Reachable manager', async () => (await managerStatus('m1', 'w1')) === 'Reachable');
  await until('node ls on w1', async () => (await shoal('w1', ['node', 'ls'])).code === 0);
  assert.equal(await managerStatus('w1', 'm1'), 'Leader');
  assert.deepEqual(await shoal('m1', ['node', 'promote', 'w1']), {
    code: 0,
    err: '',
    out: 'Node w1 is already a manager.\n',
  });

  assert.deepEqual(await shoal('m1', ['node', 'demote', 'w1']), {
    code: 0,
    err: '',
    out: 'Manager w1 demoted in the swarm.\n',
  });
  await until('w1 to be a worker again', async () => (await managerStatus('m1', 'w1')) === '');
  await until('w1 to refuse node ls again', async () => (await shoal('w1', ['node', 'ls'])).code === 1);
});
