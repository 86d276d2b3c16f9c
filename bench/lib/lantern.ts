import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileArgs, runCommand, startNode, type Server } from './proc.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** How the real Lantern is started for the benchmarks that need a server. */
export interface LanternCommand {
  /** Arguments to the project's node. */
  args: string[];
  /** What the report says was run. */
  label: string;
  /** Set when the built server could not be used, saying why. */
  warning?: string;
}

let resolved: Promise<LanternCommand> | undefined;

/**
 * Builds Lantern (`npm run build`) and returns `node dist/cli.js start`. If the build fails, falls back to
 * bench/servers/lantern.ts (the same start-up as `lantern start`, through buildLantern, run from source with tsx)
 * and says so, so a half-finished capability elsewhere does not stop the measurements.
 */
/**
 * The V8 flags an npm script gives Node (package.json): `start` for the web server with its inline worker, `worker`
 * for the separate sending worker. The benchmarks run Lantern exactly as an admin does.
 */
export function startNodeFlags(script: 'start' | 'worker' = 'start'): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = (pkg.scripts[script] ?? '').split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('dist/cli.js'));
}

export function lanternCommand(): Promise<LanternCommand> {
  resolved ??= (async () => {
    const build = await runCommand('npm', ['run', 'build'], { cwd: repoRoot, timeoutMs: 180_000 });
    if (build.code === 0 && existsSync(join(repoRoot, 'dist/cli.js'))) {
      const flags = startNodeFlags();
      return {
        args: [...flags, 'dist/cli.js', 'start'],
        label: `node ${[...flags, ''].join(' ')}dist/cli.js start (built by npm run build in ${(build.ms / 1000).toFixed(1)} s)`,
      };
    }
    const firstError =
      `${build.stdout}\n${build.stderr}`
        .split('\n')
        .find((l) => /error/i.test(l))
        ?.trim() ?? `exit code ${build.code}`;
    return {
      args: ['--import', 'tsx', 'bench/servers/lantern.ts'],
      label: 'node --import tsx bench/servers/lantern.ts (buildLantern from source)',
      warning: `npm run build failed (${firstError}); measuring the same code from source instead of dist/`,
    };
  })();
  return resolved;
}

// Every variable Lantern reads (src/core/config.ts); the bench's own environment must not leak into the server.
export const LANTERN_VARS = /^(PORT|HOST|BASE_URL|DATABASE_URL|SMTP_URL|MAIL_FROM|DKIM_.*|METRICS_TOKEN|TRUST_PROXY|LOG_LEVEL|LANTERN_.*)$/;

/** The bench's environment without any variable Lantern reads: the start of a server's environment. */
export function envWithoutLanternVars(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !LANTERN_VARS.test(k)));
}

/** Starts the real Lantern on a SQLite data dir with Lantern's defaults (demo content, inline worker, info logs). */
export async function startLantern(o: { dataDir: string; port: number; logFile: string }): Promise<Server> {
  const cmd = await lanternCommand();
  const env = envWithoutLanternVars();
  Object.assign(env, { LANTERN_DATA_DIR: o.dataDir, PORT: String(o.port), HOST: '127.0.0.1' });
  return startNode({ args: [...profileArgs(), ...cmd.args], env, cwd: repoRoot, logFile: o.logFile });
}
