/**
 * The last line of defence against orphaned child processes: whatever a test file spawned and has not
 * seen exit yet is SIGKILLed when the test process exits, even when afterAll never ran (a crash, a
 * timeout that killed the worker thread's host). Tests still stop their children themselves first.
 */
import type { ChildProcess } from 'node:child_process';

const alive = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of alive) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  alive.clear();
}

/** Registers `child`; returns the function that forgets it (call it once the child has exited). */
export function killOnExit(child: ChildProcess): () => void {
  if (!hooked) {
    hooked = true;
    // 'exit' handlers must be synchronous: kill() only sends the signal, which is all that is needed.
    process.once('exit', killAll);
  }
  alive.add(child);
  return () => {
    alive.delete(child);
  };
}
