// Load for the search benchmark, in its own process: GETs one at a time over a kept-alive connection, each timed
// to the microsecond (autocannon rounds latencies to whole milliseconds, too coarse for a 20 ms goal).
import { Agent, request } from 'node:http';
import { serveChild } from '../lib/child.js';

export interface SearchLoadPhase {
  /** Addresses to GET, in order. */
  urls: string[];
  /** false for a warm-up: run, but report nothing. */
  measured: boolean;
  /** What every answer must contain (a results page says so; the floor says hello). */
  expect: string;
}

export interface SearchLoadResult {
  /** Milliseconds per request of each measured phase, in order. */
  latencies: number[][];
  /** Measured requests whose page listed at least one result. */
  withResults: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
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

serveChild<SearchLoadPhase[], SearchLoadResult>(async (phases) => {
  const latencies: number[][] = [];
  let withResults = 0;
  for (const phase of phases) {
    const times: number[] = [];
    for (const url of phase.urls) {
      const t0 = performance.now();
      const r = await get(url);
      times.push(performance.now() - t0);
      if (r.status !== 200 || !r.body.includes(phase.expect))
        throw new Error(`GET ${url} answered ${r.status} without "${phase.expect}": ${r.body.slice(0, 200)}`);
      if (phase.measured && /class="site-search-list"/.test(r.body)) withResults++;
    }
    if (phase.measured) latencies.push(times);
  }
  agent.destroy();
  return { latencies, withResults };
});
