import type { YamlEditResult, YamlFile, YamlPath } from '@ferry/manifest-model';

export type FileKind = 'helm-values' | 'kustomization' | 'manifests';

/** One place a file names an image (a public ImageOccurrence plus what matching needs). */
export interface Candidate {
  path: string;
  line: number;
  yamlPath: YamlPath;
  /** Current value as written: the full reference, or the tag for split keys. */
  reference: string;
  tag?: string;
  digest?: string;
  document: number;
  /** Image names this place answers to, as written (a kustomize entry answers to name and newName). */
  names: string[];
}

/** A validated change: what to look for and what it becomes. */
export interface ResolvedChange {
  /** The image to find, as the user wrote it (no tag or digest). */
  name: string;
  tag?: string;
  digest?: string;
  newName?: string;
  /** With --key: the dotted path split into steps; numeric steps index sequences. */
  key?: string[];
}

/**
 * A rewriter owns one kind of file. `extract` answers null for a file that is not its kind
 * ("not mine") and otherwise lists every image place in it; `update` returns the edited text
 * and the changes (the text is unchanged and `changes` empty when the file is already at target).
 * Both take the parsed file so that it is parsed, and its errors located, once.
 */
export interface Rewriter {
  readonly kind: FileKind;
  extract(file: YamlFile): Candidate[] | null;
  update(file: YamlFile, change: ResolvedChange): YamlEditResult;
  /**
   * Places that name an image but that `update` does not rewrite (a ConfigMap value, a field of an
   * unknown kind). A file whose only places of an image are these is an error, not a silent skip.
   */
  unrewritable?(file: YamlFile): Candidate[];
}
