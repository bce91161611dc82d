import { FerryError, formatImageReference, type FerryConfig } from '@ferry/manifest-model';
import type { PromotionVersion } from './core/plan-promotion.js';
import type { ImageRegistry } from './ports.js';

/** `verifyImage` / `pinDigest` for one promotion: the app's setting, else its environment's. */
export interface RegistryCheck {
  verify: boolean;
  pinDigest: boolean;
}

/** What the registry said about the promoted version. */
export interface VerifiedImage {
  /** `name:tag` or `name@digest` as asked. */
  reference: string;
  /** The registry's digest for it: the image index's for a multi-arch image. */
  digest: string;
  mediaType: string;
  index: boolean;
  /** The digest was written beside the tag (`--pin-digest`). */
  pinned: boolean;
}

/**
 * ferry.yaml's settings for `app` (when named) in `env`. `pinDigest: true` implies `verifyImage` at
 * its level; the app's own value wins over the environment's (`verifyImage: false` on an app turns
 * both off for it).
 */
export function readRegistryCheck(config: FerryConfig | null, app: string | undefined, env: string): RegistryCheck {
  const environment = config?.environments[env];
  const appConfig = app !== undefined ? config?.apps[app] : undefined;
  const verifyAt = (level: { verifyImage?: boolean | undefined; pinDigest?: boolean | undefined } | undefined): boolean | undefined =>
    level?.verifyImage ?? (level?.pinDigest === true ? true : undefined);
  const verify = verifyAt(appConfig) ?? verifyAt(environment) ?? false;
  return { verify, pinDigest: verify && (appConfig?.pinDigest ?? environment?.pinDigest ?? false) };
}

export interface VerifyImageInput {
  registry: ImageRegistry | undefined;
  image: string;
  version: PromotionVersion;
  /** The flags (true forces the check on) and ferry.yaml's settings. */
  flags: { verifyImage?: boolean | undefined; pinDigest?: boolean | undefined };
  config: RegistryCheck;
  progress: (message: string) => void;
}

/**
 * Asks the registry, before anything is written, whether the version exists and what its digest
 * is. A missing tag is `target.image-not-found` (exit 3); a given digest the tag does not resolve to
 * is `refused.digest-mismatch` (exit 4); with pinning, the version carries the registry's digest.
 * Undefined when neither the flags nor ferry.yaml ask for it.
 */
export async function verifyImage(input: VerifyImageInput): Promise<{ version: PromotionVersion; verified: VerifiedImage } | undefined> {
  const pin = input.flags.pinDigest === true || input.config.pinDigest;
  if (!pin && input.flags.verifyImage !== true && !input.config.verify) return undefined;
  const setting = input.flags.pinDigest || input.flags.verifyImage ? (input.flags.pinDigest ? '--pin-digest' : '--verify-image') : `${pin ? 'pinDigest' : 'verifyImage'} in ferry.yaml`;
  if (!input.registry) throw new FerryError('input.missing', `${setting} needs access to the image registry, and none was configured`, { hint: 'pass an ImageRegistry (createRegistryClient) to promote(); nothing was pushed' });
  const { tag, digest } = input.version;
  const reference = tag ?? digest;
  if (reference === undefined) return undefined;
  const shown = formatImageReference({ name: input.image, tag, digest: tag === undefined ? digest : undefined });
  input.progress(`asking the registry for ${shown} (${setting})`);
  const found = await input.registry.resolveManifest(input.image, reference);
  if (!found.found) {
    throw new FerryError('target.image-not-found', `${shown} is not in the registry ${found.registry} (${found.detail})`, {
      hint: `push the image first, or check the ${tag !== undefined ? 'tag' : 'digest'}; nothing was pushed`,
    });
  }
  const kind = found.index ? 'image index (multi-arch)' : 'image manifest';
  if (tag !== undefined && digest !== undefined && digest !== found.digest) {
    throw new FerryError('refused.digest-mismatch', `${shown} is ${found.digest} in the registry ${found.registry} (${kind}), not the digest given, ${digest}`, {
      hint: `the tag was pushed again since, or the digest is another one's${found.index ? ' (a multi-arch tag names its index digest, not a platform\'s)' : ''}: promote the digest the registry holds, or drop the digest and use --pin-digest; nothing was pushed`,
    });
  }
  const pinned = pin && tag !== undefined && digest === undefined;
  input.progress(`the registry has ${shown} at ${found.digest} (${kind})${pinned ? '; pinning that digest beside the tag' : ''}`);
  return {
    version: pinned ? { ...input.version, digest: found.digest } : input.version,
    verified: { reference: shown, digest: found.digest, mediaType: found.mediaType, index: found.index, pinned },
  };
}
