/**
 * The agent's log publisher over real files: --tail across chunk boundaries, an unfinished last line,
 * follow picking up appended lines (and a line finished later), tasks that start after the subscription,
 * and close.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LogTask } from '../../agent/exec/executor.ts';
import { LogPublisher } from '../../agent/session/log-publisher.ts';
import type { WirePublishLogsMessage, WireSubscriptionMessage } from '../../proto/logs-types.ts';

function setup(t: { after(fn: () => void): void }): { dir: string; task(id: string, svc?: string): LogTask } {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-logpub-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    task: (id, svc = 'svc') => ({
      id,
      serviceId: svc,
      stdout: join(dir, `${id}.out`),
      stderr: join(dir, `${id}.err`),
    }),
  };
}

function sub(
  o: Partial<WireSubscriptionMessage['options'] & object> = {},
  id = 's1',
): WireSubscriptionMessage {
  return {
    id,
    selector: { serviceIds: ['svc'], taskIds: [] },
    options: { follow: false, tail: -1, ...o },
    close: false,
  };
}

/** A PublishLogs stream that records what was written, as `task:stream:line`, and whether it ended. */
function recorder(): {
  lines: string[];
  closed: () => boolean;
  ended: () => boolean;
  open: () => { write(m: WirePublishLogsMessage): void; end(): void };
} {
  const lines: string[] = [];
  let closed = false;
  let ended = false;
  return {
    lines,
    closed: () => closed,
    ended: () => ended,
    open: () => ({
      write: m => {
        for (const l of m.messages) lines.push(`${l.context?.taskId ?? ''}:${l.stream}:${l.data.toString()}`);
        if (m.close) closed = true;
      },
      end: () => (ended = true),
    }),
  };
}

async function until(what: string, f: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!f()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

test('without follow: every line, or the last n across 64 KiB chunks; an unfinished last line; then close', t => {
  const { task } = setup(t);
  const a = task('a');
  const many = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
  writeFileSync(a.stdout, `${many.join('\n')}\nno newline yet`);
  writeFileSync(a.stderr, 'e1\ne2\n');
  const other = task('b', 'other');
  writeFileSync(other.stdout, 'not selected\n');
  const p = new LogPublisher({ logTasks: () => [a, other] });

  const all = recorder();
  p.handle(sub(), all.open);
  assert.equal(all.lines.length, 20_000 + 1 + 2);
  assert.equal(all.lines[0], 'a:stdout:line 0');
  assert.equal(all.lines[20_000], 'a:stdout:no newline yet');
  assert.ok(all.closed() && all.ended());

  const two = recorder();
  p.handle(sub({ tail: 2 }, 's2'), two.open);
  // The unfinished line counts as one of the last 2.
  assert.deepEqual(two.lines, [
    'a:stdout:line 19999',
    'a:stdout:no newline yet',
    'a:stderr:e1',
    'a:stderr:e2',
  ]);

  const none = recorder();
  p.handle(sub({ tail: 0 }, 's3'), none.open);
  assert.deepEqual(none.lines, []);
  assert.ok(none.closed(), 'an empty answer still closes');
});

test('follow: appended lines, a line finished later, a task that starts later; close stops it', async t => {
  const { task } = setup(t);
  const a = task('a');
  writeFileSync(a.stdout, 'old\nhalf');
  const tasks = [a];
  const p = new LogPublisher({ logTasks: () => tasks }, 10);
  const r = recorder();
  p.handle(sub({ follow: true, tail: 1 }), r.open);
  assert.deepEqual(r.lines, ['a:stdout:old'], 'the unfinished line waits for its end');
  appendFileSync(a.stdout, ' done\nnew\n');
  await until('the appended lines', () => r.lines.length === 3);
  assert.deepEqual(r.lines.slice(1), ['a:stdout:half done', 'a:stdout:new']);
  const b = task('b');
  writeFileSync(b.stderr, 'b says\n');
  tasks.push(b);
  await until('the new task', () => r.lines.includes('b:stderr:b says'));
  p.handle({ id: 's1', selector: null, options: null, close: true }, r.open);
  assert.ok(r.ended());
  appendFileSync(a.stdout, 'after close\n');
  await new Promise(res => setTimeout(res, 50));
  assert.ok(!r.lines.includes('a:stdout:after close'));
  assert.ok(!r.closed(), 'a follow subscription never says it is done');
});
