import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A temporary folder, removed at cleanup. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `lantern-bench-${prefix}-`));
  onCleanup(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** With BENCH_CPU_PROF=<dir>, the servers and children under test write V8 CPU profiles there (node --cpu-prof). */
export function profileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Server {
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<string>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** Starts `node <args>` (the project's Node) as its own process, its output going to a log file. */
export function startNode(o: { args: string[]; env: NodeJS.ProcessEnv; cwd: string; logFile: string }): Server {
  const fd = openSync(o.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, o.args, { cwd: o.cwd, env: o.env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not start node ${o.args.join(' ')}`);
  const pid = child.pid;
  let done = false;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve(signal ?? String(code));
    }),
  );
  const kill = async () => {
    if (done) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const stop = onCleanup(`stop process ${pid}`, kill);
  return { pid, logFile: o.logFile, exited, hasExited: () => done, stop };
}

/**
 * Starts a command (for example `npm start`) as the leader of its own process group, its output going to a log
 * file. `pid` is the command's own; stopping it signals the whole group, so the server npm started stops too.
 */
export function startCommand(o: { cmd: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string; logFile: string }): Server {
  const fd = openSync(o.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(o.cmd, o.args, { cwd: o.cwd, env: o.env, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not start ${o.cmd} ${o.args.join(' ')}`);
  const pid = child.pid;
  let done = false;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve(signal ?? String(code));
    }),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is already gone
    }
  };
  const kill = async () => {
    if (done) return signalGroup('SIGKILL');
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    // npm has exited; anything it left in the group goes too.
    signalGroup('SIGKILL');
  };
  const stop = onCleanup(`stop process group ${pid}`, kill);
  return { pid, logFile: o.logFile, exited, hasExited: () => done, stop };
}

/** The process ids below `pid` (children, their children, …), read from /proc. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        out.push(c);
        walk(c);
      }
    }
  };
  walk(pid);
  return out;
}

/** The command line of a process, its arguments joined by spaces ('' once it has gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** The last lines of a log file, for error messages. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** One GET over a fresh connection. */
export function httpGet(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls a URL until it answers 200; returns performance.now() at that answer. Fails if the server exits first. */
export async function waitFor200(url: string, o: { server: Server; intervalMs: number; timeoutMs: number }): Promise<number> {
  const deadline = performance.now() + o.timeoutMs;
  while (performance.now() < deadline) {
    if (o.server.hasExited()) throw new Error(`the server exited before answering ${url}:\n${logTail(o.server.logFile)}`);
    try {
      const r = await httpGet(url, 1000);
      if (r.status === 200) return performance.now();
    } catch {
      // Not listening yet.
    }
    await sleep(o.intervalMs);
  }
  throw new Error(`no 200 from ${url} within ${o.timeoutMs} ms:\n${logTail(o.server.logFile)}`);
}

/**
 * Runs a bench child script (bench/children/*.ts) in its own process with the given input and returns what it
 * reports. The child runs under tsx like this process, and exits if this process goes away.
 */
export function runChild<TIn, TOut>(script: string, input: TIn, timeoutMs: number): Promise<TOut> {
  return new Promise<TOut>((resolve, reject) => {
    const child = fork(script, [], { execArgv: ['--import', 'tsx', ...profileArgs()], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let reported = false;
    let settled = false;
    // A child exits by itself once it has reported (writing its CPU profile, if asked to); otherwise it is killed.
    const stop = onCleanup(`stop child ${script}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      const kill = setTimeout(() => child.kill('SIGKILL'), reported ? 10_000 : 0);
      await gone;
      clearTimeout(kill);
    });
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().then(fn);
    };
    const timer = setTimeout(() => settle(() => reject(new Error(`${script} took longer than ${timeoutMs} ms`))), timeoutMs);
    child.once('message', (m: { ok: true; result: TOut } | { ok: false; error: string }) => {
      reported = true;
      settle(() => (m.ok ? resolve(m.result) : reject(new Error(m.error))));
    });
    child.once('exit', (code, signal) => settle(() => reject(new Error(`${script} exited (${signal ?? code}) without a result`))));
    child.send(input as object);
  });
}

/** Runs a command to completion, returning its exit code and output. */
export function runCommand(
  cmd: string,
  args: string[],
  o: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const stop = onCleanup(`stop ${cmd} ${args.join(' ')}`, () => {
      child.kill('SIGKILL');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      void stop();
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      void stop();
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - t0,
      });
    });
  });
}
