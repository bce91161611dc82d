// Finds repositories on disk and keeps the emulator's records for them.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { BareRepo } from './bare-repo.js';
import { repoKey, type EmulatorState, type RepoRecord } from './emulator-state.js';
import { notFound } from './http-kit.js';

export class RepoStore {
  readonly state: EmulatorState = { repos: new Map() };
  private nextId = 1000;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly reposRoot: string) {}

  newId(): number {
    return this.nextId++;
  }

  bare(repo: { owner: string; name: string }): BareRepo {
    return new BareRepo(join(this.reposRoot, repo.owner, `${repo.name}.git`));
  }

  /** The record for a repository that exists on disk, created on first sight; null otherwise. */
  async find(owner: string, name: string): Promise<RepoRecord | null> {
    // Names come from URLs: keep them inside reposRoot.
    if (![owner, name].every((part) => /^[A-Za-z0-9_.-]+$/.test(part) && part !== '.' && part !== '..')) return null;
    const key = repoKey(owner, name);
    const known = this.state.repos.get(key);
    if (known) return known;
    try {
      await access(join(this.reposRoot, owner, `${name}.git`, 'HEAD'));
    } catch {
      return null;
    }
    const record: RepoRecord = {
      owner,
      name,
      id: this.newId(),
      createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      nextNumber: 1,
      pulls: [],
      statuses: [],
      checkRuns: [],
      labels: new Map(),
      protection: new Map(),
      allowAutoMerge: true,
    };
    this.state.repos.set(key, record);
    return record;
  }

  async get(owner: string, name: string): Promise<RepoRecord> {
    const repo = await this.find(owner, name);
    if (!repo) throw notFound('https://docs.github.com/rest/repos/repos#get-a-repository');
    return repo;
  }

  async defaultBranch(repo: RepoRecord): Promise<string> {
    const r = await this.bare(repo).run(['symbolic-ref', '--short', 'HEAD']);
    return r.code === 0 ? r.stdout.trim() : 'main';
  }

  /** Runs `fn` with no other locked operation on the same repository in between (merges, ref updates). */
  async withLock<T>(repo: RepoRecord, fn: () => Promise<T>): Promise<T> {
    const key = repoKey(repo.owner, repo.name);
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }
}

export function isoNow(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}
