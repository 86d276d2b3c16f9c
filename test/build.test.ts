import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build, type Compile } from '../scripts/build.js';

// `npm start` runs scripts/build.ts first: it must compile on a first start and after a change to what the build
// reads, and skip the compiler on a restart of an unchanged checkout (issue: a restart took 28 s, all of it tsc).
// The compiler is replaced by one that writes a marker, so the test checks the decision, not TypeScript.

let root: string;
let compiled: number;
const compile: Compile = (_root, outDir) => {
  compiled++;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'cli.js'), `// build ${compiled}\n`);
  return true;
};

function write(path: string, text: string) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lantern-build-'));
  compiled = 0;
  write('src/cli.ts', 'export {};\n');
  write('src/core/a.ts', 'export const a = 1;\n');
  write('tsconfig.json', '{}\n');
  write('package-lock.json', '{}\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('building before start', () => {
  it('compiles on the first start and not on a restart with nothing changed', () => {
    expect(build(root, { compile })).toBe('built');
    expect(build(root, { compile })).toBe('up to date');
    expect(build(root, { compile })).toBe('up to date');
    expect(compiled).toBe(1);
    expect(readFileSync(join(root, 'dist/cli.js'), 'utf8')).toBe('// build 1\n');
  });

  it('compiles again when a source is edited, added or removed, or the lock file changes', () => {
    build(root, { compile });
    const later = new Date(Date.now() + 5_000);
    writeFileSync(join(root, 'src/core/a.ts'), 'export const a = 2;\n');
    utimesSync(join(root, 'src/core/a.ts'), later, later);
    expect(build(root, { compile })).toBe('built');
    write('src/core/b.ts', 'export const b = 1;\n');
    expect(build(root, { compile })).toBe('built');
    rmSync(join(root, 'src/core/b.ts'));
    expect(build(root, { compile })).toBe('built');
    write('package-lock.json', '{ "changed": true }\n');
    expect(build(root, { compile })).toBe('built');
    expect(compiled).toBe(5);
  });

  it('ignores test files, which the build does not compile', () => {
    build(root, { compile });
    write('src/core/a.test.ts', 'export {};\n');
    expect(build(root, { compile })).toBe('up to date');
  });

  it('compiles when forced (npm run build) or when dist/ lost its entry point', () => {
    build(root, { compile });
    expect(build(root, { compile, force: true })).toBe('built');
    rmSync(join(root, 'dist/cli.js'));
    expect(build(root, { compile })).toBe('built');
    expect(compiled).toBe(3);
  });

  it('leaves the previous dist/ in place when the compiler fails', () => {
    build(root, { compile });
    write('src/core/a.ts', 'export const a = ;\n');
    expect(() => build(root, { compile: () => false })).toThrow(/build failed/);
    expect(readFileSync(join(root, 'dist/cli.js'), 'utf8')).toBe('// build 1\n');
    expect(existsSync(join(root, `dist.building-${process.pid}`))).toBe(false);
    expect(build(root, { compile })).toBe('built');
  });
});
