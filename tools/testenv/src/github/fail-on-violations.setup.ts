// A vitest setup file (vitest.config.ts `setupFiles`): after every test, the exchanges any running
// GitHub stand-in validated during it must agree with GitHub's OpenAPI description and GraphQL
// schema, else that test fails listing the violations. A test expecting a violation takes it first
// with `github.takeViolations()`. Violations left at `close()` (from hooks) make `close()` throw.
import { afterEach } from 'vitest';
import { failOnViolations } from './violation-registry.js';

afterEach(() => {
  failOnViolations();
});
