// Types of build-bundle.mjs (plain ESM: the bundle builders run with Node alone, no build step).
import type { BuildOptions } from 'esbuild';

export const repoRoot: string;
export const nodeBundleOptions: BuildOptions & { absWorkingDir: string };
export function buildBundle(options: { entry: string; outDir: string; title: string }): Promise<{ dir: string; files: number; packages: string[] }>;
export function describeBuild(build: { dir: string; files: number; packages: string[] }): string;
