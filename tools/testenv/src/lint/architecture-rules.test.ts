import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The lint rules that keep the architecture (eslint.config.mjs), each shown to fail on a planted
// violation, and to pass the same file without it: a rule that cannot fail protects nothing.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const planted: Array<[string, string, string, RegExp]> = [
  ['manifest-model imports fs', 'packages/manifest-model/src/planted.ts', "import { readFile } from 'node:fs/promises';", /manifest-model is pure/],
  ['promoter core/ imports isomorphic-git', 'packages/promoter/src/core/planted.ts', "import git from 'isomorphic-git';", /this folder is pure: no I\/O/],
  ['promoter core/ imports an adapter for a type', 'packages/promoter/src/core/rewriters/planted.ts', "import type { GitWorkspaceOptions } from '../../adapters/git-workspace.js';", /may not import adapters/],
  ['agent plan/ imports the Kubernetes client', 'packages/agent/src/plan/planted.ts', "import { KubeConfig } from '@kubernetes/client-node';", /no I\/O/],
  ['agent plan/ imports an adapter', 'packages/agent/src/plan/planted.ts', "import type { KubeApi } from '../adapters/kube-client.js';", /may not import adapters/],
  ['agent render/ runs a process', 'packages/agent/src/render/planted.ts', "import { execFile } from 'node:child_process';", /no I\/O/],
  ['agent reconcile/ imports the Kubernetes adapter', 'packages/agent/src/reconcile/planted.ts', "import { KubeApiError } from '../adapters/kube-client.js';", /may not import adapters/],
  ['agent reconcile/ step imports a renderer', 'packages/agent/src/reconcile/steps/planted.ts', "import { renderSource } from '../../adapters/renderers/render-source.js';", /may not import adapters/],
  ['agent reconcile/ reads files', 'packages/agent/src/reconcile/planted.ts', "import { readFile } from 'node:fs/promises';", /no I\/O/],
  ['agent sync/ imports a reconcile step', 'packages/agent/src/sync/planted.ts', "import { reconcileSync } from '../reconcile/reconcile-sync.js';", /may not import adapters/],
];

describe('architecture lint rules', () => {
  it.each(planted)('%s: refused', async (_name, file, line, says) => {
    const messages = await restrictedImports(file, `${line}\n`);
    expect(messages.length).toBe(1);
    expect(messages[0]).toMatch(says);
  });

  it.each(planted)('%s: the same file without the import passes', async (_name, file) => {
    expect(await restrictedImports(file, "import { z } from 'zod';\nimport { FerryError } from '@ferry/manifest-model';\nexport const used = [z, FerryError];\n")).toEqual([]);
  });

  it('the rules do not reach adapters, where I/O belongs', async () => {
    expect(await restrictedImports('packages/agent/src/adapters/planted.ts', "import { execFile } from 'node:child_process';\nexport const used = [execFile];\n")).toEqual([]);
  });
});
