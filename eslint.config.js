// ESLint flat config (ESLint 9 + typescript-eslint, type-aware).
//
// The "purity rule" at the bottom keeps the deterministic core (Raft, store,
// allocator, scheduler, network planner, DNS record table) free of I/O, real
// time and randomness, so it can be driven step by step by the simulator.
// See README.md, Rules of the house: pure logic is separate from I/O.
import js from '@eslint/js';
import path from 'node:path';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const PURE_MESSAGE =
  'pure module: no I/O here (see README.md, Rules of the house: pure logic is separate from I/O)';

/** Folders / files whose code must stay pure (no I/O, no clock, no randomness). */
const PURE_FILES = [
  'server/raft/**/*.ts',
  'server/store/**/*.ts',
  'server/allocator/**/*.ts',
  'server/scheduler/**/*.ts',
  'server/orchestrator/**/*.ts',
  'server/dispatcher/assignment-set.ts',
  'server/dispatcher/heartbeat-book.ts',
  'server/dispatcher/rate-limiter.ts',
  'server/dispatcher/task-status.ts',
  'server/dispatcher/network-view.ts',
  'server/dispatcher/view-index.ts',
  'server/dispatcher/view-changes.ts',
  'server/dispatcher/endpoint-log.ts',
  'server/dispatcher/mesh-nodes.ts',
  'server/dispatcher/node-liveness.ts',
  'server/dispatcher/view-parts.ts',
  'server/dispatcher/node-tasks.ts',
  'server/dispatcher/held-networks.ts',
  'server/leader/pipeline-work.ts',
  'server/leader/pipeline-writes.ts',
  'server/dispatcher/peer-host.ts',
  'agent/session/assignments.ts',
  'agent/session/view-delta.ts',
  'agent/session/backoff.ts',
  'agent/network/planner/**/*.ts',
  'agent/dns/record-table*.ts',
  'agent/dns/responder.ts',
  'agent/dns/forward-policy.ts',
  'agent/dns/wire.ts',
  'server/ca/role-plan.ts',
  'server/limits/**/*.ts',
  'server/wire/*.ts',
  'lib/**/*.ts',
  'proto/view-digest.ts',
];

/**
 * The boundaries (ARCHITECTURE.md draws them): which folders may import which. Each rule forbids the
 * importer folders `from` to import anything under `to`, for the reason given.
 */
const BOUNDARIES = [
  {
    from: ['agent/'],
    to: ['server/', 'node/', 'bin/'],
    why: 'the agent (worker side) never reaches into the manager, the node composition or the entry points',
  },
  {
    from: ['server/'],
    to: ['agent/', 'node/', 'bin/'],
    why: 'server/ is the manager only: the node composition and the entry points use it, not the reverse',
  },
  {
    from: ['node/'],
    to: ['bin/'],
    why: 'node/ composes the manager and the agent; the entry points in bin/ start it, not the reverse',
  },
  {
    from: ['lib/', 'proto/', 'certs/'],
    to: ['server/', 'agent/', 'node/', 'bin/'],
    why: 'shared code (lib/, proto/, certs/) depends on nothing above it',
  },
];

/** Whether repo-relative `file` matches glob `pattern` (`**` any folders, `*` within one name). */
function matchesGlob(file, pattern) {
  const source = pattern
    .split('**/')
    .map(part => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*'))
    .join('(?:.*/)?');
  return new RegExp(`^${source}$`).test(file);
}

const isPure = file => PURE_FILES.some(pattern => matchesGlob(file, pattern));

/** Where a relative import of `file` lands, repo-relative; undefined for a package import. */
function importTarget(file, specifier) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
}

const boundariesRule = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const file = path
      .relative(import.meta.dirname, context.filename)
      .split(path.sep)
      .join('/');
    const check = (node, specifier, typeOnly) => {
      const target = typeof specifier === 'string' ? importTarget(file, specifier) : undefined;
      if (target === undefined) return;
      for (const rule of BOUNDARIES) {
        if (!rule.from.some(f => file.startsWith(f))) continue;
        const hit = rule.to.find(t => target.startsWith(t));
        if (hit !== undefined) {
          context.report({ node, message: `boundary: ${file} may not import ${target}: ${rule.why}` });
        }
      }
      // Pure code stays pure through what it imports: its values come from pure code only.
      if (!typeOnly && isPure(file) && !isPure(target)) {
        context.report({
          node,
          message: `boundary: pure module ${file} may not import ${target}, which is not pure (${PURE_MESSAGE})`,
        });
      }
    };
    const typeOnlyImport = node =>
      node.importKind === 'type' ||
      (node.specifiers.length > 0 && node.specifiers.every(s => s.importKind === 'type'));
    return {
      ImportDeclaration: node => check(node, node.source.value, typeOnlyImport(node)),
      ExportNamedDeclaration: node =>
        node.source && check(node, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: node => check(node, node.source.value, node.exportKind === 'type'),
    };
  },
};

