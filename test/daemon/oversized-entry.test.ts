/**
 * A cluster that already holds a Raft entry larger than any message may be (written before requests were
 * limited: issue 14, point 2) recovers. Before, the leader logged "raft messages too large to send,
 * dropped" for ever, every later write timed out, the next leader inherited the entry, agents failed on
 * the tasks' size and `service ls` failed for everyone. Three managers on loopback; the entry is written
 * as the old code wrote it (no proposal limit), straight into the leader's store.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Daemon } from '../../node/daemon.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { RAFT_MAX_MESSAGE_BYTES } from '../../server/raftnode/transport.ts';
import { findServices, findTasks, updateService } from '../../server/store/index.ts';
import { runCli } from '../cli/run-cli.ts';
import { freePort, harness, until } from './helpers.ts';

const h = harness('shoal-oversized-entry-');
const names = ['m1', 'm2', 'm3'];
const running = new Map<string, Daemon>();
after(() => h.cleanup());

const managerOf = (name: string): Manager => {
  const m = (running.get(name) as unknown as { manager?: Manager } | undefined)?.manager;
  assert.ok(m !== undefined, `${name} runs a manager`);
  return m;
};
const leaderName = (): string | undefined => [...running.keys()].find(n => managerOf(n).raft.isLeader);
const shoal = (name: string, ...argv: string[]) => runCli(argv, join(h.root, `${name}.sock`));

before(async () => {
  // The production tick: three managers in one process share one event loop with 9 MB objects to parse.
  for (const n of names) running.set(n, await h.daemon(n, { tickMs: 100 }));
  const port = await freePort();
  const init = await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  for (const n of ['m2', 'm3']) {
    await h.client(n, 'Swarm')('Join', {
      token: init.managerToken,
      remoteAddr: `127.0.0.1:${port}`,
      listenAddr: `127.0.0.1:${await freePort()}`,
      advertiseAddr: '',
    });
  }
  await until('three managers', async () => managerOf('m1').raft.voters().length === 3, 20_000);
});

test('an entry larger than any Raft message commits, its tasks run, and the cluster goes on writing; also after the leader goes', async () => {
  for (const name of ['big1', 'big2']) {
    const r = await shoal(
      'm1',
      'service',
      'create',
      '-d',
      '--name',
      name,
      '--replicas',
      '0',
      '--',
      'echo',
      'x',
    );
    assert.equal(r.code, 0, r.err);
  }
  const lead = leaderName();
  assert.ok(lead !== undefined);
  const store = managerOf(lead).store;
  // 1.5 MB of control bytes per service: 9 MB of JSON each, one entry of 18 MB.
  const huge = '\x01'.repeat(1_500_000);
  await store.update(
    tx => {
      for (const s of findServices(tx)) {
        updateService(tx, {
          ...s,
          spec: { ...s.spec, mode: { replicated: { replicas: 2 } }, task: { ...s.spec.task, args: [huge] } },
        });
      }
    },
    Date.now(),
    { maxBytes: Number.POSITIVE_INFINITY },
  );
  const entryBytes = Buffer.byteLength(JSON.stringify(store.view(tx => findServices(tx))));
  assert.ok(entryBytes > RAFT_MAX_MESSAGE_BYTES, `the entry (${entryBytes} bytes) exceeds a Raft message`);

  // Every manager applies it, and writes after it commit, through any manager.
  await until(
    'every manager to hold the large services',
    async () =>
      names.every(n =>
        managerOf(n)
          .store.view(tx => findServices(tx))
          .every(s => s.spec.task.args[0] === huge),
      ),
    60_000,
  );
  for (const n of names) {
    const r = await shoal(n, 'network', 'create', '-d', 'overlay', `after-${n}`);
    assert.equal(r.code, 0, r.err);
  }
  // The tasks (9 MB each) are made, reach the agents and run.
  await until(
    'four large tasks running',
    async () =>
      store.view(tx => findTasks(tx)).filter(t => t.status.state === 'running' && t.spec.args[0] === huge)
        .length === 4,
    120_000,
  );
  // Anyone can list them.
  const ls = await shoal(
    names.find(n => n !== lead) ?? 'm2',
    'service',
    'ls',
    '--format',
    '{{.Name}} {{.Replicas}}',
  );
  assert.equal(ls.code, 0, ls.err);
  assert.deepEqual(ls.out.trim().split('\n').sort(), ['big1 2/2', 'big2 2/2']);

  // The leader goes; the next one has the entry too, and the cluster writes on.
  await h.stop(lead);
  running.delete(lead);
  await until('a new leader', async () => leaderName() !== undefined, 30_000);
  const next = leaderName() ?? '';
  const rm = await shoal(next, 'service', 'rm', 'big1', 'big2');
  assert.equal(rm.code, 0, rm.err);
  // The stopped manager comes back: it catches up (the large entries included), its agent stops its own
  // large tasks (a down node's tasks stay until it returns, as in Swarm), and they are all gone.
  running.set(lead, await h.daemon(lead, { tickMs: 100 }));
  await until(
    'the large tasks gone',
    async () =>
      managerOf(next)
        .store.view(tx => findTasks(tx))
        .every(t => t.spec.args[0] !== huge),
    120_000,
  );
  const after = await shoal(next, 'network', 'create', '-d', 'overlay', 'after-all');
  assert.equal(after.code, 0, after.err);
});
