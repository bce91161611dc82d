export { FerryError, redactSecrets } from './errors.js';
export type { FerryErrorOptions, SourceLocation } from './errors.js';
export {
  FerryConfig, Environment, App, AppEnvironment, Policy, Hold, TargetFile, MergeMethod, PushMode, ForgeName,
  parseFerryConfig, resolveAppEnvironment, buildFerryConfigJsonSchema,
} from './config/ferry-config.js';
export type { ResolvedAppEnvironment, ResolvedTargetFile } from './config/ferry-config.js';
export { ORDER_KINDS, MAX_ORDERED_TAG_LENGTH, explainInvalidOrderPattern, extractOrderNumber, isValidOrderPattern } from './config/version-order.js';
export type { OrderKind, VersionOrder } from './config/version-order.js';
export {
  DEFAULT_REGISTRY, assertValidDigest, assertValidTag, explainInvalidDigest, explainInvalidReference, explainInvalidTag,
  formatImageReference, isSameRepository, isValidDigest, isValidTag, normalizeRepository, parseImageReference,
  tryParseImageReference,
} from './image-reference.js';
export type { ImageReference } from './image-reference.js';
export {
  formatYamlPath, getMapEntry, keyText, lineOfNode, mapEntries, parseYamlFile, physicalPaths, resolveAlias, resolveYamlPath,
} from './yaml-file.js';
export type { MapEntry, NodePlace, YamlFile, YamlPath } from './yaml-file.js';
export { canWritePlain, formatDoubleQuoted, formatScalarLike, formatSingleQuoted, isAmbiguousPlainScalar } from './yaml-scalar.js';
export type { ScalarStyle } from './yaml-scalar.js';
export { editYaml } from './yaml-edit.js';
export type { YamlChange, YamlEdit, YamlEditResult } from './yaml-edit.js';
export { formatIdentity, identityKey, identityOf, parseIdentityKey } from './kubernetes-object.js';
export type { KubernetesObjectLike, ObjectIdentity } from './kubernetes-object.js';
export { APPLY_ORDER_TIERS, applyOrderTier, sortForApply, sortForDelete } from './apply-order.js';
export { ConditionReason, ConditionType, isPositivePolarity } from './conditions.js';
export type { Condition, ConditionStatus } from './conditions.js';
export { findComplexKey, findDuplicateKey } from './yaml-duplicate-keys.js';
export type { DuplicateKey } from './yaml-duplicate-keys.js';
export { findBadCharacter } from './text-characters.js';
export type { CharacterProblem } from './text-characters.js';
export { checkClusterName, formatStatusContext, giteaApiBase, parseStatusContext } from './status-context.js';
export { isDuration, parseDuration } from './duration.js';
