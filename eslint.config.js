// ESLint flat config. Three rules matter most here:
// - workflow purity: code under workflows/ (and src/contract, bundled with it) runs in Temporal's
//   deterministic sandbox, so it may not import Node built-ins, HTTP or Kubernetes clients, the logger
//   or the configuration;
// - no floating promises anywhere: an un-awaited promise is a lost error or a lost write.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { boundaries } from './eslint.boundaries.js';

const nodeBuiltins = [
  'assert',
  'async_hooks',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'querystring',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

/** What code bundled into the workflow sandbox (workflows/, src/contract) may not import. */
function sandboxPaths(what) {
  const builtin = `${what} runs in a deterministic sandbox: no Node built-ins.`;
  return [
    ...nodeBuiltins.flatMap((name) => [
      { name, message: builtin },
      { name: `node:${name}`, message: builtin },
    ]),
    { name: 'axios', message: 'Workflows do no I/O: call Icarus from an activity.' },
    { name: 'pino', message: 'Workflows log through `log` from @temporalio/workflow.' },
    { name: '@kubernetes/client-node', message: 'Workflows do no I/O: call Kubernetes from an activity.' },
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.cache/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'tools/kube/*.mjs', 'bench/*.cjs'] } },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() and describe() return promises that the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...sandboxPaths('Workflow code'),
            { name: '@temporalio/worker', message: 'Workflows may not import the worker.' },
            { name: '@temporalio/client', message: 'Workflows may not import the client.' },
            { name: '@temporalio/activity', message: 'Workflows call activities through proxyActivities.' },
          ],
          patterns: [
            {
              // Any path into src/ but src/contract.
              regex: '(^|/)src/(?!contract/)',
              message:
                'Workflows import only workflows/, src/contract and shared pure types; src/ holds I/O, config and logging.',
              allowTypeImports: true,
            },
            {
              group: ['../activities/*', '../../activities/*'],
              message: 'Workflows see activities only as types, through proxyActivities<Activities>().',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  // src/contract is bundled into the workflows and shared by every runtime: it imports only itself, and
  // types; no SDK at all.
  {
    files: ['src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: sandboxPaths('The contract'),
          patterns: [
            {
              group: ['**', '!./*'],
              message:
                'src/contract imports values only from itself (types from anywhere): it is plain data.',
              allowTypeImports: true,
            },
            { group: ['@temporalio/*'], message: 'src/contract has no SDK imports, not even types.' },
          ],
        },
      ],
    },
  },
  // The one-way layering of docs/architecture.md (eslint.boundaries.js).
  ...boundaries,
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  // A preload given to `node --require` (bench/memory-probe.cjs) is CommonJS.
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  prettier,
);
