// Load generator for the HTTP benchmarks, in its own process so it never shares an event loop with a server.
// It runs a list of phases in order (warm-ups and measured rounds, alternating between targets) with autocannon.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { serveChild } from '../lib/child.js';

export interface LoadPhase {
  url: string;
  connections: number;
  durationS: number;
  /** The server's process id, to read the CPU time it spent on the phase. */
  serverPid: number;
  /** false for a warm-up: run, but report nothing. */
  measured: boolean;
}

export interface LoadResult {
  url: string;
  reqPerSec: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  /** CPU time (user + system) the server process used per request, in µs, and the system (kernel) part of it. */
  serverCpuUsPerReq: number;
  serverSysUsPerReq: number;
}

/** CPU seconds (user, system) a process has used, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 };
}

serveChild<LoadPhase[], LoadResult[]>(async (phases) => {
  const results: LoadResult[] = [];
  for (const p of phases) {
    const cpu0 = cpuSeconds(p.serverPid);
    const r = await autocannon({ url: p.url, connections: p.connections, duration: p.durationS });
    const cpu1 = cpuSeconds(p.serverPid);
    const user = cpu1.user - cpu0.user;
    const sys = cpu1.sys - cpu0.sys;
    if (!p.measured) continue;
    results.push({
      url: p.url,
      reqPerSec: r.requests.total / r.duration,
      requests: r.requests.total,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      maxMs: r.latency.max,
      non2xx: r.non2xx,
      errors: r.errors,
      serverCpuUsPerReq: ((user + sys) * 1e6) / r.requests.total,
      serverSysUsPerReq: (sys * 1e6) / r.requests.total,
    });
  }
  return results;
});
