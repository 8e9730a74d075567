/**
 * The process executor with real namespaces (root): isolation, logs, exit states, stop with SIGTERM and
 * SIGKILL, a missing command, adoption after the agent is dropped, a reused pid not adopted, exec.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import type { WireTask } from '../../../proto/control-types.ts';
import type { ExecStatus } from '../../../agent/exec/executor.ts';
import { catchesTerm, firstChild, procFacts, sameLiveProcess } from '../../../agent/exec/task-process.ts';
import { TaskStateDir, listTaskDirs } from '../../../agent/exec/task-state-dir.ts';
import { setup, statuses, task, VIEW, waitFor } from './executor-fixtures.ts';

const notRoot = process.getuid?.() !== 0;
const skip = notRoot ? 'needs root (network namespaces)' : false;

const last = (seen: Map<string, ExecStatus[]>, id: string): ExecStatus | undefined => seen.get(id)?.at(-1);

/**
 * A launch as the executor makes one (its own process group): `script` as the init of a new pid
 * namespace, killed with its group when the test ends, whatever the executor did with it.
 */
function launchInit(t: TestContext, script: string): { pgid: number; launchStartTime: number } {
  const child = spawn('unshare', ['--pid', '--fork', '/bin/sh', '-c', script], {
    detached: true,
    stdio: 'ignore',
  });
  const pgid = child.pid ?? 0;
  assert.ok(pgid > 0);
  t.after(() => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  return { pgid, launchStartTime: procFacts(pgid)?.startTime ?? 0 };
}

test(
  'a task runs in its own net/uts/pid/mount namespaces, its output in its logs; exit 0 → complete',
  { skip },
  async t => {
    const { make, net } = setup(t);
    const e = make();
    const seen = statuses(e);
    const script =
      'hostname; cat /etc/resolv.conf; echo "pid1=$(tr "\\0" " " < /proc/1/cmdline)"; ls /sys/class/net; echo oops >&2';
    const a = task(['/bin/sh', '-c', script]);
    e.apply([a], VIEW);
    await waitFor('complete', () => last(seen, a.id)?.state === 'complete');
    assert.deepEqual(
      seen.get(a.id)?.map(s => s.state),
      ['accepted', 'preparing', 'starting', 'running', 'complete'],
    );
    const out = e.logs(a.id).stdout.toString();
    const lines = out.split('\n');
    assert.equal(lines[0], `web.${a.slot}.${a.id}`, 'hostname = task name');
    assert.match(out, /nameserver 127\.0\.0\.11/);
    assert.match(out, /pid1=\/bin\/sh -c /, 'PID 1 is the wrapper shell');
    assert.deepEqual(lines.slice(-2), ['lo', ''], 'only lo: the sandbox netns');
    assert.equal(e.logs(a.id).stderr.toString(), 'oops\n');
    assert.equal(e.result(a.id)?.exitCode, 0);
    await waitFor('sandbox released', () => net.sandbox(a.id) === undefined);
    await e.close();
  },
);

test(
  'exit 3 → failed with the code; a missing command fails with the reason and leaves no sandbox',
  { skip },
  async t => {
    const { make, net } = setup(t);
    const e = make();
    const seen = statuses(e);
    const three = task(['/bin/sh', '-c', 'exit 3']);
    const nope = task(['nope']);
    e.apply([three, nope], VIEW);
    await waitFor(
      'failed',
      () => last(seen, three.id)?.state === 'failed' && last(seen, nope.id)?.state === 'failed',
    );
    assert.equal(last(seen, three.id)?.err, 'task exited with code 3');
    assert.equal(last(seen, nope.id)?.err, 'exec: "nope": executable file not found in $PATH');
    await waitFor(
      'sandboxes released',
      () => net.sandbox(three.id) === undefined && net.sandbox(nope.id) === undefined,
    );
    // Exit 127 from inside (the shell could not find it) reads the same.
    const inner = task(['/bin/sh', '-c', 'exec nope2']);
    e.apply([three, nope, inner], VIEW);
    await waitFor('failed', () => last(seen, inner.id)?.state === 'failed');
    assert.equal(last(seen, inner.id)?.err, 'exec: "/bin/sh": executable file not found in $PATH');
    await e.close();
  },
);

test(
  'stop: SIGTERM reaches the command at once; a TERM-ignoring one is killed after its grace',
  { skip },
  async t => {
    const { make, stateDir } = setup(t);
    const e = make();
    const seen = statuses(e);
    const polite = task(['sleep', '100']);
    // The stubborn one says when its trap is set (a file appears).
    const trapped = `${stateDir}.trapped`;
    t.after(() => rmSync(trapped, { force: true }));
    const stubborn = task(['/bin/sh', '-c', `trap "" TERM; : > ${trapped}; while :; do sleep 0.05; done`]);
    stubborn.spec.stopGracePeriodMs = 300;
    e.apply([polite, stubborn], VIEW);
    await waitFor(
      'running',
      () => last(seen, polite.id)?.state === 'running' && last(seen, stubborn.id)?.state === 'running',
    );
    await waitFor('the trap set', () => existsSync(trapped));
    const t0 = Date.now();
    e.apply(
      [
        { ...polite, desiredState: 'shutdown' },
        { ...stubborn, desiredState: 'shutdown' },
      ],
      VIEW,
    );
    // SIGTERM (143), within the polite one's grace period (the default, 10 s): not a kill after it.
    await waitFor('polite down', () => last(seen, polite.id)?.state === 'shutdown');
    assert.equal(e.result(polite.id)?.exitCode, 143);
    // SIGKILL (137), not before the stubborn one's 300 ms.
    await waitFor('stubborn down', () => last(seen, stubborn.id)?.state === 'shutdown');
    assert.ok(Date.now() - t0 >= 300, `killed after the grace period (${Date.now() - t0} ms)`);
    assert.equal(e.result(stubborn.id)?.exitCode, 137);
    await e.close();
  },
);

test(
  'a stop asked before the wrapper has its TERM trap waits for it: SIGTERM, not SIGKILL after the grace',
  { skip },
  async t => {
    const { make, stateDir } = setup(t);
    const x = task(['sleep', '100']);
    const dir = new TaskStateDir(stateDir, x.id);
    dir.create();
    // A pid namespace's init that sets its TERM trap (as the wrapper's) only when told: the kernel drops a
    // SIGTERM sent to it before, as it did to a wrapper stopped right after its start.
    const go = `${stateDir}.go`;
    t.after(() => rmSync(go, { force: true }));
    const script = [
      `while [ ! -e ${go} ]; do sleep 0.02; done`,
      `trap 'printf "143\\n" > ${dir.exitPath}; exit 143' TERM`,
      'while :; do sleep 0.02; done',
    ].join('\n');
    const { pgid } = launchInit(t, script);
    const pid = await waitFor('the init', () => firstChild(pgid));
    const startTime = procFacts(pid)?.startTime ?? 0;
    dir.writeProcess({ pid, pgid, startTime, netns: '' });

    // An executor adopts it (as after an agent restart), then is asked to stop it at once.
    const e = make();
    const seen = statuses(e);
    const running = { ...x, status: { ...x.status, state: 'running' } };
    e.apply([running], VIEW);
    assert.equal(last(seen, x.id)?.message, 'adopted after an agent restart');
    e.apply([{ ...running, desiredState: 'shutdown' }], VIEW);
    assert.equal(catchesTerm(pid), false);
    writeFileSync(go, '');
    // Well within the default grace period (10 s): the SIGTERM came once the trap was there.
    await waitFor('down', () => last(seen, x.id)?.state === 'shutdown');
    assert.equal(e.result(x.id)?.exitCode, 143);
    await e.close();
  },
);

test(
  'an agent killed before it saw the wrapper: the next finds the launch, adopts its task or kills it',
  { skip },
  async t => {
    const { make, stateDir } = setup(t);
    // Launches as a previous agent left them: recorded at once, their wrapper never seen.
    const launch = (x: WireTask): { pgid: number; launchStartTime: number } => {
      const dir = new TaskStateDir(stateDir, x.id);
      dir.create();
      const l = launchInit(t, 'trap "exit 143" TERM; while :; do sleep 0.02; done');
      dir.writeProcess({ pid: 0, startTime: 0, ...l, netns: '' });
      return l;
    };
    const kept = task(['sleep', '100']);
    const dropped = task(['sleep', '100']);
    const k = launch(kept);
    const d = launch(dropped);
    await waitFor('the wrappers', () => firstChild(k.pgid) !== undefined && firstChild(d.pgid) !== undefined);

    const e = make();
    const seen = statuses(e);
    const running = { ...kept, status: { ...kept.status, state: 'running' } };
    e.apply([running], VIEW);
    assert.equal(last(seen, kept.id)?.message, 'adopted after an agent restart');
    await waitFor('the launch of the task no longer assigned killed', () =>
      sameLiveProcess(d.pgid, d.launchStartTime) ? undefined : true,
    );
    e.apply([{ ...running, desiredState: 'shutdown' }], VIEW);
    await waitFor('the adopted one stopped', () => last(seen, kept.id)?.state === 'shutdown');
    await waitFor('its launch gone', () => (sameLiveProcess(k.pgid, k.launchStartTime) ? undefined : true));
    await e.close();
  },
);

test(
  'a second executor adopts running tasks after the first is dropped; a reused pid is not adopted; stale folders go',
  { skip },
  async t => {
    const { make, stateDir } = setup(t);
    const first = make();
    const seen1 = statuses(first);
    const a = task(['sleep', '100']);
    // b exits with 4 once told to (a file appears), while no agent watches: not after a time, which a
    // loaded machine could take before its pid was even recorded.
    const go = `${stateDir}.go`;
    t.after(() => rmSync(go, { force: true }));
    const b = task(['/bin/sh', '-c', `while [ ! -e ${go} ]; do sleep 0.02; done; exit 4`]);
    const fake = task(['sleep', '100']);
    const stale = task(['sleep', '100']);
    first.apply([a, b, fake, stale], VIEW);
    await waitFor('running', () => [a, b, fake, stale].every(x => last(seen1, x.id)?.state === 'running'));
    const pidOf = (id: string): number => new TaskStateDir(stateDir, id).readProcess()?.pid ?? 0;
    await waitFor('pids recorded', () => [a, b, fake, stale].every(x => pidOf(x.id) > 0));
    const stalePid = pidOf(stale.id);
    first.abandon(); // as kill -9 would: nothing stopped
    // `fake` looks like a reused pid: its record names another start time.
    const fakeDir = new TaskStateDir(stateDir, fake.id);
    const rec = fakeDir.readProcess();
    assert.ok(rec !== undefined);
    fakeDir.writeProcess({ ...rec, startTime: rec.startTime + 1 });
    const bRec = new TaskStateDir(stateDir, b.id).readProcess();
    assert.ok(bRec !== undefined);
    writeFileSync(go, '');
    await waitFor('b to exit', () => !sameLiveProcess(bRec.pid, bRec.startTime));

    const second = make();
    const seen2 = statuses(second);
    const asRunning = (x: WireTask): WireTask => ({ ...x, status: { ...x.status, state: 'running' } });
    second.apply([asRunning(a), asRunning(b), asRunning(fake)], VIEW);
    assert.equal(last(seen2, a.id)?.state, 'running');
    assert.equal(last(seen2, a.id)?.message, 'adopted after an agent restart');
    assert.equal(last(seen2, b.id)?.state, 'failed');
    assert.equal(last(seen2, b.id)?.err, 'task exited with code 4');
    assert.notEqual(last(seen2, fake.id)?.state, 'running', 'a pid with another start time is not adopted');
    assert.ok(!listTaskDirs(stateDir).includes(stale.id), 'the stale folder is removed');
    await waitFor('stale process killed', () => {
      try {
        return readFileSync(`/proc/${stalePid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') === true;
      } catch {
        return true;
      }
    });
    // The adopted one is watched: exec reaches it, and stopping it works.
    const r = await second.exec(`web.${a.slot}`, ['/bin/sh', '-c', 'hostname; exit 5']);
    assert.equal(r.stdout.toString(), `web.${a.slot}.${a.id}\n`);
    assert.equal(r.exitCode, 5);
    second.apply([{ ...a, desiredState: 'shutdown' }, b, fake], VIEW);
    await waitFor('adopted one stopped', () => last(seen2, a.id)?.state === 'shutdown');
    await second.close();
  },
);

test(
  'exec runs in the task namespaces; resolve takes ids, prefixes, service.slot and standalone names',
  { skip },
  async t => {
    const { make } = setup(t);
    const e = make();
    const seen = statuses(e);
    const a = task(['sleep', '100']);
    const solo = task([], { serviceId: '', slot: 0 });
    e.apply([a, solo], VIEW);
    e.provide(solo.id, { argv: ['sleep', '100'], env: ['GREETING=hi'], name: 'probe' });
    await waitFor(
      'running',
      () => last(seen, a.id)?.state === 'running' && last(seen, solo.id)?.state === 'running',
    );
    assert.equal(e.resolve(a.id), a.id);
    assert.equal(e.resolve(a.id.slice(0, 8)), a.id);
    assert.equal(e.resolve(`web.${a.slot}`), a.id);
    assert.equal(e.resolve('probe'), solo.id);
    assert.throws(() => e.resolve('nosuch'), /No such task: nosuch/);
    const r = await e.exec('probe', [
      '/bin/sh',
      '-c',
      'hostname; echo $GREETING; cat /proc/1/cmdline | tr "\\0" " "',
    ]);
    assert.match(r.stdout.toString(), /^probe\nhi\n\/bin\/sh -c /);
    assert.equal(r.exitCode, 0);
    await e.close();
    assert.equal(last(seen, a.id)?.state, 'shutdown');
  },
);

test(
  'a sandbox that fails to build is reported on the task (PREPARING with the error); the retry starts it',
  { skip: process.getuid?.() !== 0 && 'needs root' },
  async t => {
    const { net, make } = setup(t);
    const e = make();
    const seen = statuses(e);
    const tk = task(['sleep', '1000']);
    net.failing.set(tk.id, 'RTNETLINK answers: File exists');
    e.apply([tk], VIEW);
    const reported = await waitFor('the failure on the task', () =>
      seen.get(tk.id)?.find(s => s.state === 'preparing' && s.err !== ''),
    );
    assert.equal(reported.err, 'RTNETLINK answers: File exists');
    assert.ok(!(seen.get(tk.id) ?? []).some(s => s.state === 'starting' || s.state === 'running'));
    net.heal(tk.id);
    await waitFor('the task to run once its sandbox exists', () =>
      seen.get(tk.id)?.some(s => s.state === 'running'),
    );
  },
);

test(
  "under shoald's private umask (077) a task gets docker's (022), and its files in the state folder stay private",
  { skip },
  async t => {
    const before = process.umask(0o077);
    t.after(() => process.umask(before));
    const { make, stateDir } = setup(t);
    const e = make();
    const seen = statuses(e);
    const a = task(['/bin/sh', '-c', 'umask']);
    e.apply([a], VIEW);
    await waitFor('complete', () => last(seen, a.id)?.state === 'complete');
    assert.equal(e.logs(a.id).stdout.toString(), '0022\n');
    const dir = new TaskStateDir(stateDir, a.id);
    for (const f of [dir.stdoutPath, dir.stderrPath, dir.exitPath]) {
      assert.equal(statSync(f).mode & 0o777, 0o600, f);
    }
    await e.close();
  },
);
