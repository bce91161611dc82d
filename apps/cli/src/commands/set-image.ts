import { chmodSync, lstatSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { FerryError, tryParseImageReference } from '@ferry/manifest-model';
import { MAX_EDITABLE_BYTES, planSetImage, type FileInput, type ImageChange, type SetImagePlan } from '@ferry/promoter';
import { ExitCode, UsageError, type CliIo, type Command } from '../command.js';
import { describeError } from '../describe-error.js';
import { booleanFlag, parseFlags, stringFlag, type FlagOptions } from '../parse-flags.js';

const HELP = `Usage: ferry set-image [--check] [--json] --image NAME[:TAG][@DIGEST] [--tag TAG]
                       [--digest DIGEST] [--new-name NAME] [--key DOTTED.PATH] FILE...
       ferry set-image [--check] [--json] --image NAME:TAG[@DIGEST] --image NAME:TAG[@DIGEST]... FILE...

Sets the tag, digest and/or name of a container image in Helm values files, kustomization.yaml
images[] and Kubernetes manifests, changing only the bytes of the values it sets: comments,
quoting, anchors, indentation, line endings and key order stay as they are.

Flags:
  --image NAME[:TAG][@DIGEST]  the image to find (required); "nginx" also matches
                               docker.io/library/nginx, never acme/nginx-worker. A tag or digest
                               written here is the new tag or digest. Repeat it to set several
                               images in one all-or-nothing edit (each with its tag/digest written
                               in; --tag, --digest, --new-name and --key then do not apply).
                               Every image must be found, or nothing is written.
  --tag TAG                    the new tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})
  --digest DIGEST              the new digest (sha256: and 64 hex digits). With a tag, the result
                               is NAME:TAG@DIGEST; a tag alone drops a stale digest, a digest alone
                               drops the tag (as kustomize edit set image does). A tag key holding
                               TAG@DIGEST (tag: 1.2.3@sha256:..., newTag too) keeps that form: a
                               digest alone changes just the pin, a tag alone is refused (exit 2).
  --new-name NAME              also change the image name (registry/repository); a place already
                               at the new name counts as found, so running it again changes nothing
  --key DOTTED.PATH            change only this value (e.g. image.tag, app.containers.0.image;
                               numbers index lists, \\. escapes a dot): a reference to the image is
                               rewritten, anything else is set to the tag. A path that is not in a
                               file is created there with the tag (and the mappings on the way),
                               and the output says "created"
  --check                      write nothing; exit 1 if a change is needed
  --json                       print one JSON document describing every file, occurrence and change
  -h, --help                   show this help

File kinds (detected per file):
  kustomization   named kustomization.yaml/.yml/Kustomization, or kind: Kustomization/Component
                  (kustomize.config.k8s.io): images[] entry by name gets newTag/digest/newName;
                  an entry is added when none matches
  manifests       documents with apiVersion and kind: in every pod spec of any kind (Deployment,
                  CronJob, Argo Rollout, Knative Service, ..., items of a List) the image of
                  containers, initContainers and ephemeralContainers and volumes[].image.reference;
                  the inline values of a Flux HelmRelease and an Argo CD Application as
                  helm-values. A file that names the image only elsewhere (a ConfigMap value, a
                  field of an unknown kind) is an error with its file and line (exit 2)
  helm-values     anything else: mappings with repository (+ registry) get their tag, or version
                  in charts without a tag key (and digest, when that key exists); any string
                  NAME:TAG / NAME@DIGEST of the image is rewritten

Output: one line per change, FILE:LINE: old -> new ("(created PATH)" after a created --key path).

Exit codes:
  0  done: changed, or already at target (then no file is written at all)
  1  --check: a change is needed (nothing written)
  2  bad input: usage, a missing or unreadable file, invalid YAML, an invalid image reference,
     tag or digest (message on stderr with file and line; nothing written)
  3  an image was not found in any file (nothing written)

Several files are all-or-nothing: an error in one writes none.

Examples:
  ferry set-image --image ghcr.io/acme/web --tag 1.4.2 envs/prod/values.yaml
  ferry set-image --image ghcr.io/acme/web:1.4.2@sha256:<64 hex> overlays/prod/kustomization.yaml
  ferry set-image --check --image nginx --tag 1.27 k8s/*.yaml
  ferry set-image --image acme/api --tag 2.0.0 --key api.image.version values.yaml
  ferry set-image --image ghcr.io/acme/web:1.4.2 --image ghcr.io/acme/worker:1.4.2 envs/prod/*.yaml
`;

const FLAGS: FlagOptions = {
  image: { type: 'string', multiple: true },
  tag: { type: 'string' },
  digest: { type: 'string' },
  'new-name': { type: 'string' },
  key: { type: 'string' },
  check: { type: 'boolean' },
  json: { type: 'boolean' },
};

export const setImageCommand: Command = {
  name: 'set-image',
  summary: 'set an image tag/digest in Helm values, kustomizations and manifests, keeping the files as written',
  help: HELP,
  run: runSetImage,
};

async function runSetImage(args: string[], io: CliIo): Promise<number> {
  let json = args.includes('--json');
  try {
    const flags = parseFlags('set-image', args, FLAGS);
    const positionals = flags.positionals;
    json = booleanFlag(flags, 'json');
    const images = (flags.values.image as string[] | undefined) ?? [];
    if (images.length === 0) throw new UsageError('--image is required', 'e.g. --image ghcr.io/acme/web --tag 1.2.3');
    if (positionals.length === 0) throw new UsageError('no FILE given', 'list the values, kustomization or manifest files to edit');
    const changes: ImageChange[] = images.map((image) => ({ image }));
    const optional = { tag: 'tag', digest: 'digest', newName: 'new-name', key: 'key' } as const;
    for (const [field, flag] of Object.entries(optional)) {
      const value = stringFlag(flags, flag);
      if (value === undefined) continue;
      if (changes.length > 1) {
        throw new UsageError(`--${flag} applies to one image, and ${changes.length} --image flags are given`, 'write each tag and digest into its --image (NAME:TAG@DIGEST), or run once per image');
      }
      changes[0]![field as keyof typeof optional] = value;
    }
    const files = readInputs(positionals, io.cwd);
    const plan = planSetImage(files, changes);
    const check = booleanFlag(flags, 'check');
    let exit: number = ExitCode.Ok;
    if (!plan.found) exit = ExitCode.NotFound;
    else if (plan.changed && check) exit = ExitCode.ChangeNeeded;
    const written = exit === ExitCode.Ok && plan.changed;
    if (written) writeAll(plan, io.cwd);
    if (json) io.stdout.write(`${JSON.stringify(jsonReport(changes, plan, { check, written, exit }), null, 2)}\n`);
    else writeText(io, changes, plan, positionals, { check, written });
    if (exit === ExitCode.NotFound) {
      const what = plan.notFound.length === 1 ? `image ${plan.notFound[0]}` : `images ${plan.notFound.join(', ')}`;
      io.stderr.write(`ferry set-image: ${what} not found in ${positionals.join(', ')}; nothing written\n`);
    }
    return exit;
  } catch (err) {
    if (json && err instanceof FerryError) io.stdout.write(`${JSON.stringify({ ok: false, error: errorJson(err) }, null, 2)}\n`);
    io.stderr.write(`ferry set-image: ${describeError(err)}\n`);
    return ExitCode.BadInput;
  }
}

function readInputs(paths: string[], cwd: string): FileInput[] {
  const seen = new Set<string>();
  const files: FileInput[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    if (seen.has(absolute)) continue;
    seen.add(absolute);
    files.push({ path, content: readInput(path, absolute) });
  }
  return files;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A regular UTF-8 text file of at most MAX_EDITABLE_BYTES. A symbolic link is refused: writing
 * replaces the file, which would turn the link into a copy (or edit a file outside the checkout).
 */
function readInput(path: string, absolute: string): string {
  const unreadable = (reason: string, hint: string, cause?: unknown): FerryError =>
    new FerryError('input.file-unreadable', `cannot read ${path}: ${reason}`, { file: path, hint, ...(cause ? { cause } : {}) });
  let bytes: Buffer;
  try {
    const link = lstatSync(absolute);
    if (link.isSymbolicLink()) {
      throw new FerryError('input.symlink', `${path} is a symbolic link (to ${readlinkSync(absolute)}); ferry set-image edits regular files only`, {
        file: path, hint: 'pass the file the link points to, if that is the one to edit',
      });
    }
    if (link.isDirectory()) throw unreadable('it is a directory', 'list the YAML files in it (e.g. dir/*.yaml)');
    if (!link.isFile()) throw unreadable('it is not a regular file', 'pass a values, kustomization or manifest file');
    if (link.size > MAX_EDITABLE_BYTES) {
      throw new FerryError('input.file-too-large', `${path} is ${(link.size / 1024 / 1024).toFixed(1)} MiB; Ferry edits files up to ${MAX_EDITABLE_BYTES / 1024 / 1024} MiB`, {
        file: path, hint: 'point Ferry at the file that holds the image',
      });
    }
    bytes = readFileSync(absolute);
  } catch (err) {
    if (err instanceof FerryError) throw err;
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw unreadable(reason, 'check the path (relative paths start at the current directory)', err);
  }
  try {
    return strictUtf8.decode(bytes);
  } catch (err) {
    const text = bytes.toString('utf8');
    const at = text.indexOf('\uFFFD');
    const line = at < 0 ? undefined : text.slice(0, at).split('\n').length;
    throw new FerryError('input.not-text', `cannot edit ${path}: it is not valid UTF-8${line ? ` (line ${line})` : ''}`, {
      file: path, ...(line ? { line } : {}), cause: err,
      hint: 'save the file as UTF-8; Ferry would otherwise change the bytes it cannot read when writing the file back',
    });
  }
}

/**
 * Writes every changed file or none: all new contents go to temporary files beside their targets
 * first (keeping the file mode), and only when all of them are written are they renamed over the
 * originals.
 */
function writeAll(plan: SetImagePlan, cwd: string): void {
  const staged: { temp: string; target: string }[] = [];
  try {
    for (const file of plan.files) {
      if (file.newContent === null) continue;
      const target = resolve(cwd, file.path);
      const temp = join(dirname(target), `.${basename(target)}.ferry-${process.pid}.tmp`);
      writeFileSync(temp, file.newContent, { flag: 'wx' });
      staged.push({ temp, target });
      chmodSync(temp, statSync(target).mode & 0o7777);
    }
  } catch (err) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    throw new FerryError('output.write-failed', `could not write the edited files (${(err as Error).message}); nothing was changed`, { cause: err });
  }
  for (const { temp, target } of staged) renameSync(temp, target);
}

function show(value: string): string {
  return value === '' ? '""' : value;
}

function writeText(io: CliIo, changes: ImageChange[], plan: SetImagePlan, paths: string[], state: { check: boolean; written: boolean }): void {
  for (const file of plan.files) {
    for (const c of file.changes) {
      const created = c.created ? ` (created ${c.yamlPath.map((step) => String(step).replace(/\./g, '\\.')).join('.')})` : '';
      io.stdout.write(`${file.path}:${c.line}: ${show(c.old)} -> ${show(c.new)}${created}\n`);
    }
  }
  if (!plan.found) return;
  if (!plan.changed) {
    const count = plan.files.reduce((n, f) => n + f.occurrences.length, 0);
    const where = `(${count} occurrence${count === 1 ? '' : 's'} in ${paths.length} file${paths.length === 1 ? '' : 's'}); no file written`;
    if (changes.length > 1) {
      io.stdout.write(`nothing to change: ${changes.map((c) => c.image).join(', ')} are already at target ${where}\n`);
      return;
    }
    const change = changes[0]!;
    const ref = tryParseImageReference(change.image);
    const target = [change.newName, change.tag ?? ref?.tag, change.digest ?? ref?.digest].filter(Boolean).join(' ');
    io.stdout.write(`nothing to change: ${change.image} is already at ${target || 'target'} ${where}\n`);
  } else if (state.check) {
    io.stdout.write('change needed (--check): nothing written\n');
  }
}

function jsonReport(changes: ImageChange[], plan: SetImagePlan, state: { check: boolean; written: boolean; exit: number }) {
  return {
    ok: true,
    exitCode: state.exit,
    // `change` for one --image (as before); `images` always lists every requested change.
    ...(changes.length === 1 ? { change: changes[0] } : {}),
    images: changes,
    check: state.check,
    found: plan.found,
    notFound: plan.notFound,
    changed: plan.changed,
    written: state.written,
    files: plan.files.map((f) => ({ path: f.path, kind: f.kind, changed: f.newContent !== null, occurrences: f.occurrences, changes: f.changes })),
  };
}

function errorJson(err: FerryError) {
  return { code: err.code, message: err.message, file: err.file, line: err.line, column: err.column, hint: err.hint };
}
