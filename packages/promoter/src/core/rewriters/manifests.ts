import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import {
  editYaml, lineOfNode, resolveAlias, resolveYamlPath, tryParseImageReference, type YamlEdit, type YamlFile, type YamlPath,
} from '@ferry/manifest-model';
import { findValuesPlaces, valuesEdits, type ValuesRoot } from './helm-values.js';
import { applyChangeToReference, matchesChange } from './image-change.js';
import type { Candidate, Rewriter } from './types.js';
import { fieldsOf, scalarText, walkDocument } from './yaml-nodes.js';

/** The lists of a pod spec that hold containers. */
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

/**
 * Objects that carry Helm values inline (apiVersion prefix, kind, where the values are). Their
 * values get the helm-values rules, so a Flux HelmRelease or an Argo CD Application can be promoted
 * like a values file.
 */
const INLINE_VALUES: { apiVersion: string; kind: string; paths: YamlPath[] }[] = [
  { apiVersion: 'helm.toolkit.fluxcd.io/', kind: 'HelmRelease', paths: [['spec', 'values']] },
  { apiVersion: 'argoproj.io/', kind: 'Application', paths: [['spec', 'source', 'helm', 'valuesObject']] },
];

/**
 * Kubernetes manifests: files whose documents carry `apiVersion` and `kind`. Every pod spec is
 * found by its shape, in any kind (Deployment, CronJob, an Argo Rollout, a Knative Service, a
 * KEDA ScaledJob ...): a mapping with a `containers` list. The `image` of each of its containers,
 * init containers and ephemeral containers is an occurrence, and so is the `reference` of each
 * image volume (`volumes[].image.reference`); objects inside a `List` too. Every image in the inline
 * Helm values of a Flux HelmRelease (`spec.values`) or an Argo CD Application
 * (`spec.source.helm.valuesObject`) follows the helm-values rules.
 */
export const manifestsRewriter: Rewriter = {
  kind: 'manifests',
  extract(file) {
    if (!file.documents.some((doc) => isObject(doc, resolveAlias(doc, doc.contents)))) return null;
    const { images, valuesRoots } = findImages(file);
    return [...images, ...findValuesPlaces(file, valuesRoots).map((p) => p.candidate)].sort((a, b) => a.line - b.line);
  },
  update(file, change) {
    const { images, valuesRoots } = findImages(file);
    const edits: YamlEdit[] = images
      .filter((c) => matchesChange(c.names[0], change))
      .map((c): YamlEdit => ({ op: 'set', document: c.document, path: c.yamlPath, value: applyChangeToReference(tryParseImageReference(c.reference)!, change) }));
    edits.push(...valuesEdits(findValuesPlaces(file, valuesRoots), change));
    return editYaml(file, edits);
  },
  unrewritable(file) {
    const { images, valuesRoots } = findImages(file);
    const rewritten = new Set(images.map((c) => `${c.document}:${JSON.stringify(c.yamlPath)}`));
    const found: Candidate[] = [];
    file.documents.forEach((doc, document) => {
      walkDocument(doc, ({ node, path }) => {
        if (!isScalar(node) || typeof node.value !== 'string' || rewritten.has(`${document}:${JSON.stringify(path)}`)) return;
        if (valuesRoots.some((r) => r.document === document && startsWith(path, r.path))) return;
        const ref = tryParseImageReference(node.value);
        // A bare name counts only under an `image` key: `app: nginx` is a label, not an image.
        if (!ref || (ref.tag === undefined && ref.digest === undefined && path[path.length - 1] !== 'image')) return;
        found.push(candidateOf(file, document, path, node, node.value, ref));
      });
    });
    return found;
  },
};

function startsWith(path: YamlPath, prefix: YamlPath): boolean {
  return prefix.every((step, i) => path[i] === step);
}

function isObject(doc: Document.Parsed, node: Node | null): boolean {
  if (!isMap(node)) return false;
  const fields = fieldsOf(doc, node);
  return fields.has('apiVersion') && fields.has('kind');
}

function candidateOf(file: YamlFile, document: number, yamlPath: YamlPath, node: Node, reference: string, ref: NonNullable<ReturnType<typeof tryParseImageReference>>): Candidate {
  const candidate: Candidate = { path: file.file, line: lineOfNode(file, node), yamlPath, reference, document, names: [ref.name] };
  if (ref.tag !== undefined) candidate.tag = ref.tag;
  if (ref.digest !== undefined) candidate.digest = ref.digest;
  return candidate;
}

function findImages(file: YamlFile): { images: Candidate[]; valuesRoots: ValuesRoot[] } {
  const found: Candidate[] = [];
  const valuesRoots: ValuesRoot[] = [];
  file.documents.forEach((doc, document) => {
    const imageAt = (path: YamlPath): void => {
      const node = resolveYamlPath(doc, path);
      const reference = scalarText(file, node);
      const ref = reference === undefined ? undefined : tryParseImageReference(reference);
      if (ref && node && reference !== undefined) found.push(candidateOf(file, document, path, node, reference, ref));
    };
    const visitPodSpec = (specPath: YamlPath, fields: Map<string, Node | null>): void => {
      for (const list of CONTAINER_LISTS) {
        const containers = fields.get(list);
        if (isSeq(containers)) containers.items.forEach((_, i) => imageAt([...specPath, list, i, 'image']));
      }
      const volumes = fields.get('volumes');
      if (isSeq(volumes)) volumes.items.forEach((_, i) => imageAt([...specPath, 'volumes', i, 'image', 'reference']));
    };
    const visitObject = (object: Node | null, path: YamlPath, depth: number): void => {
      if (!isMap(object) || depth > 5) return;
      const fields = fieldsOf(doc, object);
      const kind = scalarText(file, fields.get('kind')) ?? '';
      const items = fields.get('items');
      if (kind.endsWith('List') && isSeq(items)) {
        items.items.forEach((item, i) => visitObject(resolveAlias(doc, item), [...path, 'items', i], depth + 1));
        return;
      }
      const apiVersion = scalarText(file, fields.get('apiVersion')) ?? '';
      const roots: YamlPath[] = [];
      for (const inline of INLINE_VALUES) {
        if (inline.kind !== kind || !apiVersion.startsWith(inline.apiVersion)) continue;
        for (const valuesPath of inline.paths) {
          if (isMap(resolveYamlPath(doc, [...path, ...valuesPath]))) roots.push([...path, ...valuesPath]);
        }
      }
      valuesRoots.push(...roots.map((root) => ({ document, path: root })));
      // Any mapping with a containers list is a pod spec, whatever the kind (not inside Helm values).
      walkDocument(doc, ({ node, path: at }) => {
        if (!isMap(node) || roots.some((root) => startsWith(at, root))) return;
        const specFields = fieldsOf(doc, node);
        if (isSeq(specFields.get('containers'))) visitPodSpec(at, specFields);
      }, path);
    };
    visitObject(resolveAlias(doc, doc.contents), [], 0);
  });
  return { images: found, valuesRoots };
}
