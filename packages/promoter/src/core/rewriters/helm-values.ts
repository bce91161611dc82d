import { isMap, isScalar, type Node } from 'yaml';
import { FerryError, editYaml, formatYamlPath, lineOfNode, tryParseImageReference, type YamlEdit, type YamlFile, type YamlPath } from '@ferry/manifest-model';
import { applyChangeToReference, matchesChange, namesImage, parsePinnedTag, updatePinnedTag, type PinnedTag } from './image-change.js';
import type { Candidate, ResolvedChange, Rewriter } from './types.js';
import { fieldsOf, scalarText, walkDocument } from './yaml-nodes.js';

/**
 * Helm values: any file that is neither a kustomization nor Kubernetes manifests. Two shapes name
 * an image: a mapping with `repository` (or `image` beside `registry`/`tag`/`version`), whose
 * sibling `tag` (or, in charts without a `tag` key, `version`) and `digest` hold the version
 * ("split keys"), and any string that is a full reference with a tag or digest (`repo:tag`,
 * `repo@digest`, `repo:tag@digest`). A tag key may hold a pinned tag, `1.2.3@sha256:...`.
 */
export const helmValuesRewriter: Rewriter = {
  kind: 'helm-values',
  extract: (file) => findValuesPlaces(file).map((p) => p.candidate),
  update: (file, change) => editYaml(file, valuesEdits(findValuesPlaces(file), change)),
};

/** The edits that set the change's image in these places (places of other images are skipped). */
export function valuesEdits(places: ValuesPlace[], change: ResolvedChange): YamlEdit[] {
  const edits: YamlEdit[] = [];
  for (const place of places) {
    if (!place.candidate.names.some((n) => matchesChange(n, change))) continue;
    if (place.kind === 'combined') {
      const ref = tryParseImageReference(place.candidate.reference)!;
      edits.push({ op: 'set', document: place.candidate.document, path: place.candidate.yamlPath, value: applyChangeToReference(ref, change) });
    } else {
      edits.push(...splitEdits(place, change));
    }
  }
  return edits;
}

/** A subtree holding Helm values: a whole document, or e.g. a HelmRelease's spec.values. */
export interface ValuesRoot { document: number; path: YamlPath }

export type ValuesPlace =
  | { kind: 'combined'; candidate: Candidate }
  | {
    kind: 'split'; candidate: Candidate; mapPath: YamlPath; nameKey: string; tagKey: TagKey;
    registry?: string; digestKey?: DigestKey; digestText?: string; pinned?: PinnedTag;
  };

/**
 * Where the tag lives: `tag`, or `version` in charts that name it so (a `tag:` added beside
 * `version` would change nothing the chart renders).
 */
type TagKey = 'tag' | 'version';

/** Every image place in the given values subtrees (default: every whole document). */
export function findValuesPlaces(file: YamlFile, roots: ValuesRoot[] = file.documents.map((_, document) => ({ document, path: [] }))): ValuesPlace[] {
  const places: ValuesPlace[] = [];
  roots.forEach(({ document, path: rootPath }) => {
    const doc = file.documents[document]!;
    walkDocument(doc, ({ node, path }) => {
      if (isMap(node)) {
        const split = splitPlace(file, document, node, path, fieldsOf(doc, node));
        if (split) places.push(split);
      } else if (isScalar(node) && typeof node.value === 'string' && path.length > 0) {
        const ref = tryParseImageReference(node.value);
        if (!ref || (ref.tag === undefined && ref.digest === undefined)) return;
        const candidate: Candidate = { path: file.file, line: lineOfNode(file, node), yamlPath: path, reference: node.value, document, names: [ref.name] };
        if (ref.tag !== undefined) candidate.tag = ref.tag;
        if (ref.digest !== undefined) candidate.digest = ref.digest;
        places.push({ kind: 'combined', candidate });
      }
    }, rootPath);
  });
  return places;
}