/** More than six positional values are hard to read at the call: such a constructor takes an options object. */
const CONSTRUCTOR_PARAMS = {
  selector: "MethodDefinition[kind='constructor'] > FunctionExpression[params.length>6]",
  message: 'a constructor takes at most 6 positional parameters: pass an options object instead',
};

const withNodePrefix = names => names.flatMap(name => [name, `node:${name}`]);

const RESTRICTED_MODULES = [
  ...withNodePrefix([
    'fs',
    'fs/promises',
    'net',
    'dgram',
    'child_process',
    'timers',
    'timers/promises',
    'worker_threads',
    'http',
    'https',
    'http2',
    'process',
    'perf_hooks',
    'crypto',
  ]),
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  'level',
  'classic-level',
  'dns2',
];

// Deep imports into the packages above (e.g. `@grpc/grpc-js/build/src/...`).
const RESTRICTED_PATTERNS = [
  '@grpc/grpc-js/*',
  '@grpc/proto-loader/*',
  'level/*',
  'classic-level/*',
  'dns2/*',
];

const RESTRICTED_GLOBALS = [
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
  'fetch',
  'process',
];

const RESTRICTED_PROPERTIES = [
  ['Date', 'now'],
  ['Math', 'random'],
  ['performance', 'now'],
];

export default defineConfig(
  {
    // proto/gen/ is proto-loader-gen-types' output (npm run gen:proto); tsc still checks it.
    ignores: ['node_modules/', 'dist/', 'coverage/', 'test/tools/', 'tmp/', '.shoal/', 'proto/gen/'],
  },

  js.configs.recommended,
  ...tseslint.configs.recommended,

  // Type-aware rules for all TypeScript sources.
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: {
          // Virtual probe files linted by test/lint-purity.test.ts via ESLint#lintText.
          // They never exist on disk, so they are type-checked in the default project.
          allowDefaultProject: [
            'server/__probe__.ts',
            'server/*/__probe__.ts',
            'agent/*/__probe__.ts',
            'agent/*/*/__probe__.ts',
            'lib/__probe__.ts',
            'node/__probe__.ts',
          ],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test()/describe()/it() return promises the runner itself tracks.
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },

  // Tests: no boundary-type ceremony, and never commit a focused test.
  {
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='only']",
          message: 'do not commit focused tests (.only)',
        },
        {
          selector: 'CallExpression > ObjectExpression > Property[key.name="only"][value.value=true]',
          message: 'do not commit focused tests ({ only: true })',
        },
      ],
    },
  },

  // Plain JS files (this config): no type information.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },

  // Constructors with a readable call (the purity rule below repeats it: its no-restricted-syntax replaces this one).
  {
    files: ['server/**/*.ts', 'node/**/*.ts', 'agent/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', CONSTRUCTOR_PARAMS] },
  },

  // The boundaries between folders.
  {
    files: ['**/*.ts'],
    ignores: ['test/**', 'bench/**'],
    plugins: { shoal: { rules: { boundaries: boundariesRule } } },
    rules: { 'shoal/boundaries': 'error' },
  },

  // The purity rule.
  {
    files: PURE_FILES,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: RESTRICTED_MODULES.map(name => ({
            name,
            message: PURE_MESSAGE,
            allowTypeImports: false,
          })),
          patterns: [
            {
              group: RESTRICTED_PATTERNS,
              message: PURE_MESSAGE,
              allowTypeImports: false,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...RESTRICTED_GLOBALS.map(name => ({
          name,
          message: `${PURE_MESSAGE}; \`${name}\` is I/O or real time — take it as an input instead`,
        })),
      ],
      'no-restricted-properties': [
        'error',
        ...RESTRICTED_PROPERTIES.map(([object, property]) => ({
          object,
          property,
          message: `${PURE_MESSAGE}; \`${object}.${property}\` is nondeterministic — take the clock / RNG as an input`,
        })),
      ],
      'no-restricted-syntax': [
        'error',
        CONSTRUCTOR_PARAMS,
        {
          selector: "NewExpression[callee.name='Date']",
          message: `${PURE_MESSAGE}; no \`new Date(...)\` here — take the time as an input (a number)`,
        },
        {
          selector: "CallExpression[callee.name='Date']",
          message: `${PURE_MESSAGE}; \`Date()\` reads the wall clock — take the time as an input`,
        },
        {
          selector: 'ImportExpression',
          message: `${PURE_MESSAGE}; no dynamic import() in pure modules`,
        },
      ],
    },
  },
);
