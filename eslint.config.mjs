// Lint enforces the architecture: Nx module boundaries by tag, a pure manifest-model, and pure
// folders inside promoter (core/) and agent (plan/, render/, sync/, reconcile/) that import no I/O and no
// adapter: they reach I/O through the ports in packages/agent/src/ports.ts.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const ioModules = [
  'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http',
  'https', 'node:https', 'child_process', 'node:child_process', 'isomorphic-git',
  '@kubernetes/client-node', '@octokit/*',
];

// Inside a package, what a pure folder may not reach: the folders that do I/O.
const impureFolders = ['**/adapters/**', '**/adapters', '**/daemon/**', '**/reconcile/**', '**/reporting/**', '**/webhook/**', '**/signatures/**', '**/observability/**', '**/live/**', '**/history/**'];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/__fixtures__/**', '**/.nx/**', '**/.cache/**', 'apps/action/bundle/**', 'apps/cli/bundle/**', 'apps/agent/bundle/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': ['error', {
        enforceBuildableLibDependency: false,
        allow: [],
        depConstraints: [
          { sourceTag: 'type:model', onlyDependOnLibsWithTags: ['type:model'] },
          { sourceTag: 'scope:promoter', notDependOnLibsWithTags: ['scope:agent'] },
          { sourceTag: 'scope:agent', notDependOnLibsWithTags: ['scope:promoter'] },
          // The shared git package: manifest-model, isomorphic-git and node only (no Git host, no promoter or agent).
          { sourceTag: 'scope:git', onlyDependOnLibsWithTags: ['type:model'], allowedExternalImports: ['isomorphic-git', 'isomorphic-git/*'] },
          { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:model', 'type:domain'] },
          { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:model', 'type:domain'] },
          // The GitHub Action bundles the CLI and runs `ferry promote` in-process (apps/action).
          { sourceTag: 'type:action', onlyDependOnLibsWithTags: ['type:model', 'type:domain', 'type:app'] },
          { sourceTag: 'type:tools', onlyDependOnLibsWithTags: ['type:model', 'type:domain', 'type:tools'] },
        ],
      }],
    },
  },
  {
    // Tests may reach the test environment in tools/; runtime code never does (tags above).
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['packages/manifest-model/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ioModules, message: 'manifest-model is pure: no I/O imports. Put I/O in an adapter of promoter or agent.' }] }],
    },
  },
  {
    files: ['packages/promoter/src/core/**/*.ts', 'packages/agent/src/plan/**/*.ts', 'packages/agent/src/render/**/*.ts', 'packages/agent/src/sync/**/*.ts', 'packages/agent/src/reconcile/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ioModules, message: 'this folder is pure: no I/O imports. Take the I/O as a port (an interface in ports.ts) implemented in adapters/.' },
          { group: impureFolders, message: 'this folder is pure: it may not import adapters or the steps that do I/O. Move the type it needs into the pure folder or ports.ts.' },
        ],
      }],
    },
  },
];
