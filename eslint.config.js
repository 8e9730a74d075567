// ESLint flat config (ESLint 9 + typescript-eslint, type-aware).
//
// The "purity rule" at the bottom keeps the deterministic core (Raft, store,
// allocator, scheduler, network planner, DNS record table) free of I/O, real
// time and randomness, so it can be driven step by step by the simulator.
// See README.md, Rules of the house: pure logic is separate from I/O.
import js from '@eslint/js';
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
  'agent/session/assignments.ts',
  'agent/session/backoff.ts',
  'agent/network/planner/**/*.ts',
  'agent/network/plan*.ts',
  'agent/dns/record-table*.ts',
];

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
    ignores: ['node_modules/', 'dist/', 'coverage/', 'test/tools/', 'tmp/', '.shoal/'],
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
          allowDefaultProject: ['server/*/__probe__.ts', 'agent/*/__probe__.ts', 'agent/*/*/__probe__.ts'],
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
