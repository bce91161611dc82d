// Shared by the promote tests: a config repo seed, a real clock, and a reader for the remote.
import type { Clock } from '../core/pull-request-flow.js';
import { openGitWorkspace } from '../adapters/git-workspace.js';

export const realClock: Clock = {
  now: () => Date.now(),
  // Backoff between retries, not synchronisation: tests wait on conditions, never on this.
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export const fastRetry = { baseDelayMs: 5, maxDelayMs: 200 };

export function deploymentYaml(app: string, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}   # keep this comment
spec:
  template:
    spec:
      containers:
        - name: ${app}
          image: ${image}
`;
}

/** ferry.yaml + one deployment per app per environment (dev, staging, prod). */
export function seedConfigRepo(apps: string[], options: { version?: string; hold?: string; prodPolicy?: string } = {}): Record<string, string> {
  const version = options.version ?? '1.0.0';
  const lines = [
    'environments:',
    '  dev: { branch: main, labels: [promotion] }',
    // No promotesFrom: that gate needs agents reporting (tools/demo/src/promotion-gate.cluster.test.ts).
    '  staging: { branch: main, reviewers: [alice], teamReviewers: [platform], labels: [promotion, staging] }',
    '  prod: { branch: main }',
    'apps:',
  ];
  const seed: Record<string, string> = {};
  for (const app of apps) {
    lines.push(`  ${app}:`, `    image: ghcr.io/acme/${app}`, '    environments:');
    for (const env of ['dev', 'staging', 'prod']) {
      lines.push(`      ${env}:`, `        files: [envs/${env}/${app}.yaml]`);
      if (env === 'prod' && options.hold) lines.push(`        hold: { reason: "${options.hold}", by: oncall }`);
      if (env === 'prod' && options.prodPolicy) lines.push(`        policy: ${options.prodPolicy}`);
      seed[`envs/${env}/${app}.yaml`] = deploymentYaml(app, `ghcr.io/acme/${app}:${version}`);
    }
  }
  seed['ferry.yaml'] = `${lines.join('\n')}\n`;
  return seed;
}

/** Reads files at the remote head of a branch with a fresh workspace. */
export async function readRemote(url: string, branch: string, paths: string[]): Promise<{ head: string | null; files: Map<string, string | null> }> {
  const ws = await openGitWorkspace({ url });
  try {
    const head = await ws.fetchBranch(branch);
    return { head, files: head ? await ws.readFiles(head, paths) : new Map() };
  } finally {
    await ws.close();
  }
}
