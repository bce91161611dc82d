import { FerryError } from './errors.js';

/**
 * Container image references per the distribution reference grammar
 * (github.com/distribution/reference): `[host[:port]/]path[:tag][@digest]`, with Docker's
 * normalisation (`nginx` = `docker.io/library/nginx`). Every parsed reference keeps the name as
 * the user wrote it, so a rewrite can put a short name back as a short name.
 */
export interface ImageReference {
  /** The name exactly as written (`nginx`, `ghcr.io/acme/web`, `localhost:5000/x`). */
  name: string;
  /** Registry host (with port) as written, when the name carries one. */
  domain?: string;
  /** Repository path as written, without the domain (`nginx`, `acme/web`). */
  path: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_REGISTRY = 'docker.io';
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
const OFFICIAL_REPOSITORY_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})`;
const DOMAIN_RE = new RegExp(`^${HOST}(?::[0-9]+)?$`);
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]{32,})$/;
/** Registered algorithms have fixed, lower-case encodings (opencontainers/go-digest). */
const KNOWN_DIGEST_HEX: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
};

/** Why a tag is invalid, or undefined when it is valid. */
export function explainInvalidTag(tag: string): string | undefined {
  if (tag === '') return 'the tag is empty';
  if (tag.length > 128) return `the tag is ${tag.length} characters long; at most 128 are allowed`;
  if (!/^\w/.test(tag)) return `the tag must start with a letter, digit or "_", not "${tag[0]}"`;
  const bad = /[^\w.-]/.exec(tag);
  if (bad) return `the tag contains "${bad[0]}"; only letters, digits, "_", "." and "-" are allowed`;
  return TAG_RE.test(tag) ? undefined : 'the tag does not match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
}

/** Why a digest is invalid, or undefined when it is valid. */
export function explainInvalidDigest(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  if (colon < 0) return 'a digest is ALGORITHM:HEX, e.g. sha256: followed by 64 hex digits';
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const known = KNOWN_DIGEST_HEX[algorithm];
  if (known) {
    const want = algorithm === 'sha256' ? 64 : algorithm === 'sha384' ? 96 : 128;
    if (/[^0-9a-fA-F]/.test(hex)) return `the ${algorithm} digest contains a non-hex character`;
    if (hex.length !== want) return `a ${algorithm} digest has ${want} hex digits, this one has ${hex.length}`;
    if (!known.test(hex)) return `the ${algorithm} digest must be lower-case hex`;
    return undefined;
  }
  if (!DIGEST_RE.test(digest)) {
    return 'the digest does not match ALGORITHM:HEX (algorithm letters/digits, at least 32 hex digits)';
  }
  return undefined;
}

export function isValidTag(tag: string): boolean {
  return explainInvalidTag(tag) === undefined;
}

export function isValidDigest(digest: string): boolean {
  return explainInvalidDigest(digest) === undefined;
}

/** Throws `input.invalid-tag` unless the tag is valid. */
export function assertValidTag(tag: string): void {
  const why = explainInvalidTag(tag);
  if (why) throw new FerryError('input.invalid-tag', `invalid tag "${tag}": ${why}`, { hint: 'tags match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}' });
}

/** Throws `input.invalid-digest` unless the digest is valid. */
export function assertValidDigest(digest: string): void {
  const why = explainInvalidDigest(digest);
  if (why) throw new FerryError('input.invalid-digest', `invalid digest "${digest}": ${why}`, { hint: 'use sha256: followed by 64 lower-case hex digits' });
}

/** Why a reference is invalid, or undefined when it parses. */
export function explainInvalidReference(text: string): string | undefined {
  const result = readReference(text);
  return 'ref' in result ? undefined : result.message;
}

/** Parses a reference; throws FerryError `input.invalid-reference` (or `-tag`, `-digest`) saying what is wrong. */
export function parseImageReference(text: string): ImageReference {
  const result = readReference(text);
  if ('ref' in result) return result.ref;
  throw new FerryError(result.code, result.message, result.hint ? { hint: result.hint } : {});
}

/** Like parseImageReference, but returns undefined for text that is not a reference (cheap: no error objects). */
export function tryParseImageReference(text: string): ImageReference | undefined {
  const result = readReference(text);
  return 'ref' in result ? result.ref : undefined;
}

type ReadResult = { ref: ImageReference } | { code: string; message: string; hint?: string };

function readReference(text: string): ReadResult {
  const invalid = (why: string, hint?: string): ReadResult => ({
    code: 'input.invalid-reference', message: `invalid image reference "${text}": ${why}`, ...(hint ? { hint } : {}),
  });
  if (text === '') return invalid('it is empty');
  if (/\s/.test(text)) return invalid('it contains whitespace');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const why = explainInvalidDigest(digest);
    if (why) return { code: 'input.invalid-digest', message: `invalid digest in image reference "${text}": ${why}` };
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  // A colon after the last slash separates the tag; one before it belongs to host:port.
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    const why = explainInvalidTag(tag);
    if (why) return { code: 'input.invalid-tag', message: `invalid tag in image reference "${text}": ${why}` };
  }
  const name = rest;
  if (name === '') return invalid('the name is empty');
  if (name.length > NAME_TOTAL_LENGTH_MAX) return invalid(`the name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  const { domain, path } = splitDomain(name);
  if (domain !== undefined && !DOMAIN_RE.test(domain)) return invalid(`"${domain}" is not a valid registry host[:port]`);
  if (path === '') return invalid('the repository path is empty');
  if (!PATH_RE.test(path)) {
    if (/[A-Z]/.test(path)) return invalid(`repository "${path}" must be lower-case`, 'registries accept only lower-case repository names');
    return invalid(`repository "${path}" has an invalid path component`, 'components are lower-case letters and digits separated by ".", "_", "__" or "-"');
  }
  const ref: ImageReference = { name, path };
  if (domain !== undefined) ref.domain = domain;
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return { ref };
}

/**
 * Docker's rule: the first component is a registry when it has a "." or ":", is "localhost", or
 * has upper-case letters (repository paths are always lower-case).
 */
function splitDomain(name: string): { domain?: string; path: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { path: name };
  const first = name.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first) {
    return { domain: first, path: name.slice(slash + 1) };
  }
  return { path: name };
}

/** The fully qualified repository: `nginx` -> `docker.io/library/nginx`. */
export function normalizeRepository(name: string | ImageReference): string {
  const ref = typeof name === 'string' ? parseImageReference(name) : name;
  let domain = ref.domain ?? DEFAULT_REGISTRY;
  if (domain === LEGACY_DEFAULT_REGISTRY) domain = DEFAULT_REGISTRY;
  const path = domain === DEFAULT_REGISTRY && !ref.path.includes('/') ? OFFICIAL_REPOSITORY_PREFIX + ref.path : ref.path;
  return `${domain}/${path}`;
}

/** Whether two names denote the same repository (after normalisation; never a prefix match). */
export function isSameRepository(a: string | ImageReference, b: string | ImageReference): boolean {
  return normalizeRepository(a) === normalizeRepository(b);
}

/** `name[:tag][@digest]`, the name kept exactly as given. */
export function formatImageReference(ref: { name: string; tag?: string | undefined; digest?: string | undefined }): string {
  return `${ref.name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
