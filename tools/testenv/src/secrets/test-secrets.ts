// The secrets Ferry's tests hand to the code under test. The scanner (find-secrets.ts) looks for
// each of these verbatim, besides the shapes it recognises on its own (GitHub tokens, private
// keys, JWTs, credentials in URLs and authorization headers). A test that invents a password or
// token should take it from here, or add it here, so the scan of all output knows to look for it.

/** PATs of the GitHub stand-in's test users (shape-recognised too: `ghp_` + 36). */
export const TEST_GITHUB_TOKEN = 'ghp_testtokentesttokentesttoken000000';
export const TEST_CLI_GITHUB_TOKEN = 'ghp_clitokenclitokenclitoken0000000000';
/** Basic-auth password of the git servers that demand credentials. */
export const TEST_GIT_PASSWORD = 's3cret-pass';
/** A password that is refused: it must not be echoed in the refusal either. */
export const TEST_WRONG_GIT_PASSWORD = 'wrong-password-123';
/** HMAC key of webhook tests. */
export const TEST_WEBHOOK_SECRET = 'webhook-secret-0123456789';

/**
 * Every literal secret a test uses, including ones still written inline in older tests (kept in
 * step by hand: grep the tests for `password`, `secret` and `token` when adding one).
 * Only strings of 6+ characters that cannot occur in ordinary output belong here.
 */
export const TEST_SECRETS: readonly string[] = [
  TEST_GITHUB_TOKEN,
  TEST_CLI_GITHUB_TOKEN,
  TEST_GIT_PASSWORD,
  TEST_WRONG_GIT_PASSWORD,
  TEST_WEBHOOK_SECRET,
  's3cret-pass-word',
  'hunter2',
  'git-pass-9f8e7d',
  'It5-a-s3cret',
  'a-long-enough-secret',
  'a-guessed-secret',
  'ghp_rollbacktokenrollbacktoken0000000',
  'ghp_livetokenlivetokenlivetoken000000',
  'ghp_actiontokenactiontokenaction00000',
  'ghs_testtoken0123456789',
];
