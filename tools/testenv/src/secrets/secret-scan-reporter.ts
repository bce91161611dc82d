// A vitest reporter that scans everything the tests print (console output of every test, hook and
// module, in the worker) and every error they end with (failed assertions, unhandled errors) for
// secrets, and fails the run when it finds one. Listed in vitest.config.ts after 'default'.
// Output that bypasses the console (child processes with inherited stdio, direct writes to fd 1/2)
// never reaches a reporter; tests that capture such output scan it with expectNoSecrets.
import type { UserConsoleLog } from 'vitest';
import type { Reporter, TestModule, TestRunEndReason, Vitest } from 'vitest/node';
import { findSecrets, type SecretFinding } from './find-secrets.js';

interface Leak {
  where: string;
  source: string;
  finding: SecretFinding;
}

interface ErrorLike {
  message?: string;
  stack?: string;
  diff?: string;
  name?: string;
}

export default class SecretScanReporter implements Reporter {
  private vitest: Vitest | undefined;
  private leaks: Leak[] = [];
  private writes = 0;
  private bytes = 0;
  private errors = 0;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunStart(): void {
    this.leaks = [];
    this.writes = 0;
    this.bytes = 0;
    this.errors = 0;
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    this.writes++;
    this.bytes += log.content.length;
    for (const finding of findSecrets(log.content)) this.leaks.push({ where: this.describeTask(log.taskId), source: `console ${log.type}`, finding });
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>, _reason: TestRunEndReason): void {
    for (const module of modules) {
      this.scanErrors(module.errors(), module.moduleId, 'module error');
      for (const test of module.children.allTests()) this.scanErrors(test.result().errors ?? [], `${module.moduleId} > ${test.fullName}`, 'test error');
    }
    this.scanErrors(unhandledErrors, 'the run', 'unhandled error');
    const scanned = `${this.writes} console writes (${(this.bytes / 1024).toFixed(0)} KiB) and ${this.errors} errors`;
    if (this.leaks.length === 0) {
      process.stdout.write(`\n secret scan: ${scanned} scanned, no secrets\n`);
      return;
    }
    const lines = this.leaks.slice(0, 50).map((l) => `  ${l.where} (${l.source}) ${l.finding.kind}: ${l.finding.excerpt}`);
    if (this.leaks.length > 50) lines.push(`  ... and ${this.leaks.length - 50} more`);
    process.stderr.write(`\n SECRET SCAN FAILED: ${this.leaks.length} secret(s) in test output (${scanned} scanned):\n${lines.join('\n')}\n\n`);
    process.exitCode = 1;
  }

  private scanErrors(errors: ReadonlyArray<unknown>, where: string, source: string): void {
    for (const error of errors) {
      this.errors++;
      const e = (error ?? {}) as ErrorLike;
      const text = [e.name, e.message, e.stack, e.diff].filter((p) => typeof p === 'string').join('\n');
      for (const finding of findSecrets(text)) this.leaks.push({ where, source, finding });
    }
  }

  private describeTask(taskId: string | undefined): string {
    if (taskId === undefined || this.vitest === undefined) return '(outside any test)';
    const entity = this.vitest.state.getReportedEntityById(taskId);
    if (entity === undefined) return `(task ${taskId})`;
    return entity.type === 'module' ? entity.moduleId : `${entity.module.moduleId} > ${entity.fullName}`;
  }
}
