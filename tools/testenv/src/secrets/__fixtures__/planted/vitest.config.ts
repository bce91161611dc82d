// Run by secret-scan-reporter.test.ts: one tiny test file under the real reporter.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['planted.fixture.ts'],
    reporters: ['default', '../../secret-scan-reporter.ts'],
  },
});
