/**
 * `npm start` as root never changes the host's network: its node's data plane lives in a namespace of
 * its own, the CLI still reaches it over the unix socket, a task runs and resolves names, and on stop
 * everything it made is gone. The root namespace's links, addresses, routes and nft ruleset are compared
 * before and after. (Root; a unique namespace name via SHOAL_NETNS.)
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { checkout, type Started } from './checkout.ts';
import { canRunLab } from './lab.ts';
import { until } from './lab-cluster.ts';

const REPO = resolve(import.meta.dirname, '../..');

function hostNetwork(): string {
  const out = (argv: string[]): string => execFileSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8' });
  return [
    out(['ip', '-br', 'link']),
    out(['ip', '-br', 'addr']),
    out(['ip', 'route']),
    out(['nft', 'list', 'ruleset']),
  ].join('\n');
}

/** What a TCP connection to the host's 127.0.0.1:port answers until it closes ('' when refused). */
function hostAsk(port: number): Promise<string> {
  return new Promise(resolve => {
    let got = '';
    const c = connect({ host: '127.0.0.1', port });
    c.setTimeout(3000, () => c.destroy());
    c.on('data', (b: Buffer) => (got += b.toString()));
    c.on('error', () => undefined);
    c.on('close', () => resolve(got.trim()));
  });
}

/** A UDP echo for a task: answers each datagram with `echo ` and the datagram. */
const UDP_ECHO =
  "const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => s.send('echo ' + m, r.port, r.address)); s.bind(9090);";

/** What the host's 127.0.0.1:port answers to one UDP datagram within a second ('' if nothing). */
function hostAskUdp(port: number, text: string): Promise<string> {
  return new Promise(resolve => {
    const s = createSocket('udp4');
    const done = (got: string): void => {
      clearTimeout(timer);
      s.close();
      resolve(got);
    };
    const timer = setTimeout(() => done(''), 1000);
    s.on('error', () => done(''));
    s.on('message', m => done(m.toString()));
    s.send(text, port, '127.0.0.1');
  });
}

