import { promises as fsp } from 'node:fs';
import type { PromiseFsClient } from 'isomorphic-git';

/**
 * node:fs for isomorphic-git while it reads many objects of one git directory in a row (the files
 * of a revision). For every blob isomorphic-git stats the git directory, probes the blob's loose
 * object path (a failed open), lists objects/pack and tests whether the fs returns promises (by
 * calling readFile with no path, an error Node builds with a stack): four file-system round trips
 * and two thrown errors per file, most of the time of reading 1,000 manifests. Here the git
 * directory's stat, the pack listing and each loose-object directory listing are read once, a
 * loose object that is not there fails at once, and the promise test costs nothing.
 *
 * Only for reads of objects that are already present (after fetchCommit): a pack written while
 * this is in use is not seen, which cannot hide an object the read needs.
 */
export function createGitReadFs(gitdir: string): PromiseFsClient {
  const once = new Map<string, Promise<unknown>>();
  const memo = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    let value = once.get(key) as Promise<T> | undefined;
    if (!value) {
      value = load();
      once.set(key, value);
    }
    return value;
  };
  const objectsDir = `${gitdir}/objects/`;
  const packDir = `${gitdir}/objects/pack`;
  const noPath = Object.assign(new Error('no path'), { code: 'EINVAL' });
  const notFound = (path: string) => Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT', errno: -2, syscall: 'open', path });
  const listing = (dir: string) => memo(`readdir:${dir}`, () => fsp.readdir(dir).then((names) => new Set(names), () => new Set<string>()));
  const promises = {
    async readFile(path: unknown, options?: unknown) {
      // isomorphic-git's "is this a promise fs?" probe.
      if (path === undefined) throw noPath;
      if (typeof path === 'string' && path.startsWith(objectsDir)) {
        const loose = /^([0-9a-f]{2})\/([0-9a-f]{38,62})$/.exec(path.slice(objectsDir.length));
        // objects/ itself is listed first: a fetched repository has few loose-object directories, often none.
        if (loose && !((await listing(`${gitdir}/objects`)).has(loose[1] as string) && (await listing(`${objectsDir}${loose[1]}`)).has(loose[2] as string))) throw notFound(path);
      }
      return fsp.readFile(path as string, options as undefined);
    },
    async readdir(path: string, options?: unknown) {
      if (path === packDir && options === undefined) return [...(await listing(packDir))];
      return fsp.readdir(path, options as undefined);
    },
    stat(path: string, options?: unknown) {
      if (path === gitdir) return memo(`stat:${path}`, () => fsp.stat(path));
      return fsp.stat(path, options as undefined);
    },
    lstat: fsp.lstat,
    readlink: fsp.readlink,
    writeFile: fsp.writeFile,
    mkdir: fsp.mkdir,
    rmdir: fsp.rmdir,
    unlink: fsp.unlink,
    symlink: fsp.symlink,
    rm: fsp.rm,
  };
  return { promises };
}
