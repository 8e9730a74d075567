/**
 * The agent's log publisher over real files: --tail across chunk boundaries, an unfinished last line,
 * follow picking up appended lines (and a line finished later), tasks that start after the subscription,
 * close, and flow control (a stream that asks it to wait; a log larger than one read; a line that never
 * ends).
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LogTask } from '../../agent/exec/executor.ts';
import { LogPublisher, type PublishStream } from '../../agent/session/log-publisher.ts';
import type { WireSubscriptionMessage } from '../../proto/logs-types.ts';

function setup(t: { after(fn: () => void): void }): { task(id: string, svc?: string): LogTask } {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-logpub-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return {
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

/**
 * A PublishLogs stream that records what was written, as `task:stream:line`, and whether it ended. With
 * `pushBack`, every write but the first of a turn says "wait", and a write made while waiting fails.
 */
function recorder(pushBack = false): {
  lines: string[];
  sizes: number[];
  closed: () => boolean;
  ended: () => boolean;
  open: () => PublishStream;
} {
  const lines: string[] = [];
  const sizes: number[] = [];
  let closed = false;
  let ended = false;
  let waiting = false;
  return {
    lines,
    sizes,
    closed: () => closed,
    ended: () => ended,
    open: () => ({
      write: m => {
        assert.ok(!waiting, 'a write while the stream asked to wait');
        sizes.push(m.messages.length);
        for (const l of m.messages) lines.push(`${l.context?.taskId ?? ''}:${l.stream}:${l.data.toString()}`);
        if (m.close) closed = true;
        waiting = pushBack;
        return !pushBack;
      },
      drained: () =>
        new Promise(resolve =>
          setImmediate(() => {
            waiting = false;
            resolve();
          }),
        ),
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

test('without follow: every line, or the last n across 64 KiB chunks; an unfinished last line; then close', async t => {
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
  await until('the end', all.ended);
  assert.equal(all.lines.length, 20_000 + 1 + 2);
  assert.equal(all.lines[0], 'a:stdout:line 0');
  assert.equal(all.lines[20_000], 'a:stdout:no newline yet');
  assert.ok(all.closed());
  assert.ok(Math.max(...all.sizes) <= 1024, 'at most 1024 lines a message');

  const two = recorder();
  p.handle(sub({ tail: 2 }, 's2'), two.open);
  await until('the end', two.ended);
  // The unfinished line counts as one of the last 2.
  assert.deepEqual(two.lines, [
    'a:stdout:line 19999',
    'a:stdout:no newline yet',
    'a:stderr:e1',
    'a:stderr:e2',
  ]);

  const none = recorder();
  p.handle(sub({ tail: 0 }, 's3'), none.open);
  await until('the end', none.ended);
  assert.deepEqual(none.lines, []);
  assert.ok(none.closed(), 'an empty answer still closes');
});

test('flow control: it waits whenever the stream asks; a log of many chunks and a line that never ends', async t => {
  const { task } = setup(t);
  const a = task('a');
  const line = 'x'.repeat(99);
  writeFileSync(a.stdout, `${Array.from({ length: 30_000 }, () => line).join('\n')}\n`);
  writeFileSync(a.stderr, 'y'.repeat(200_000));
  const r = recorder(true);
  new LogPublisher({ logTasks: () => [a] }).handle(sub(), r.open);
  await until('the end', r.ended);
  assert.equal(r.lines.filter(l => l === `a:stdout:${line}`).length, 30_000);
  const err = r.lines.filter(l => l.startsWith('a:stderr:')).map(l => l.length - 'a:stderr:'.length);
  assert.deepEqual(err, [65_536, 65_536, 65_536, 200_000 - 3 * 65_536], 'cut into 64 KiB pieces');
  assert.ok(r.closed());
});

test('follow: appended lines, a line finished later, a task that starts later; close stops it', async t => {
  const { task } = setup(t);
  const a = task('a');
  writeFileSync(a.stdout, 'old\nhalf');
  const tasks = [a];
  // The files are looked at again when the test says so: each `tick` runs the polls scheduled.
  let scheduled: (() => void)[] = [];
  const tick = (): boolean => {
    const due = scheduled;
    scheduled = [];
    for (const poll of due) poll();
    return true;
  };
  const timer = {
    after: (poll: () => void) => {
      scheduled.push(poll);
      return () => (scheduled = scheduled.filter(x => x !== poll));
    },
  };
  const p = new LogPublisher({ logTasks: () => tasks }, timer);
  const r = recorder();
  p.handle(sub({ follow: true, tail: 1 }), r.open);
  await until('the last line', () => r.lines.length === 1);
  assert.deepEqual(r.lines, ['a:stdout:old'], 'the unfinished line waits for its end');
  appendFileSync(a.stdout, ' done\nnew\n');
  await until('the appended lines', () => tick() && r.lines.length === 3);
  assert.deepEqual(r.lines.slice(1), ['a:stdout:half done', 'a:stdout:new']);
  const b = task('b');
  writeFileSync(b.stderr, 'b says\n');
  tasks.push(b);
  await until('the new task', () => tick() && r.lines.includes('b:stderr:b says'));
  await until('the poll after it scheduled', () => scheduled.length === 1);
  p.handle({ id: 's1', selector: null, options: null, close: true }, r.open);
  assert.ok(r.ended());
  assert.equal(scheduled.length, 0, 'closed: nothing left to look at the files again');
  appendFileSync(a.stdout, 'after close\n');
  tick();
  assert.ok(!r.lines.includes('a:stdout:after close'));
  assert.ok(!r.closed(), 'a follow subscription never says it is done');
});
