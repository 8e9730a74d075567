/**
 * As root: DNS helpers an earlier agent left behind (the per-task bind-helper.mjs of older agents, which
 * an agent killed mid scale-up left holding 127.0.0.11:53) are killed when they run in one of our
 * namespaces, and only then: the same script in a namespace that is not ours is left alone.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { killLeftoverHelpers } from '../../../agent/dns/leftover-helpers.ts';

const isRoot = process.getuid?.() === 0;

/** What an old helper did once orphaned: hold 127.0.0.11:53 in its namespace, for ever. */
const HOLDER = `
const d = require('node:dgram').createSocket('udp4');
d.bind({ address: '127.0.0.11', port: 53, exclusive: true }, () => console.log('bound'));
setInterval(() => {}, 1 << 30);
`;

function boundIn(ns: string): boolean {
  return execFileSync('ip', ['netns', 'exec', ns, 'ss', '-Hulnp', 'sport', '=', ':53'], {
    encoding: 'utf8',
  }).includes('127.0.0.11:53');
}

async function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

test(
  'leftover DNS helpers in our namespaces are killed; the same script elsewhere is not',
  {
    skip: !isRoot && 'needs root',
  },
  async t => {
    const prefix = `sl${randomBytes(3).toString('hex')}`;
    const ours = `${prefix}-ttask00000001`;
    const theirs = `${prefix}x-other`;
    const dir = mkdtempSync(join(tmpdir(), 'shoal-leftover-'));
    const children: ChildProcess[] = [];
    t.after(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      for (const ns of [ours, theirs]) {
        try {
          execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
        } catch {
          // not made, or gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    });
    mkdirSync(join(dir, 'agent', 'dns'), { recursive: true });
    const script = join(dir, 'agent', 'dns', 'bind-helper.mjs');
    writeFileSync(script, HOLDER.replace(/require\('node:dgram'\)/, "(await import('node:dgram')).default"));
    const started: Promise<void>[] = [];
    for (const ns of [ours, theirs]) {
      execFileSync('ip', ['netns', 'add', ns]);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      started.push(new Promise(r => child.stdout?.once('data', () => r())));
    }
    await Promise.all(started);
    assert.ok(boundIn(ours) && boundIn(theirs), 'both hold 127.0.0.11:53');

    const killed = killLeftoverHelpers([ours]);
    assert.equal(killed.length, 1, 'one helper killed');
    await until(() => !boundIn(ours), '127.0.0.11:53 freed in our namespace');
    assert.ok(boundIn(theirs), 'the helper in a namespace that is not ours still runs');
    assert.deepEqual(killLeftoverHelpers(['no-such-namespace']), [], 'an unknown namespace: nothing');
  },
);
