// Runs the real kubectl against a kubeconfig. Asynchronous on purpose: the apiserver may live in this
// same process tree, and a test must never block the event loop on a child.
import { execFile } from 'node:child_process';
import { kubectlPath } from '../binaries.js';

export interface KubectlResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunKubectlOptions {
  /** Written to kubectl's stdin (for `apply -f -`). */
  input?: string;
  timeoutMs?: number;
}

/** Runs kubectl; resolves with its output whatever the exit code (check `exitCode`). */
export function runKubectl(kubeconfigPath: string, args: string[], options: RunKubectlOptions = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      kubectlPath(),
      [`--kubeconfig=${kubeconfigPath}`, ...args],
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ stdout, stderr, exitCode: error ? Number(error.code) : 0 });
      },
    );
    // kubectl may exit before reading its stdin; that EPIPE is no failure (its exit code tells).
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/** Runs kubectl and rejects unless it exits 0; resolves with stdout. */
export async function kubectl(kubeconfigPath: string, args: string[], options: RunKubectlOptions = {}): Promise<string> {
  const result = await runKubectl(kubeconfigPath, args, options);
  if (result.exitCode !== 0) {
    throw new Error(`kubectl ${args.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/**
 * Waits until the CustomResourceDefinition `name` is Established. Not `kubectl wait
 * --for=condition=Established`: a CRD read right after its creation has `status.conditions: null`,
 * and kubectl fails at once on that ("conditions accessor error") instead of waiting.
 */
export async function waitForCrd(kubeconfigPath: string, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await runKubectl(kubeconfigPath, ['get', 'crd', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']);
    if (result.exitCode === 0 && result.stdout.trim() === 'True') return;
    if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within ${timeoutMs / 1000} s: ${result.stderr.trim() || result.stdout.trim() || 'no condition yet'}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
