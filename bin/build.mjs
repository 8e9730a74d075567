#!/usr/bin/env node
// Compiles the two programs to dist/ (`npm ci` runs it as `prepare`): package.json's `bin` points there,
// so `npx shoal …` starts plain JavaScript instead of compiling TypeScript on every call.
//
// - dist/shoal.js bundles the CLI with its dependencies: a person waits for every call, and one file
//   loads faster than a few hundred.
// - dist/shoald.js bundles Shoal's own code only; its dependencies load from node_modules as they are
//   (LevelDB's native binding and pino's worker files are found beside their own modules).
//
// Files read beside a module at run time (proto/*.proto, agent/dns/bind-in-netns.mjs,
// agent/network/command-helper.mjs, the DNS addon, grpc-js' own .proto) stay where they are: each
// bundled module's `import.meta.url` and `__dirname` are rewritten to its source file's place relative
// to dist/, so the output works from this checkout only, as intended.
// `npm start` and the tests keep running the TypeScript through tsx, never a possibly stale dist/ (a test of
// the compiled programs builds its own: `node bin/build.mjs <outdir>`).
//
// It also compiles the resolver's native UDP batch addon (agent/dns/native/udp-batch.c) into
// agent/dns/native/build/, where its loader finds it from the sources and from dist/ alike: with the
// system's C compiler and node's own headers, no node-gyp. Without either, one warning, and the resolver
// answers through node's dgram instead.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(process.argv[2] ?? join(root, 'dist'));
const toPosix = p => p.split(sep).join('/');

const BANNER = [
  '#!/usr/bin/env node',
  // Bundled CommonJS modules call require() (node's own modules, optional ones found at run time).
  "import { createRequire as __shoalRequire } from 'node:module';",
  "import { fileURLToPath as __shoalPath } from 'node:url';",
  'const require = __shoalRequire(import.meta.url);',
  "const __shoalDist = __shoalPath(new URL('.', import.meta.url));",
].join('\n');

/** `import.meta.url` (ES modules) and `__dirname`/`__filename` (CommonJS) as seen from the source file. */
const sourcePlaces = {
  name: 'source-places',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mjs|cjs|js)$/ }, args => {
      const text = readFileSync(args.path, 'utf8');
      const rel = toPosix(relative(outdir, args.path));
      const relDir = toPosix(relative(outdir, dirname(args.path))) || '.';
      const url = `new URL(${JSON.stringify(rel)}, import.meta.url)`;
      const contents = text
        .replace(/\bimport\.meta\.url\b/g, `${url}.href`)
        .replace(/\bimport\.meta\.filename\b/g, `__shoalPath(${url})`)
        .replace(
          /\bimport\.meta\.dirname\b/g,
          `__shoalPath(new URL(${JSON.stringify(relDir + '/')}, import.meta.url))`,
        )
        // A reference, not a declaration or a property: `var __dirname =` and `x.__dirname` stay.
        .replace(
          /(?<![\w$.])(?<!\b(?:var|let|const)\s+)__dirname(?![\w$])(?!\s*=[^=>])/g,
          `(__shoalDist + ${JSON.stringify(relDir)})`,
        )
        .replace(
          /(?<![\w$.])(?<!\b(?:var|let|const)\s+)__filename(?![\w$])(?!\s*=[^=>])/g,
          `(__shoalDist + ${JSON.stringify(rel)})`,
        );
      const loader = args.path.endsWith('.ts') ? 'ts' : 'js';
      return { contents, loader, resolveDir: dirname(args.path) };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: BANNER },
  plugins: [sourcePlaces],
  logLevel: 'warning',
  legalComments: 'none',
};

/** Compiles udp-batch.c (always: it takes a second, and a stale addon is worse); warns and goes on when it cannot. */
function buildNative() {
  const dir = join(root, 'agent/dns/native');
  const src = join(dir, 'udp-batch.c');
  const out = join(dir, 'build', 'udp-batch.node');
  const include = join(dirname(process.execPath), '..', 'include', 'node');
  const cc = process.env.CC || 'cc';
  if (!existsSync(join(include, 'node_api.h')) || !existsSync(join(include, 'uv.h'))) {
    process.stderr.write(
      `build: warning: no node headers at ${include}: the DNS answers UDP through dgram (slower); ` +
        `install them (Debian: libnode-dev) and run npm run build again\n`,
    );
    return;
  }
  mkdirSync(dirname(out), { recursive: true });
  // Written aside and renamed: a build running at the same time never loads half a file.
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', `-I${include}`, '-o', tmp, src], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    renameSync(tmp, out);
  } catch (err) {
    rmSync(tmp, { force: true });
    const why = err.code === 'ENOENT' ? `no C compiler (${cc})` : String(err.stderr || err.message).trim();
    process.stderr.write(
      `build: warning: the DNS's native UDP addon was not compiled, it answers through dgram (slower): ` +
        `${why}. Install gcc and libc6-dev and run npm run build again\n`,
    );
  }
}

buildNative();
rmSync(outdir, { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: [join(root, 'bin/shoal.ts')], outfile: join(outdir, 'shoal.js') }),
  build({
    ...common,
    entryPoints: [join(root, 'bin/shoald.ts')],
    outfile: join(outdir, 'shoald.js'),
    packages: 'external',
  }),
]);
for (const f of ['shoal.js', 'shoald.js']) chmodSync(join(outdir, f), 0o755);
