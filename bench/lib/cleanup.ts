// Everything a benchmark creates (processes, temporary folders, databases) is registered here as it is created
// and undone in reverse order, whether the run ends normally, fails or is interrupted.

type Task = { label: string; run: () => Promise<void> | void };

const tasks: Task[] = [];

/** Registers an undo step; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(label: string, run: () => Promise<void> | void): () => Promise<void> {
  const task: Task = { label, run };
  tasks.push(task);
  return async () => {
    const i = tasks.indexOf(task);
    if (i < 0) return;
    tasks.splice(i, 1);
    await task.run();
  };
}

/** Runs every registered undo step, newest first; a failing step is reported and does not stop the others. */
export async function cleanupAll(): Promise<void> {
  while (tasks.length > 0) {
    const task = tasks.pop()!;
    try {
      await task.run();
    } catch (err) {
      process.stderr.write(`cleanup: ${task.label} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}
