/**
 * Generates the wire types (proto/gen/) from the .proto files beside this module with
 * proto-loader-gen-types (`npm run gen:proto`), under LOADER_OPTIONS, so each `Xxx__Output` type is
 * exactly the object the loader delivers. test/proto/generated-types.test.ts generates into a temporary
 * folder and fails when proto/gen/ differs.
 *
 * Usage: node --import tsx proto/generate-types.ts [outdir]   (default: proto/gen, emptied first)
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { LOADER_OPTIONS } from './load.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

/** LOADER_OPTIONS as the generator's flags; an option it does not map is refused, not dropped. */
export function loaderFlags(): string[] {
  const flags: string[] = [];
  for (const [key, value] of Object.entries(LOADER_OPTIONS)) {
    if (key === 'keepCase' || key === 'defaults' || key === 'oneofs' || key === 'arrays') {
      if (value === true) flags.push(`--${key}`);
    } else if ((key === 'longs' || key === 'enums') && (value === Number || value === String)) {
      flags.push(`--${key}`, value === Number ? 'Number' : 'String');
    } else {
      throw new Error(`generate-types: LOADER_OPTIONS.${key} has no generator flag here; add it`);
    }
  }
  return flags;
}

/** Writes the types of every proto/*.proto into `outdir`, emptied first. */
export function generateWireTypes(outdir: string): void {
  const protos = readdirSync(here)
    .filter(f => f.endsWith('.proto'))
    .sort();
  const generator = createRequire(import.meta.url).resolve(
    '@grpc/proto-loader/build/bin/proto-loader-gen-types.js',
  );
  rmSync(outdir, { recursive: true, force: true });
  // From the repo root with a relative include folder: the files' "Original file: proto/x.proto"
  // comments do not depend on where the checkout is.
  execFileSync(
    process.execPath,
    [
      generator,
      ...loaderFlags(),
      ...['--grpcLib', '@grpc/grpc-js', '--importFileExtension', '.ts', '--includeComments'],
      ...['-I', relative(root, here), '-O', outdir, ...protos],
    ],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  generateWireTypes(resolve(process.argv[2] ?? join(here, 'gen')));
}
