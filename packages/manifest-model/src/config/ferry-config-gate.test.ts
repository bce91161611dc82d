import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors.js';
import { parseFerryConfig } from './ferry-config.js';

const config = (staging: string, prod: string) => `environments:\n  staging: { branch: staging${staging} }\n  prod: { branch: main${prod} }\n`;

describe('ferry.yaml: the promotesFrom gate fields', () => {
  it('accepts soak with promotesFrom and a clusters list', () => {
    const parsed = parseFerryConfig(config(', clusters: [stage-eu, stage-us.2]', ', promotesFrom: staging, soak: 1h30m'));
    expect(parsed.environments['prod']).toMatchObject({ promotesFrom: 'staging', soak: '1h30m' });
    expect(parsed.environments['staging']!.clusters).toEqual(['stage-eu', 'stage-us.2']);
  });

  it.each([
    ['a soak that is not a duration', '', ', promotesFrom: staging, soak: 1 day', 3, 'line 3: environments.prod.soak: not a duration: use e.g. 30m, 2h or 24h (units ms, s, m, h)'],
    ['soak without promotesFrom', '', ', soak: 1h', 3, 'line 3: environments.prod.soak: soak needs promotesFrom (the environment the version must have soaked in)'],
    ['a cluster name the agent refuses', ', clusters: ["eu/1"]', '', 2, 'line 2: environments.staging.clusters.0: a cluster name is 1-63 letters, digits, ".", "_" or "-" (the agent\'s --cluster)'],
    ['an empty clusters list', ', clusters: []', '', 2, 'line 2: environments.staging.clusters: Too small: expected array to have >=1 items'],
  ])('refuses %s with its line', (_name, staging, prod, line, message) => {
    let error: unknown;
    try {
      parseFerryConfig(config(staging, prod));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FerryError);
    expect(error).toMatchObject({ code: 'config.invalid', line, message });
  });
});
