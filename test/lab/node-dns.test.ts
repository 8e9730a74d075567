/**
 * Needs root (CI runs as root). One node's embedded DNS under load, with a real shoald (manager and
 * worker, process executor) in the namespace lab: one resolver per node on the gateway bridge, each
 * task's 127.0.0.11 redirected to it, no process per task.
 *
 * (a) 100 tasks created at once all run and each one's DNS answers; the agent has no child process but
 *     the tasks' own (no DNS helper per task).
 * (b) shoald kill -9'd in the middle of a scale-up to 50, then started again: every task runs, nothing
 *     of the killed agent is left (no process, no socket), and DNS answers in every task.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { WireService, WireTask } from '../../proto/control-types.ts';
import { canRunLab, Lab } from './lab.ts';
import { LabCluster, until, type Rpc } from './lab-cluster.ts';

const skip = !canRunLab() && 'needs root and iproute2 (CI runs as root)';
const lab = new Lab();
const dir = mkdtempSync(join(tmpdir(), 'shoal-lab-dns-'));
const c = new LabCluster(lab, dir, ['--heartbeat-period', '1000', '--poll-ms', '200'], 'process');
let control: Rpc;

after(async () => {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
});

before(
  async () => {
    if (skip !== false) return;
    lab.create(1);
    c.start(1);
    await until('the daemon’s socket', () => Promise.resolve(existsSync(c.sock(1)) || undefined));
    await c.rpc(1, 'Swarm')('Init', { listenAddr: `${Lab.addr(1)}:2377`, advertiseAddr: '' });
    control = c.rpc(1, 'Control');
    await control('CreateNetwork', { spec: { name: 'test', driver: 'overlay' } });
  },
  { timeout: 60_000 },
);

async function tasksOf(serviceId: string): Promise<WireTask[]> {
  const filters = { serviceIds: [serviceId], nodeIds: [], desiredStates: [] };
  return (await control('ListTasks', { filters })).tasks as WireTask[];
}

/** The service's tasks once exactly `n` run (and no other is meant to). */
function running(serviceId: string, n: number, ms: number): Promise<WireTask[]> {
  return until(
    `${n} running tasks`,
    async () => {
      const ts = (await tasksOf(serviceId)).filter(
        t => t.status.state === 'running' && t.desiredState === 'running',
      );
      return ts.length === n ? ts : undefined;
    },
    ms,
  );
}

const ns = (t: WireTask): string => `${lab.node(1)}-t${t.id.slice(0, 12)}`;
const addr = (t: WireTask): string => (t.networks[0]?.addresses[0] ?? '').split('/')[0] ?? '';

/** dig inside a task's namespace, through its 127.0.0.11. */
function dig(t: WireTask, ...args: string[]): Promise<string> {
  return new Promise(resolve => {
    execFile(
      'ip',
      ['netns', 'exec', ns(t), 'dig', '+time=2', '+tries=2', ...args],
      { timeout: 15_000 },
      (_err, stdout) => resolve(stdout),
    );
  });
}

const aRecords = (out: string): string[] =>
  out
    .split('\n')
    .filter(l => /\sIN\s+A\s/.test(l) && !l.startsWith(';'))
    .map(l => l.trim().split(/\s+/).at(-1) ?? '');

/** Every task answers its own per-task name (so the resolver knows it as the asker it is), 8 at a time. */
async function everyTaskAnswers(tasks: WireTask[], service: string): Promise<void> {
  const left = [...tasks];
  const wrong: string[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let t = left.pop(); t !== undefined; t = left.pop()) {
        const got = aRecords(await dig(t, `${service}.${t.slot}.${t.id}`));
        if (got.length !== 1 || got[0] !== addr(t)) wrong.push(`${ns(t)}: ${got.join(',') || 'no answer'}`);
      }
    }),
  );
  assert.deepEqual(wrong, [], 'every task’s DNS answers its own name');
}

