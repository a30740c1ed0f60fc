/**
 * Wakes the thieves of this process napping on a walk (work-stealing.ts) when one of its slices ends
 * here: they look again at once instead of at their next poll, so that a walk's last slice job ends
 * with its last commit (the stream job waits for every slice job), not up to a poll later. Thieves
 * in other processes still poll.
 */
const napping = new Map<string, Set<() => void>>();

/** A slice of `walkId` ended in this process: its napping thieves look again. */
export function sliceEnded(walkId: string): void {
  const thieves = napping.get(walkId);
  if (!thieves) return;
  napping.delete(walkId);
  for (const wake of thieves) wake();
}

/** Resolves after `ms`, or sooner when a slice of `walkId` ends in this process or `signal` aborts. */
export function napOnWalk(walkId: string, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let thieves = napping.get(walkId);
    if (!thieves) {
      thieves = new Set();
      napping.set(walkId, thieves);
    }
    const group = thieves;
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      group.delete(wake);
      if (group.size === 0 && napping.get(walkId) === group) napping.delete(walkId);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    group.add(wake);
    if (signal?.aborted) wake();
    else signal?.addEventListener('abort', wake, { once: true });
  });
}
