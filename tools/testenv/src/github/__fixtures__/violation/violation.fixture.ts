// Three tests against a GitHub stand-in started with the defaults: one sends a query parameter
// GitHub's description does not define, one takes the violation it expects, one conforms. Only the
// first may fail, and it must fail naming the violation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulatorWorld, type EmulatorWorld } from '../../emulator-test-kit.js';

let world: EmulatorWorld;
const get = (path: string): Promise<Response> => fetch(`${world.github.url}${path}`, { headers: { authorization: 'token t' } });

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: ['t'] });
  await world.git.createRepo('acme/svc', { seed: { 'README.md': '# svc\n' } });
});

afterAll(async () => {
  await world.close();
});

describe('stand-in', () => {
  it('violates', async () => {
    expect((await get('/repos/acme/svc/pulls?head_ref=topic')).status).toBe(200);
  });

  it('expects a violation', async () => {
    expect((await get('/repos/acme/svc/pulls?head_ref=topic')).status).toBe(200);
    expect(world.github.takeViolations().map((v) => v.message)).toEqual(['query parameter head_ref is not defined for this operation']);
  });

  it('conforms', async () => {
    expect((await get('/repos/acme/svc/pulls?state=open')).status).toBe(200);
  });
});
