// Builds dist/ from src/ with the TypeScript compiler, but only when a source has changed since the last build,
// so `npm start` on an unchanged checkout starts in about a second instead of compiling for 10–30 s each time.
//
//   node scripts/build.ts          build if anything the build reads has changed (what `npm start` runs first)
//   node scripts/build.ts --force  build whatever the stamp says (what `npm run build` runs)
//
// "Changed" is a fingerprint of every input's path, size and modification time (src/ without tests, the two
// tsconfig files and package-lock.json), kept in dist/.build-stamp after a build succeeds. A new, removed or
// edited file changes it. The compiler writes into a fresh folder that then replaces dist/, so a failed build
// leaves the previous dist/ in place and no stale module of a deleted source survives.
// Run by Node itself (type stripping), so it needs nothing beyond the project's Node.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STAMP = '.build-stamp';
const ROOT_INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const isTest = (name: string) => /\.test\.tsx?$/.test(name);

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile() && !isTest(entry.name)) out.push(path);
  }
}

/** The fingerprint of everything the build reads under `root`. */
export function fingerprint(root: string): string {
  const files: string[] = [];
  if (existsSync(join(root, 'src'))) walk(join(root, 'src'), files);
  for (const f of ROOT_INPUTS) if (existsSync(join(root, f))) files.push(join(root, f));
  const hash = createHash('sha256');
  for (const f of files.map((p) => relative(root, p)).sort()) {
    const s = statSync(join(root, f));
    hash.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** True when dist/ under `root` was built from exactly the inputs there now. */
export function isUpToDate(root: string): boolean {
  const stamp = join(root, 'dist', STAMP);
  if (!existsSync(stamp) || !existsSync(join(root, 'dist', 'cli.js'))) return false;
  return readFileSync(stamp, 'utf8').trim() === fingerprint(root);
}

/** Compiles into `outDir`; returns true on success. */
export type Compile = (root: string, outDir: string) => boolean;

const tsc: Compile = (root, outDir) => {
  const bin = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [bin, '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: root, stdio: 'inherit' });
  return r.status === 0;
};

/**
 * Builds dist/ under `root` unless it is up to date (or `force`). Returns what happened; throws if the compiler
 * failed, leaving the previous dist/ untouched.
 */
export function build(root: string, o: { force?: boolean; compile?: Compile } = {}): 'built' | 'up to date' {
  if (!o.force && isUpToDate(root)) return 'up to date';
  const before = fingerprint(root);
  const fresh = join(root, `dist.building-${process.pid}`);
  const old = join(root, `dist.old-${process.pid}`);
  rmSync(fresh, { recursive: true, force: true });
  if (!(o.compile ?? tsc)(root, fresh)) {
    rmSync(fresh, { recursive: true, force: true });
    throw new Error('the TypeScript build failed (see the errors above); dist/ was left as it was');
  }
  // Stamp what the compiler read: if a source changed while it ran, the next start builds again.
  writeFileSync(join(fresh, STAMP), `${before}\n`);
  const dist = join(root, 'dist');
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(fresh, dist);
  rmSync(old, { recursive: true, force: true });
  return 'built';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const force = process.argv.includes('--force');
  const t0 = performance.now();
  try {
    const result = build(root, { force });
    const took = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(result === 'built' ? `Built dist/ in ${took} s.` : 'dist/ is up to date with src/; not rebuilding.');
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  }
}
