/**
 * A name for what the caller did not name (`service create` and `run` without `--name`), made as docker
 * makes one (pkg/namesgenerator): `adjective_surname`, a digit added on each retry after a collision,
 * and, as docker's daemon does for a container, the object's own ID once a few tries all collided.
 */
import { randomInt } from 'node:crypto';
import { ADJECTIVES, SURNAMES } from './name-words.ts';

/** How many generated names are tried before the fallback (docker's daemon tries six). */
const TRIES = 6;

function pick(words: readonly string[], random: (n: number) => number): string {
  return words[random(words.length)] ?? '';
}

/**
 * A generated name for which `taken` is false, or `fallback` (a fresh object ID, unique by itself).
 * `random(n)` draws a whole number below n.
 */
export function generatedName(
  taken: (name: string) => boolean,
  fallback: string,
  random: (n: number) => number = randomInt,
): string {
  for (let retry = 0; retry < TRIES; retry++) {
    const name = `${pick(ADJECTIVES, random)}_${pick(SURNAMES, random)}${retry > 0 ? random(10) : ''}`;
    if (!taken(name)) return name;
  }
  return fallback;
}
