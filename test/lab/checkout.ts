/**
 * A checkout as `npm ci` leaves it, in a folder of its own: package.json, node_modules and bin/ (links
 * to this one's) and a dist/ compiled now (never this checkout's own, which may be stale). `npm start`
 * and `npx shoal` run in it as a person runs them, and its `.shoal` is the cluster's data folder.
 * `remove()` ends what is left of the processes started in it (by process group, by the network
 * namespaces named after `netns`, and by the checkout's path on their command line: tasks), deletes those
 * namespaces and the folder, also after a failure.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

export interface Checkout {
  dir: string;
  /** npm start's namespace (SHOAL_NETNS), and the prefix of every namespace its node makes. */
  netns: string;
  /** For `npm start` and the shell: npm's and Shoal's settings of this run, none of the suite's. */
  env: NodeJS.ProcessEnv;
  /** `argv` in the checkout, in a process group of its own (so that `interrupt` is a Ctrl-C). */
  start(argv: string[]): Started;
  /** Runs a shell script there as bash does it with `-e -o pipefail`. */
  sh(script: string): { status: number | null; out: string };
  /** The namespaces of this run that exist now. */
  namespaces(): string[];
  /** PIDs of the processes whose command line names this checkout (its tasks: their state is in it). */
  processes(): number[];
  remove(): void;
}

export interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Ctrl-C: SIGINT to the whole foreground group, as a terminal sends it. */
  interrupt(): void;
}

export function checkout(): Checkout {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-checkout-'));
  const netns = `sl${randomBytes(3).toString('hex')}-co`;
  copyFileSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(REPO, 'bin'), join(dir, 'bin'));
  execFileSync(process.execPath, [join(REPO, 'bin/build.mjs'), join(dir, 'dist')], { stdio: 'pipe' });

  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // npm's settings of the suite's own run (npm_config_*, npm_package_*) would point npx at this repo.
    if (k.startsWith('npm_') || k.startsWith('SHOAL_') || k === 'NODE_OPTIONS' || k === 'NODE_TEST_CONTEXT')
      continue;
    env[k] = v;
  }
  Object.assign(env, {
    SHOAL_NETNS: netns,
    SHOAL_LISTEN_ADDR: `127.0.0.1:${20000 + Math.floor(Math.random() * 20000)}`,
    // npx keeps the link to the package it runs in its cache: one of this run's, not the user's.
    npm_config_cache: join(dir, '.npm'),
    npm_config_update_notifier: 'false',
  });

  const groups: number[] = [];
  const namespaces = (): string[] =>
    execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map(l => l.split(' ')[0] ?? '')
      .filter(n => n === netns || n.startsWith(`${netns}-`));

  const processes = (): number[] =>
    readdirSync('/proc')
      .filter(p => /^\d+$/.test(p) && Number(p) !== process.pid)
      .filter(p => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir);
        } catch {
          return false; // gone meanwhile
        }
      })
      .map(Number);

  return {
    dir,
    netns,
    env,
    start: argv => {
      const child = spawn(argv[0] ?? '', argv.slice(1), { cwd: dir, env, detached: true, stdio: 'pipe' });
      if (child.pid !== undefined) groups.push(child.pid);
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<number | null>(r => child.once('exit', code => r(code)));
      return {
        child,
        output: () => out,
        exited,
        interrupt: () => {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
        },
      };
    },
    sh: script => {
      const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-x', '-c', script], {
        cwd: dir,
        env,
        encoding: 'utf8',
        timeout: 300_000,
      });
      return { status: r.status, out: `${r.stdout}${r.stderr}` };
    },
    namespaces,
    processes,
    remove: () => {
      for (const pgid of groups) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      // Tasks outlive a killed npm start (a restarted one adopts them): whatever runs in this run's
      // namespaces was started by it.
      for (const ns of namespaces()) {
        const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n');
        for (const pid of pids.filter(p => p !== '')) spawnSync('kill', ['-KILL', pid]);
        spawnSync('ip', ['netns', 'del', ns]);
      }
      for (const pid of processes()) spawnSync('kill', ['-KILL', String(pid)]);
      const etc = existsSync('/etc/netns') ? readdirSync('/etc/netns') : [];
      for (const name of etc.filter(n => n.startsWith(netns))) {
        rmSync(join('/etc/netns', name), { recursive: true, force: true });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
