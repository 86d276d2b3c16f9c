import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The order the test files start in. A browser test file drives Chromium (several processes) against a whole
// Lantern: two of them side by side on a 2-core machine starve each other (each took about 1.7 times as long as
// alone), so they gained nothing over running one after the other. This order aims to run one browser file at a
// time, beside the other files, and the longest files first so the run does not end on one long file.
//
// The pool starts the files in this order, each as soon as a worker is free. The order comes from a simulation of
// the workers with each file's duration in the last run (vitest's results cache): whenever a simulated worker is
// free, it takes the longest browser file if no browser file is running, else the longest other file. Real
// durations differ (a browser file slows down more than the others on a busy machine, and the cache may hold a
// quiet run's figures), so the simulation counts each browser file as half as long again as it last took: a worker
// then takes another file rather than a second browser one. Two browser files may still overlap now and then; that
// costs time, never a result, and no worker ever waits.

/** What a file is expected to take (ms) when the cache has no duration for it. */
const UNKNOWN_BROWSER_MS = 30_000;
const UNKNOWN_UNIT_MS = 5_000;
/** How much longer than last time a browser file is assumed to run (see above). */
const BROWSER_MARGIN = 1.5;

/** Orders the test files so that browser files run one at a time beside the others, longest first. */
export default class OneBrowserAtATime extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const groups = new Map<number, TestSpecification[]>();
    for (const f of files) {
      const order = f.project.config.sequence.groupOrder;
      groups.set(order, [...(groups.get(order) ?? []), f]);
    }
    const workers = Math.max(1, Number(this.ctx.config.maxWorkers) || 1);
    return [...groups.keys()].sort((a, b) => a - b).flatMap((order) => this.schedule(groups.get(order)!, workers));
  }

  private schedule(files: TestSpecification[], workers: number): TestSpecification[] {
    const byLongest = (list: TestSpecification[]) => list.map((spec) => ({ spec, ms: this.expectedMs(spec) })).sort((a, b) => b.ms - a.ms);
    const browser = byLongest(files.filter((f) => f.project.name === 'browser'));
    const other = byLongest(files.filter((f) => f.project.name !== 'browser'));
    const freeAt: number[] = Array.from({ length: workers }, () => 0);
    let browserUntil = 0;
    const order: TestSpecification[] = [];
    while (browser.length + other.length > 0) {
      const w = freeAt.indexOf(Math.min(...freeAt));
      const now = freeAt[w]!;
      const takeBrowser = browser.length > 0 && (now >= browserUntil || other.length === 0);
      const next = (takeBrowser ? browser : other).shift()!;
      if (takeBrowser) browserUntil = Math.max(browserUntil, now) + next.ms * BROWSER_MARGIN;
      freeAt[w] = now + next.ms;
      order.push(next.spec);
    }
    return order;
  }

  private expectedMs(spec: TestSpecification): number {
    const key = `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`;
    const known = this.ctx.cache.getFileTestResults(key)?.duration;
    if (known !== undefined && known > 0) return known;
    return spec.project.name === 'browser' ? UNKNOWN_BROWSER_MS : UNKNOWN_UNIT_MS;
  }
}
