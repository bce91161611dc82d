// With FERRY_PLANT_SECRET=1 this prints secrets the way a careless log line would; without it,
// only harmless and already-redacted text. The reporter must fail the first run and pass the second.
import { describe, expect, it } from 'vitest';

const planted = process.env['FERRY_PLANT_SECRET'] === '1';
// Assembled at run time so no scanner reading this file's text could be what finds it.
const token = ['ghp', 'planted0planted0planted0planted0plan'].join('_');
const keyHeader = ['-----BEGIN', 'RSA PRIVATE KEY-----'].join(' ');

describe('planted', () => {
  it('prints', () => {
    console.log('fetching https://x-access-token:***@github.com/acme/config.git');
    console.log('authorization: Bearer ***');
    if (planted) {
      console.log(`pushing with ${token}`);
      console.error(`could not parse key:\n${keyHeader}\nMIIEpAIBAAKCAQEA\n`);
    }
    expect(true).toBe(true);
  });
});
