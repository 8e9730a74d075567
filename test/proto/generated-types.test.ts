/** proto/gen/ is what `npm run gen:proto` makes of the .proto files as they are now. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateWireTypes } from '../../proto/generate-types.ts';

const committed = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto', 'gen');

/** Every file under `dir` (relative path → content). */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const p = join(entry.parentPath, entry.name);
    out.set(relative(dir, p), readFileSync(p, 'utf8'));
  }
  return out;
}

test('proto/gen/ matches the .proto files byte for byte', t => {
  const fresh = mkdtempSync(join(tmpdir(), 'shoal-gen-'));
  t.after(() => rmSync(fresh, { recursive: true, force: true }));
  generateWireTypes(fresh);
  const want = tree(fresh);
  const have = tree(committed);
  const stale = [...new Set([...want.keys(), ...have.keys()])]
    .filter(f => want.get(f) !== have.get(f))
    .sort();
  assert.ok(want.size > 0, 'the generator wrote nothing');
  assert.deepEqual(
    stale,
    [],
    `proto/gen/ is stale (run npm run gen:proto): ${stale.slice(0, 10).join(', ')}`,
  );
});
