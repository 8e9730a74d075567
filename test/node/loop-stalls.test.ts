import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { watchLoopStalls } from '../../node/loop-stalls.ts';

/** A logger whose warnings resolve `warned` with the first one's fields. */
function capture(): { log: pino.Logger; warned: Promise<Record<string, unknown>>; lines: string[] } {
  const lines: string[] = [];
  let resolve: (v: Record<string, unknown>) => void = () => undefined;
  const warned = new Promise<Record<string, unknown>>(r => (resolve = r));
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      const line = chunk.toString();
      lines.push(line);
      resolve(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'warn' }, out), warned, lines };
}

function holdLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('a loop held past the threshold is logged with how long', async () => {
  const { log, warned } = capture();
  const stop = watchLoopStalls(log, { everyMs: 50, warnMs: 200 });
  try {
    // After the monitor's first sample: a timer turn, then the loop held.
    await new Promise(r => setTimeout(r, 20));
    holdLoop(400);
    // The monitor's timer does not keep a process alive (unref): this one does, until the warning.
    const alive = setInterval(() => undefined, 1000);
    const w = await warned.finally(() => clearInterval(alive));
    assert.equal(w.msg, 'event loop held up');
    assert.ok(typeof w.maxMs === 'number' && w.maxMs >= 300, `maxMs ${String(w.maxMs)}`);
  } finally {
    stop();
  }
});

test('a loop that is never held says nothing', async () => {
  const { log, lines } = capture();
  const stop = watchLoopStalls(log, { everyMs: 20, warnMs: 5_000 });
  let ticks = 0;
  // About a dozen looks at the delays (one per 20 ms), each with the loop free.
  await new Promise<void>(r => {
    const t = setInterval(() => {
      if (++ticks === 12) {
        clearInterval(t);
        r();
      }
    }, 20);
  });
  stop();
  assert.deepEqual(lines, []);
});
