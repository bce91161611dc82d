import { FerryError } from '@ferry/manifest-model';

/** What to set: the image to find, and its new tag, digest and/or name. */
export interface ImageChange { image: string; tag?: string; digest?: string; newName?: string; key?: string }
export interface FileInput { path: string; content: string }
export interface ImageOccurrence {
  path: string;
  line: number;
  yamlPath: (string | number)[];
  /** Current full value as written, e.g. "nginx:1.2@sha256:..." or the tag for split keys. */
  reference: string;
  tag?: string;
  digest?: string;
}
export interface FileChange { line: number; yamlPath: (string | number)[]; old: string; new: string }
export interface FilePlan {
  path: string;
  kind: 'helm-values' | 'kustomization' | 'manifests';
  occurrences: ImageOccurrence[];
  changes: FileChange[];
  /** null = unchanged. */
  newContent: string | null;
}
export interface SetImagePlan { files: FilePlan[]; found: boolean; changed: boolean }

export function planSetImage(_files: FileInput[], _change: ImageChange): SetImagePlan {
  throw new FerryError('internal.not-implemented', 'planSetImage is not implemented yet');
}

export function findImageOccurrences(_files: FileInput[], _image: string, _key?: string): ImageOccurrence[] {
  throw new FerryError('internal.not-implemented', 'findImageOccurrences is not implemented yet');
}
