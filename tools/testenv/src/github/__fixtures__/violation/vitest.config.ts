// Run by fail-on-violations.test.ts: one small test file with the setup files of the repository's
// own vitest.config.ts, so the proof breaks if the real configuration stops wiring the hook.
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import rootConfig from '../../../../../../vitest.config.js';

const repoRoot = resolve(import.meta.dirname, '../../../../../..');
const setupFiles = [rootConfig.test?.setupFiles ?? []].flat().map((file) => resolve(repoRoot, file));

export default defineConfig({
  test: {
    include: ['violation.fixture.ts'],
    setupFiles,
  },
});