/** pid → [ppid, argv] of every process on the machine. */
function processes(): Map<number, { ppid: number; argv: string[] }> {
  const out = new Map<number, { ppid: number; argv: string[] }>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const argv = readFileSync(`/proc/${e}/cmdline`, 'latin1').split('\0').filter(Boolean);
      out.set(Number(e), { ppid, argv });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The DNS sockets in the lab's namespaces: `ss` lines for port 53 (UDP and TCP listeners), per namespace. */
function dnsSockets(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map(l => l.split(' ')[0] ?? '')
    .filter(n => n.startsWith(`${lab.node(1)}`));
  for (const n of names) {
    const ss = execFileSync('ip', ['netns', 'exec', n, 'ss', '-Hlnup', 'sport', '=', ':53'], {
      encoding: 'utf8',
    });
    const tcp = execFileSync('ip', ['netns', 'exec', n, 'ss', '-Hlntp', 'sport', '=', ':53'], {
      encoding: 'utf8',
    });
    const lines = (ss + tcp).split('\n').filter(Boolean);
    if (lines.length > 0) out.set(n, lines);
  }
  return out;
}

/** A child of shoald that is no task: a batch of the data plane, or tsx's esbuild service (from source). */
const TRANSIENT = /^(ip|nft|sysctl|bridge|nsenter) |\/esbuild --service/;
/** The data plane's one command helper (agent/network/command-helper.mjs): per agent, not per task. */
const COMMAND_HELPER = /\/command-helper\.mjs$/;
/** What a task is made of: its launcher, the wrapper shell, and its command. */
const TASK_PROCESS = /(^|\/)(unshare|sh|sleep)$/;

/** `dev:ino` of a process's network namespace ('' when it is gone). */
function netnsOf(pid: number | string): string {
  try {
    const st = statSync(`/proc/${pid}/ns/net`);
    return `${st.dev}:${st.ino}`;
  } catch {
    return '';
  }
}

/** The network namespaces of this lab's node (its own and its tasks'), as `dev:ino`. */
function labNamespaces(): Set<string> {
  const out = new Set<string>();
  for (const n of readdirSync('/run/netns')) {
    if (!n.startsWith(lab.node(1))) continue;
    const st = statSync(`/run/netns/${n}`);
    out.add(`${st.dev}:${st.ino}`);
  }
  return out;
}

/** The running shoald's pid (the lab runs it through nsenter, which execs it). */
function shoaldPid(): number {
  const pid = c.procs.get(1)?.child.pid;
  assert.ok(pid !== undefined);
  return pid;
}

async function createService(name: string, replicas: number): Promise<WireService> {
  const spec = {
    name,
    mode: 'replicated',
    replicas,
    networks: ['test'],
    endpoint: { ports: [] },
    task: { command: ['sleep', '100000'] },
  };
  return (await control('CreateService', { spec })).service as WireService;
}

test(
  'node DNS: 100 tasks created at once all run and each answers DNS; no process per task but the task',
  { skip, timeout: 300_000 },
  async t => {
    const t0 = Date.now();
    const many = await createService('many', 100);
    const tasks = await running(many.id, 100, 240_000);
    t.diagnostic(`100 tasks running ${Date.now() - t0} ms after the create`);

    // Through the agent: tasks.many from inside a task is all 100 (TC over UDP, then TCP: dig retries).
    const sample = [tasks[0], tasks[49], tasks[99]].filter(x => x !== undefined);
    for (const one of sample) {
      const all = aRecords(await dig(one, 'tasks.many'));
      assert.deepEqual(all.sort(), tasks.map(addr).sort(), `tasks.many from ${ns(one)}`);
      assert.equal(aRecords(await dig(one, '+tcp', 'many')).length, 1, 'the VIP, over TCP');
    }
    await everyTaskAnswers(tasks, 'many');
    t.diagnostic(`and each one's DNS answered ${Date.now() - t0} ms after the create`);

    // The process tree: shoald's children are the tasks (each an `unshare` holding its command) and the
    // data plane's one command helper; nothing else under it runs node: no helper per task.
    const procs = processes();
    const pid = shoaldPid();
    const children = [...procs].filter(([, p]) => p.ppid === pid);
    const launchers = children.filter(([, p]) => p.argv.includes('unshare'));
    const helpers = children.filter(([, p]) => COMMAND_HELPER.test(p.argv.join(' ')));
    const others = children
      .filter(([, p]) => !p.argv.includes('unshare') && !COMMAND_HELPER.test(p.argv.join(' ')))
      .map(([, p]) => p.argv.join(' '));
    assert.equal(launchers.length, 100, 'one child per task: the task itself');
    assert.ok(helpers.length <= 1, `one command helper at most: ${helpers.length}`);
    assert.ok(
      others.every(a => TRANSIENT.test(a)),
      `no other long-lived child of shoald (a batch of the data plane may be running, and tsx's esbuild): ${others.join('; ')}`,
    );
    const under = new Set<number>([pid]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [p, { ppid }] of procs) {
        if (!under.has(ppid) || under.has(p)) continue;
        under.add(p);
        grew = true;
      }
    }
    const nodes = [...under].filter(
      p =>
        p !== pid &&
        !COMMAND_HELPER.test(procs.get(p)?.argv.join(' ') ?? '') &&
        procs.get(p)?.argv.some(a => /node$|\.mjs$/.test(a)),
    );
    assert.deepEqual(nodes, [], 'no node process under shoald but its command helper');
    // One resolver: the node's, on the gateway bridge; no socket on 53 in any task's namespace.
    const sockets = dnsSockets();
    assert.deepEqual([...sockets.keys()], [lab.node(1)], JSON.stringify([...sockets]));
    assert.ok(
      sockets.get(lab.node(1))?.every(l => l.includes(`pid=${pid},`)),
      `held by shoald itself: ${sockets.get(lab.node(1))?.join(' | ')}`,
    );

    await control('RemoveService', { serviceId: many.id });
    await until(
      'the tasks of many to go',
      async () => ((await tasksOf(many.id)).length === 0 ? true : undefined),
      120_000,
    );
  },
);

