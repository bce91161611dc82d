import * as fs from 'node:fs';
import git from 'isomorphic-git';

export interface ReadAtCommitOptions {
  gitdir: string;
  commit: string;
  /** isomorphic-git's parsed-object cache, shared by the reads of one repository. */
  cache?: object;
}

/**
 * The bytes of the file at `path` in `commit`, read from the object store (no work tree); null when
 * the commit has no such path. An object missing from the store (a fetch that brought too little)
 * is not "no such file": it throws.
 */
export async function readFileAtCommit(options: ReadAtCommitOptions & { path: string }): Promise<Uint8Array | null> {
  try {
    return (await git.readBlob({ fs, gitdir: options.gitdir, oid: options.commit, filepath: options.path, ...(options.cache ? { cache: options.cache } : {}) })).blob;
  } catch (error) {
    // NotFoundError names "<commit>:<path>" for a missing path, a bare id for a missing object.
    const e = error as { code?: string; data?: { what?: string } };
    if (e.code === 'NotFoundError' && e.data?.what?.includes(':')) return null;
    throw error;
  }
}

/**
 * The raw content of object `oid` as stored (for a commit: headers, signature and message, as a
 * signature check needs them; isomorphic-git's own `payload` is wrong for SSH signatures).
 */
export async function readRawObject(options: { gitdir: string; oid: string; cache?: object }): Promise<{ type: string; text: string }> {
  const raw = await git.readObject({ fs, gitdir: options.gitdir, oid: options.oid, format: 'content', ...(options.cache ? { cache: options.cache } : {}) });
  return { type: raw.type, text: Buffer.from(raw.object as Uint8Array).toString('utf8') };
}
