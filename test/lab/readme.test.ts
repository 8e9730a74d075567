/**
 * The README's first five minutes, as a person goes through them: `npm start` in a checkout, then in
 * another shell the README's examples copied as they are (the sh blocks marked `<!-- readme-test`), in
 * order, with `npx shoal` from that checkout; Ctrl-C leaves nothing. (Root; the checkout is a folder of
 * its own, its namespaces named per run.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { checkout } from './checkout.ts';
import { canRunLab } from './lab.ts';
import { until } from './lab-cluster.ts';

const README = resolve(import.meta.dirname, '../../README.md');

/** The body of every ```sh block right after a `<!-- readme-test` comment, in order. */
function markedBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const re = /<!-- readme-test[^>]*-->\s*```sh\n([\s\S]*?)```/g;
  for (let m = re.exec(markdown); m !== null; m = re.exec(markdown)) blocks.push(m[1] ?? '');
  return blocks;
}

test('the marked README blocks are found', () => {
  const blocks = markedBlocks(readFileSync(README, 'utf8'));
  assert.ok(blocks.length >= 3, `found ${blocks.length}`);
  assert.match(blocks[0] ?? '', /npx shoal node ls/);
});

test(
  "npm start, then the README's commands as written work against it, and Ctrl-C leaves nothing",
  { skip: !canRunLab() && 'needs root' },
  async t => {
    const co = checkout();
    t.after(() => co.remove());
    const started = co.start(['npm', 'start']);
    await until(
      'npm start to be ready',
      () => Promise.resolve(started.output().includes('Stop with Ctrl-C') || undefined),
      60_000,
    );

    const ran = co.sh(markedBlocks(readFileSync(README, 'utf8')).join('\n'));
    assert.equal(ran.status, 0, ran.out);
    assert.match(ran.out, /^\S+ \*\s+\S+\s+Ready\s+Active\s+Leader$/m, 'node ls shows this node');
    assert.match(ran.out, /^10\.0\.1\.\d+$/m, 'tasks.web answers inside a task');
    assert.match(ran.out, /^att1$/m, 'the standalone task ran, named att1');

    started.interrupt();
    await started.exited;
    await until(
      'npm start to stop',
      () => Promise.resolve(co.namespaces().length === 0 || undefined),
      60_000,
    );
    assert.deepEqual(co.processes(), [], 'no task is left running');
  },
);
