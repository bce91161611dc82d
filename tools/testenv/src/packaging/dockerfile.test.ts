// The agent's container image, checked without a container runtime (none runs here): the
// Dockerfile is parsed, every COPY from the build context names something in the repository, the
// build stage copies every project `tsc -b apps/agent` compiles, and the image's file tree is
// assembled the way Docker would (the deps stage's COPY and `npm ci --omit=dev` line run as written
// in a temp dir; the final stage's COPY --from=deps and --from=build placed under a stand-in for
// /app, with the repository's built dist/ as the build stage's /src). Then the ENTRYPOINT it names
// starts with `--help` from that production-only tree. The kubectl/helm stage downloads binaries
// and is not run.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, NPM_QUIET_ENV, repoRoot, run } from './packaging-kit.js';

interface Instruction { op: string; args: string; line: number }
interface Stage { name: string; from: string; workdir: string; instructions: Instruction[] }
/** `into`: dest names a folder (trailing slash, or several sources), as Docker reads it. */
interface Copy { from?: string; sources: string[]; dest: string; into: boolean; line: number }

/** Dockerfile stages with their instructions (continuation lines joined, comments dropped). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    const m = line.match(/^\s*([A-Za-z]+)\s+(.*)$/);
    if (!m) throw new Error(`Dockerfile:${start + 1}: cannot read "${line}"`);
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'FROM') {
      const [, image, name] = args.match(/^(\S+)(?:\s+AS\s+(\S+))?/i) ?? [];
      stages.push({ name: name ?? `stage${stages.length}`, from: image!, workdir: '/', instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) continue; // ARG before the first FROM
    if (op === 'WORKDIR') stage.workdir = posix.resolve(stage.workdir, args);
    stage.instructions.push({ op, args, line: start + 1 });
  }
  return stages;
}

function copiesOf(stage: Stage): Copy[] {
  return stage.instructions.filter((i) => i.op === 'COPY').map((i) => {
    const words = i.args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    const dest = paths.at(-1)!;
    return { ...(from ? { from } : {}), sources: paths.slice(0, -1), dest: posix.resolve(stage.workdir, dest), into: dest.endsWith('/') || paths.length > 2, line: i.line };
  });
}

/** The context paths a COPY source names (a `*` glob in the last segment only, as this Dockerfile uses). */
function expand(source: string): string[] {
  if (!source.includes('*')) return existsSync(join(repoRoot, source)) ? [source.replace(/\/$/, '')] : [];
  const dir = posix.dirname(source);
  const pattern = new RegExp(`^${posix.basename(source).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return readdirSync(join(repoRoot, dir)).filter((f) => pattern.test(f)).map((f) => posix.join(dir, f));
}

/** Docker's COPY: a folder's contents into dest; a file into dest/ (`into`) or as dest. */
function place(sourceAbs: string, dest: string, into: boolean): void {
  const target = statSync(sourceAbs).isDirectory() || !into ? dest : join(dest, posix.basename(sourceAbs));
  mkdirSync(dirname(target), { recursive: true });
  // verbatimSymlinks: npm's workspace links (node_modules/@ferry/agent -> ../../packages/agent) stay relative, as COPY keeps them.
  cpSync(sourceAbs, target, { recursive: true, verbatimSymlinks: true });
}

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const stage = (name: string): Stage => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`Dockerfile has no stage "${name}"`);
  return s;
};
const final = stages.at(-1)!;

describe('the agent container image (Dockerfile)', () => {
  it('every COPY from the build context names files that exist', () => {
    const missing: string[] = [];
    for (const s of stages) for (const c of copiesOf(s)) if (!c.from) for (const src of c.sources) if (!expand(src).length) missing.push(`Dockerfile:${c.line}: ${src}`);
    expect(missing).toEqual([]);
    expect(stages.flatMap(copiesOf).filter((c) => !c.from).length).toBeGreaterThan(10);
  });

  it('the build stage copies every project `tsc -b apps/agent` compiles, and the package.json of each before npm ci', () => {
    const build = stage('build');
    const tscLine = build.instructions.find((i) => i.op === 'RUN' && /\btsc -b\b/.test(i.args));
    const project = tscLine?.args.match(/tsc -b (\S+)/)?.[1];
    expect(project).toBe('apps/agent');
    // The project and every project it references, transitively.
    const projects = new Set<string>();
    const visit = (dir: string): void => {
      if (projects.has(dir)) return;
      projects.add(dir);
      const tsconfig = JSON.parse(readFileSync(join(repoRoot, dir, 'tsconfig.json'), 'utf8')) as { references?: { path: string }[] };
      for (const ref of tsconfig.references ?? []) visit(posix.normalize(posix.join(dir, ref.path)));
    };
    visit(project!);
    const copied = copiesOf(build).filter((c) => !c.from && c.line > tscLine!.line - 100);
    const npmCi = build.instructions.find((i) => i.op === 'RUN' && /npm ci/.test(i.args))!;
    for (const dir of projects) {
      expect(copied.some((c) => c.line > npmCi.line && c.sources.includes(dir)), `COPY ${dir} after npm ci`).toBe(true);
      expect(copied.some((c) => c.line < npmCi.line && c.sources.includes(`${dir}/package.json`)), `COPY ${dir}/package.json before npm ci`).toBe(true);
    }
    expect(copied.some((c) => c.sources.includes('tsconfig*.json'))).toBe(true); // tsconfig.base.json
  });

  describe('the image tree, assembled from a production-only install', () => {
    let work: string;
    let app: string;
    const imagePath = (absolute: string): string => join(app, posix.relative(final.workdir, absolute));

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'ferry-image-'));
      // Stage "deps": its COPY lines into a stand-in for its WORKDIR, then its RUN line as written.
      const deps = stage('deps');
      const depsDir = join(work, 'deps');
      for (const c of copiesOf(deps)) {
        const dest = join(depsDir, posix.relative(deps.workdir, c.dest));
        for (const src of c.sources.flatMap(expand)) place(join(repoRoot, src), dest, c.into);
      }
      const install = deps.instructions.find((i) => i.op === 'RUN')!;
      expect(install.args).toMatch(/^npm ci --omit=dev\b/);
      const r = await run('sh', ['-c', install.args], { cwd: depsDir, env: { ...process.env, ...NPM_QUIET_ENV }, timeoutMs: 110_000 });
      if (r.code !== 0) throw new Error(`Dockerfile:${install.line}: ${install.args} failed: ${explain(r)}`);
      // Final stage: COPY --from=deps and --from=build (the repository, built, is the build stage's /src).
      app = join(work, 'app');
      const roots: Record<string, [string, string]> = { deps: [deps.workdir, depsDir], build: [stage('build').workdir, repoRoot] };
      for (const c of copiesOf(final)) {
        if (!c.from || !roots[c.from]) continue; // the tools stage: kubectl and helm, downloaded; not needed for --help
        const [stageDir, hostDir] = roots[c.from]!;
        for (const src of c.sources) {
          const host = join(hostDir, posix.relative(stageDir, src));
          if (!existsSync(host)) throw new Error(`Dockerfile:${c.line}: COPY --from=${c.from} ${src}: not there (build first: npx tsc -b)`);
          place(host, imagePath(c.dest), c.into);
        }
      }
    }, 120_000);
    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('holds no development dependency and no package the agent does not use', () => {
      for (const name of ['typescript', 'vitest', 'nx', 'eslint', 'esbuild', '@ferry/testenv', '@ferry/promoter', '@octokit/rest', 'fast-check']) {
        expect(existsSync(join(app, 'node_modules', name)), name).toBe(false);
      }
      expect(existsSync(join(app, 'node_modules/@kubernetes/client-node/package.json'))).toBe(true);
    });

    it('the ENTRYPOINT starts: --help from the production-only tree', async () => {
      const entry = final.instructions.find((i) => i.op === 'ENTRYPOINT');
      const argv = JSON.parse(entry!.args) as string[];
      expect(argv[0]).toBe('/usr/local/bin/node');
      const env = final.instructions.find((i) => i.op === 'ENV')!.args;
      const r = await run(process.execPath, [imagePath(argv[1]!), '--help'], {
        cwd: app,
        // The image's environment (NODE_ENV=production, FERRY_KUBECTL...), no NODE_PATH or npm variables from this run.
        env: { PATH: dirname(process.execPath), ...Object.fromEntries([...env.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])), HOME: work },
      });
      expect(r.code, explain(r)).toBe(0);
      expect(r.stdout).toMatch(/ferry-agent sync --once/);
      expect(r.stdout).toMatch(/ferry-agent run/);
    });
  });
});
