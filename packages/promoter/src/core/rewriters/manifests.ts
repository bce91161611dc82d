import { isMap, isSeq, type Document, type Node } from 'yaml';
import {
  editYaml, lineOfNode, resolveAlias, resolveYamlPath, tryParseImageReference, type YamlEdit, type YamlFile, type YamlPath,
} from '@ferry/manifest-model';
import { findValuesPlaces, valuesEdits, type ValuesRoot } from './helm-values.js';
import { applyChangeToReference, namesImage } from './image-change.js';
import type { Candidate, Rewriter } from './types.js';
import { fieldsOf, scalarText } from './yaml-nodes.js';

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, YamlPath> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
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
 * Kubernetes manifests: files whose documents carry `apiVersion` and `kind`. The `image` of every
 * container, init container and ephemeral container in every pod template is an occurrence,
 * including objects inside a `List`, and so is every image in the inline Helm values of a Flux
 * HelmRelease (`spec.values`) or an Argo CD Application (`spec.source.helm.valuesObject`).
 */
export const manifestsRewriter: Rewriter = {
  kind: 'manifests',
  extract(file) {
    if (!file.documents.some((doc) => isObject(doc, resolveAlias(doc, doc.contents)))) return null;
    const { containers, valuesRoots } = findImages(file);
    return [...containers, ...findValuesPlaces(file, valuesRoots).map((p) => p.candidate)].sort((a, b) => a.line - b.line);
  },
  update(file, change) {
    const { containers, valuesRoots } = findImages(file);
    const edits: YamlEdit[] = containers
      .filter((c) => namesImage(c.names[0], change))
      .map((c): YamlEdit => ({ op: 'set', document: c.document, path: c.yamlPath, value: applyChangeToReference(tryParseImageReference(c.reference)!, change) }));
    edits.push(...valuesEdits(findValuesPlaces(file, valuesRoots), change));
    return editYaml(file, edits);
  },
};

function isObject(doc: Document.Parsed, node: Node | null): boolean {
  if (!isMap(node)) return false;
  const fields = fieldsOf(doc, node);
  return fields.has('apiVersion') && fields.has('kind');
}

function findImages(file: YamlFile): { containers: Candidate[]; valuesRoots: ValuesRoot[] } {
  const found: Candidate[] = [];
  const valuesRoots: ValuesRoot[] = [];
  file.documents.forEach((doc, document) => {
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
      for (const inline of INLINE_VALUES) {
        if (inline.kind !== kind || !apiVersion.startsWith(inline.apiVersion)) continue;
        for (const valuesPath of inline.paths) {
          if (isMap(resolveYamlPath(doc, [...path, ...valuesPath]))) valuesRoots.push({ document, path: [...path, ...valuesPath] });
        }
      }
      const specPath = POD_SPEC_PATHS[kind];
      if (!specPath) return;
      const spec = resolveYamlPath(doc, [...path, ...specPath]);
      if (!isMap(spec)) return;
      const specFields = fieldsOf(doc, spec);
      for (const list of CONTAINER_LISTS) {
        const containers = specFields.get(list);
        if (!isSeq(containers)) continue;
        containers.items.forEach((item, i) => {
          const container = resolveAlias(doc, item);
          if (!isMap(container)) return;
          const imageNode = fieldsOf(doc, container).get('image');
          const reference = scalarText(file, imageNode);
          const ref = reference === undefined ? undefined : tryParseImageReference(reference);
          if (!ref || !imageNode || reference === undefined) return;
          const candidate: Candidate = {
            path: file.file,
            line: lineOfNode(file, imageNode),
            yamlPath: [...path, ...specPath, list, i, 'image'],
            reference,
            document,
            names: [ref.name],
          };
          if (ref.tag !== undefined) candidate.tag = ref.tag;
          if (ref.digest !== undefined) candidate.digest = ref.digest;
          found.push(candidate);
        });
      }
    };
    visitObject(resolveAlias(doc, doc.contents), [], 0);
  });
  return { containers: found, valuesRoots };
}
