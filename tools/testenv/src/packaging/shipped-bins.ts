import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './packaging-kit.js';

const bins = { cli: 'apps/cli/bin/ferry.js', agent: 'apps/agent/bin/ferry-agent.js' } as const;

/**
 * The bin users run of `app` (`ferry`, `ferry-agent`), with the bundle it runs brought up to date
 * the way `npm ci` builds it (apps/APP/build-bundle.mjs: a new build only when the sources
 * changed), so a test never runs a stale bundle. Returns the bin's path.
 */
export function shippedBin(app: keyof typeof bins): string {
  const script = `apps/${app}/build-bundle.mjs`;
  try {
    execFileSync(process.execPath, [join(repoRoot, script)], { cwd: repoRoot, stdio: 'pipe', timeout: 240_000 });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: unknown; stderr?: unknown };
    throw new Error(`building the ${app} bundle (${script}) failed:\n${stdout || stderr ? `${String(stdout ?? '')}${String(stderr ?? '')}` : String(err)}`);
  }
  return join(repoRoot, bins[app]);
}
