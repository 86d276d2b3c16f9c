// The other half of runChild (proc.ts): a child script receives one input over IPC, does its work and reports.

/** Runs `work` on the input the parent sends, reports the result or the error, and exits. */
export function serveChild<TIn, TOut>(work: (input: TIn) => Promise<TOut>): void {
  if (!process.send) throw new Error('this script is started by bench/run.ts (npm run bench)');
  // If the parent goes away, there is nobody to report to: stop at once rather than linger.
  process.on('disconnect', () => process.exit(1));
  process.once('message', (input: TIn) => {
    work(input).then(
      (result) => process.send!({ ok: true, result }, () => process.exit(0)),
      (err: unknown) =>
        process.send!({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1)),
    );
  });
}
