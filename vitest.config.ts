import { configDefaults, defineConfig } from 'vitest/config';

// Tests import workspace packages from source through the "@ferry/source" export condition.
const conditions = ['@ferry/source', 'module', 'node', 'import', 'default'];
const testFiles = ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts'];
const clusterTests = '**/*.cluster.test.ts';

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@ferry/source'] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The secret scan: fails the run when any test's console output or error holds a secret.
    reporters: ['default', './tools/testenv/src/secrets/secret-scan-reporter.ts'],
    // Fails any test during which a running GitHub stand-in saw an exchange GitHub's API description forbids.
    setupFiles: ['tools/testenv/src/github/fail-on-violations.setup.ts'],
    projects: [
      // Plain tests: no shared servers.
      { extends: true, test: { name: 'unit', include: testFiles, exclude: [...configDefaults.exclude, clusterTests] } },
      // Tests against a real control plane: one per run, started by the global setup and reached
      // with inject('kubeconfigPath'). It fails the run when it cannot start.
      {
        extends: true,
        test: {
          name: 'cluster',
          include: testFiles.map((glob) => glob.replace('*.test.ts', '*.cluster.test.ts')),
          globalSetup: ['tools/testenv/src/kube/cluster-global-setup.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