function splitPlace(file: YamlFile, document: number, _map: Node, path: YamlPath, fields: Map<string, Node | null>): ValuesPlace | undefined {
  const nameKey = fields.has('repository') ? 'repository'
    : fields.has('image') && (fields.has('registry') || fields.has('tag') || fields.has('version')) ? 'image' : undefined;
  if (!nameKey) return undefined;
  const nameNode = fields.get(nameKey);
  const repository = scalarText(file, nameNode);
  const ref = repository === undefined ? undefined : tryParseImageReference(repository);
  // A repository that already carries a tag or digest is a combined reference, handled as a string.
  if (!ref || ref.tag !== undefined || ref.digest !== undefined || !nameNode) return undefined;
  const registry = scalarText(file, fields.get('registry'));
  const name = registry ? `${registry.replace(/\/+$/, '')}/${ref.name}` : ref.name;
  const tagKey: TagKey = !fields.has('tag') && fields.has('version') ? 'version' : 'tag';
  const tagNode = fields.get(tagKey);
  const tagText = scalarText(file, tagNode);
  const pinned = parsePinnedTag(tagText);
  const tag = pinned?.tag ?? tagText;
  const digestKey: DigestKey | undefined = fields.has('digest') ? 'digest' : fields.has('sha') ? 'sha' : undefined;
  const digestText = digestKey && scalarText(file, fields.get(digestKey));
  const candidate: Candidate = {
    path: file.file,
    line: lineOfNode(file, tagNode ?? nameNode),
    yamlPath: [...path, tagKey],
    reference: tagText ?? '',
    document,
    names: [name],
  };
  if (tag) candidate.tag = tag;
  if (digestText) candidate.digest = digestKey === 'sha' && !digestText.includes(':') ? `sha256:${digestText}` : digestText;
  if (pinned) candidate.digest = pinned.digest;
  const place: ValuesPlace = { kind: 'split', candidate, mapPath: path, nameKey, tagKey };
  if (pinned) place.pinned = pinned;
  if (digestKey) place.digestKey = digestKey;
  if (registry) place.registry = registry;
  if (digestText) place.digestText = digestText;
  return place;
}

function splitEdits(place: Extract<ValuesPlace, { kind: 'split' }>, change: ResolvedChange): YamlEdit[] {
  const document = place.candidate.document;
  const at = (key: string) => [...place.mapPath, key];
  const edits: YamlEdit[] = [];
  if (change.newName !== undefined && !place.candidate.names.some((n) => namesImage(n, { name: change.newName! }))) {
    const renamed = tryParseImageReference(change.newName)!;
    if (place.registry && renamed.domain) {
      edits.push({ op: 'set', document, path: at('registry'), value: renamed.domain });
      edits.push({ op: 'set', document, path: at(place.nameKey), value: renamed.path });
    } else {
      edits.push({ op: 'set', document, path: at(place.nameKey), value: renamed.name });
    }
  }
  if (place.pinned) {
    // `tag: 1.2.3@sha256:...`: the pin lives in the tag; keep the form and update both parts.
    const where = formatYamlPath(at(place.tagKey));
    edits.push({ op: 'set', document, path: at(place.tagKey), value: updatePinnedTag(place.pinned, change, { file: place.candidate.path, line: place.candidate.line, where }) });
    if (change.digest !== undefined && place.digestKey && place.digestText) edits.push({ op: 'set', document, path: at(place.digestKey), value: formatDigestValue(place, change.digest) });
    return edits;
  }
  if (change.tag !== undefined) {
    edits.push({ op: 'set', document, path: at(place.tagKey), value: change.tag, after: [place.nameKey] });
  }
  if (change.digest !== undefined && !place.digestKey) {
    // Writing the tag alone would drop the pin (`--pin-digest`, `@DIGEST`) and report success; a
    // digest alone would look like "already at target". Say why instead; nothing is written.
    throw new FerryError('input.no-digest-key', `${formatYamlPath(place.mapPath)} in ${place.candidate.path} has ${place.tagKey === 'version' ? 'a version' : 'a tag'} but no digest key, so the digest ${change.digest} cannot be written`, {
      file: place.candidate.path,
      line: place.candidate.line,
      hint: `add a digest key beside ${place.tagKey} (digest: "") if the chart reads ${formatYamlPath(at('digest'))}, or write ${place.tagKey} once as TAG@sha256:... (Ferry keeps that form and updates both parts); else promote the tag alone (no --pin-digest or pinDigest, no @DIGEST)`,
    });
  }
  if (change.digest !== undefined && place.digestKey) {
    edits.push({ op: 'set', document, path: at(place.digestKey), value: formatDigestValue(place, change.digest) });
  } else if (change.digest === undefined && change.tag !== undefined && place.digestKey && place.digestText) {
    // Charts let a digest win over the tag: a stale one would pin the old image.
    edits.push({ op: 'set', document, path: at(place.digestKey), value: '' });
  }
  return edits;
}

/**
 * `digest: sha256:<hex>` (Bitnami and most charts) or Grafana's `sha: <hex>`, which its templates
 * render as `repo:tag@sha256:<sha>`: the algorithm prefix is left out there.
 */
type DigestKey = 'digest' | 'sha';

function formatDigestValue(place: Extract<ValuesPlace, { kind: 'split' }>, digest: string): string {
  if (place.digestKey !== 'sha') return digest;
  if (!digest.startsWith('sha256:')) {
    throw new FerryError('input.no-digest-key', `${formatYamlPath(place.mapPath)}.sha in ${place.candidate.path} holds a sha256 hex digest; ${digest.split(':')[0]} cannot go there`, {
      file: place.candidate.path, line: place.candidate.line, hint: 'promote a sha256 digest, or only the tag',
    });
  }
  return digest.slice('sha256:'.length);
}
