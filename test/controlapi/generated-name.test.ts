/** Generated names: docker's adjective_surname, a digit after a collision, the object's ID at the end. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { objectNameProblem, containerNameProblem } from '../../server/allocator/index.ts';
import { generatedName } from '../../server/controlapi/generated-name.ts';
import { ADJECTIVES, SURNAMES } from '../../server/controlapi/name-words.ts';

/** A `random` that draws `values` in turn (then 0). */
function draws(...values: number[]): (n: number) => number {
  return n => {
    const v = values.shift() ?? 0;
    assert.ok(v < n);
    return v;
  };
}

test('every word pair is a valid service name and container name', () => {
  for (const a of ADJECTIVES)
    for (const s of SURNAMES) {
      const name = `${a}_${s}9`;
      assert.equal(objectNameProblem(name), undefined, name);
      assert.equal(containerNameProblem(name), undefined, name);
    }
  assert.equal(new Set(ADJECTIVES).size, ADJECTIVES.length);
  assert.equal(new Set(SURNAMES).size, SURNAMES.length);
});

test('a taken name is drawn again with a digit; when every try collides, the fallback', () => {
  const first = `${ADJECTIVES[0]}_${SURNAMES[0]}`;
  assert.equal(
    generatedName(() => false, 'id1', draws(0, 0)),
    first,
  );
  assert.equal(
    generatedName(n => n === first, 'id1', draws(0, 0, 1, 2, 7)),
    `${ADJECTIVES[1]}_${SURNAMES[2]}7`,
  );
  assert.equal(
    generatedName(() => true, 'id1'),
    'id1',
  );
  // With the real random, over many draws: always one of the shapes.
  for (let i = 0; i < 1000; i++)
    assert.match(
      generatedName(() => false, 'x'),
      /^[a-z]+_[a-z]+$/,
    );
});
