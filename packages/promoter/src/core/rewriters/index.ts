import type { YamlFile } from '@ferry/manifest-model';
import { helmValuesRewriter } from './helm-values.js';
import { kustomizationRewriter } from './kustomization.js';
import { manifestsRewriter } from './manifests.js';
import type { Candidate, FileKind, Rewriter } from './types.js';

/** Every rewriter by kind. */
export const REWRITERS: Readonly<Record<FileKind, Rewriter>> = {
  kustomization: kustomizationRewriter,
  manifests: manifestsRewriter,
  'helm-values': helmValuesRewriter,
};

/** The order kinds claim files in: helm-values last, because it takes anything. */
const DETECTION_ORDER: readonly FileKind[] = ['kustomization', 'manifests', 'helm-values'];

/** The first rewriter that claims the file, with its image places. */
export function detectRewriter(file: YamlFile): { rewriter: Rewriter; candidates: Candidate[] } {
  for (const kind of DETECTION_ORDER) {
    const rewriter = REWRITERS[kind];
    const candidates = rewriter.extract(file);
    if (candidates) return { rewriter, candidates };
  }
  throw new Error('unreachable: helm-values claims every file');
}

export type { Candidate, FileKind, ResolvedChange, Rewriter } from './types.js';
export { extractAtKey, updateAtKey } from './key-path.js';
export { applyChangeToReference, matchesChange, namesImage, parseKeyPath, resolveImageChange } from './image-change.js';