test(
  'node DNS: shoald kill -9’d in the middle of a scale-up to 50 and started again: all run, nothing of it left, DNS answers',
  { skip, timeout: 300_000 },
  async t => {
    const up = await createService('up', 0);
    const s = (await control('GetService', { serviceId: up.id })).service as WireService;
    await control('UpdateService', {
      serviceId: s.id,
      version: s.version,
      spec: { ...s.spec, replicas: 50 },
    });
    // Killed while the scale-up is half done: some tasks run (their launchers are shoald's children),
    // the others are still being prepared.
    const oldPid = shoaldPid();
    const launched = (): number =>
      [...processes().values()].filter(p => p.ppid === oldPid && p.argv.includes('unshare')).length;
    const partly = await until(
      'part of the scale-up started',
      () => {
        const n = launched();
        return Promise.resolve(n >= 5 ? n : undefined);
      },
      120_000,
    );
    const old = c.procs.get(1);
    assert.ok(old !== undefined);
    await lab.kill9(old);
    t.diagnostic(`killed with ${partly} of 50 started`);
    assert.ok(partly < 50, 'killed before the scale-up was done');

    c.start(1);
    const tasks = await running(up.id, 50, 240_000);
    const pid = shoaldPid();
    assert.notEqual(pid, oldPid);

    // Nothing of the killed agent's: in the lab's namespaces, no process but the new agent (and what it
    // runs now) and the tasks (now the new agent's to watch); no socket on port 53 but its resolver's.
    const procs = processes();
    const ours = labNamespaces();
    const leftovers = [...procs]
      .filter(([p, x]) => {
        if (p === pid || !ours.has(netnsOf(p))) return false;
        const argv = x.argv.join(' ');
        if (x.ppid === pid && (TRANSIENT.test(argv) || COMMAND_HELPER.test(argv))) return false;
        // A batch the new agent's command helper runs.
        if (TRANSIENT.test(argv) && COMMAND_HELPER.test(procs.get(x.ppid)?.argv.join(' ') ?? '')) {
          if (procs.get(x.ppid)?.ppid === pid) return false;
        }
        return !TASK_PROCESS.test(x.argv[0] ?? '');
      })
      .map(([p, x]) => `${p}: ${x.argv.join(' ')}`);
    assert.deepEqual(leftovers, [], 'only the new agent and the tasks');
    const sockets = dnsSockets();
    assert.deepEqual([...sockets.keys()], [lab.node(1)], JSON.stringify([...sockets]));
    assert.ok(
      sockets.get(lab.node(1))?.every(l => l.includes(`pid=${pid},`)),
      `held by the new shoald: ${sockets.get(lab.node(1))?.join(' | ')}`,
    );
    assert.equal(aRecords(await dig(tasks[0]!, 'tasks.up')).length, 50, 'tasks.up through the agent');
    await everyTaskAnswers(tasks, 'up');
  },
);