test(
  'npm start keeps its data plane in a namespace of its own and leaves the host network as it was',
  { skip: !canRunLab() && 'needs root' },
  async t => {
    const dir = mkdtempSync(join(tmpdir(), 'shoal-start-'));
    const netns = `sl${randomBytes(3).toString('hex')}-start`;
    const before = hostNetwork();
    const env = {
      ...process.env,
      SHOAL_DATA_DIR: dir,
      SHOAL_NETNS: netns,
      SHOAL_LISTEN_ADDR: `127.0.0.1:${20000 + Math.floor(Math.random() * 20000)}`,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts'], {
      cwd: REPO,
      env,
      stdio: 'pipe',
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>(r => child.once('exit', code => r(code)));
    t.after(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      for (const ns of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n')) {
        const name = ns.split(' ')[0] ?? '';
        if (name.startsWith(netns)) spawnSync('ip', ['netns', 'del', name]);
      }
      rmSync(dir, { recursive: true, force: true });
    });
    const shoal = (...args: string[]): { stdout: string; stderr: string; status: number | null } =>
      spawnSync(process.execPath, ['--import', 'tsx', 'bin/shoal.ts', ...args], {
        cwd: REPO,
        env: { ...process.env, SHOAL_SOCKET: join(dir, 'shoald.sock') },
        encoding: 'utf8',
        timeout: 60_000,
      });
    await until(
      'npm start to be ready',
      () => Promise.resolve(out.includes('Stop with Ctrl-C') || undefined),
      30_000,
    );
    assert.equal(shoal('network', 'create', '-d', 'overlay', 'test').status, 0);
    const created = shoal(
      'service',
      'create',
      '--name',
      'web',
      '--replicas',
      '1',
      '--network',
      'test',
      '--',
      'sleep',
      '100000',
    );
    assert.equal(created.status, 0, created.stderr);
    const looked = shoal('exec', 'web.1', '--', 'dig', '+short', 'web');
    assert.equal(looked.status, 0, looked.stderr);
    assert.equal(looked.stdout.trim(), '10.0.1.2');

    // A port published through the routing mesh answers on the host's 127.0.0.1 (a userland proxy:
    // the host's network configuration stays as it was), and stops answering once unpublished.
    const port = 20000 + Math.floor(Math.random() * 20000);
    const pub = shoal(
      'service',
      'create',
      '--name',
      'pub',
      '-p',
      `${port}:8080`,
      '--',
      'busybox',
      'nc',
      '-ll',
      '-p',
      '8080',
      '-e',
      'echo',
      'hello from pub',
    );
    assert.equal(pub.status, 0, pub.stderr);
    await until(`127.0.0.1:${port} on the host to answer`, async () =>
      (await hostAsk(port)) === 'hello from pub' ? true : undefined,
    );
    assert.match(out, new RegExp(`published port ${port} \\(pub\\) → 127\\.0\\.0\\.1:${port} on this host`));
    assert.equal(hostNetwork(), before, 'the root namespace is unchanged while it runs');
    assert.equal(shoal('service', 'rm', 'pub').status, 0);
    await until(`127.0.0.1:${port} to stop answering`, async () =>
      (await hostAsk(port)) === '' ? true : undefined,
    );

    // UDP too: each datagram from the host's 127.0.0.1 reaches the service, and its reply comes back.
    const udpPort = port + 1;
    const echo = shoal(
      'service',
      'create',
      '--name',
      'echo',
      '-p',
      `${udpPort}:9090/udp`,
      '--',
      process.execPath,
      '-e',
      UDP_ECHO,
    );
    assert.equal(echo.status, 0, echo.stderr);
    await until(`127.0.0.1:${udpPort}/udp on the host to answer`, async () =>
      (await hostAskUdp(udpPort, 'ping')) === 'echo ping' ? true : undefined,
    );
    assert.match(
      out,
      new RegExp(`published port ${udpPort}/udp \\(echo\\) → 127\\.0\\.0\\.1:${udpPort}/udp`),
    );
    assert.equal(await hostAskUdp(udpPort, 'again'), 'echo again', 'a second peer, and the first one kept');
    assert.equal(hostNetwork(), before, 'the root namespace is unchanged while it runs');
    assert.equal(shoal('service', 'rm', 'echo').status, 0);
    await until(`127.0.0.1:${udpPort}/udp to stop answering`, async () =>
      (await hostAskUdp(udpPort, 'gone?')) === '' ? true : undefined,
    );

    child.kill('SIGINT');
    assert.equal(await exited, 0, out);
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.ok(!left.includes(netns), `nothing of ${netns} is left: ${left}`);
    assert.ok(!existsSync(`/etc/netns/${netns}-t`), 'no resolv.conf folders left');
    assert.equal(hostNetwork(), before, 'the root namespace is as it was');
  },
);

/** The commands `npm start` prints under "Try, in another shell". */
function printedCommands(output: string): string[] {
  const after = output.slice(output.indexOf('Try, in another shell'));
  const block = after.split('\n\n')[1] ?? '';
  return block.split('\n').map(l => l.trim());
}

test(
  'npm start prints commands that work as written; restarted after a kill -9, its Ctrl-C removes what it adopted',
  { skip: !canRunLab() && 'needs root' },
  async t => {
    const co = checkout();
    t.after(() => co.remove());
    const ready = (s: Started, what: string): Promise<true> =>
      until(what, () => Promise.resolve(s.output().includes('Stop with Ctrl-C') || undefined), 60_000);

    const first = co.start([process.execPath, '--import', 'tsx', 'bin/start.ts']);
    await ready(first, 'npm start to be ready');
    const commands = printedCommands(first.output());
    assert.ok(
      commands.some(c => c.startsWith('npx shoal exec')),
      first.output(),
    );
    const ran = co.sh(commands.join('\n'));
    assert.equal(ran.status, 0, ran.out);
    assert.match(ran.out, /^10\.0\.1\.\d+$/m, 'tasks.web answers inside the task');

    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(co.namespaces().includes(co.netns), 'a killed npm start leaves its namespace to the next one');

    const second = co.start([process.execPath, '--import', 'tsx', 'bin/start.ts']);
    await ready(second, 'npm start to resume');
    assert.match(second.output(), /Swarm resumed/);
    second.interrupt();
    assert.equal(await second.exited, 0, second.output());
    assert.deepEqual(co.namespaces(), [], 'nothing of the adopted namespaces is left');
    assert.deepEqual(co.processes(), [], 'no task of the killed run is left running');
  },
);
