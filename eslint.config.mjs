// Lint enforces the architecture: Nx module boundaries by tag, and a pure manifest-model.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const ioModules = [
  'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http',
  'https', 'node:https', 'child_process', 'node:child_process', 'isomorphic-git',
  '@kubernetes/client-node', '@octokit/*',
];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/__fixtures__/**', '**/.nx/**', '**/.cache/**'] },
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
          { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:model', 'type:domain'] },
          { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:model', 'type:domain'] },
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
];
