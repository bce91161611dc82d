import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// eslint.config.mjs keeps this package to manifest-model, isomorphic-git and node: no Git host
// client, and neither of the packages that use it. Each planted import must be refused.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}packages/git-http/src/planted.ts` });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('@ferry/git-http boundaries', () => {
  it.each([
    ['a GitHub client', "import { Octokit } from '@octokit/rest';\nexport const used = [Octokit];\n", /not allowed to import "@octokit\/rest"/],
    ['the Kubernetes client', "import { KubeConfig } from '@kubernetes/client-node';\nexport const used = [KubeConfig];\n", /not allowed to import "@kubernetes\/client-node"/],
    ['the agent', "import { IsomorphicGitSource } from '@ferry/agent';\nexport const used = [IsomorphicGitSource];\n", /@ferry\/agent/],
  ])('refuses %s', async (_name, code, says) => {
    const errors = await boundaryErrors(code);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(says);
  });

  it('allows manifest-model, isomorphic-git and node', async () => {
    expect(await boundaryErrors([
      "import { FerryError } from '@ferry/manifest-model';",
      "import git from 'isomorphic-git';",
      "import nodeHttp from 'isomorphic-git/http/node';",
      "import { readFile } from 'node:fs/promises';",
      'export const used = [FerryError, git, nodeHttp, readFile];', '',
    ].join('\n'))).toEqual([]);
  });
});
