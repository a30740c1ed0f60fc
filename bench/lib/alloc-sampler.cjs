/**
 * Preloaded into a measured child (`node --require`): V8's sampling heap profiler over the whole run,
 * counting objects that garbage collection has already freed too (`includeObjectsCollectedBy*GC`),
 * so the profile is what the process allocated, not what it holds. At exit it writes the profile
 * (a `.heapprofile`, as DevTools saves it) to BENCH_ALLOC_PROFILE. One sample every
 * BENCH_ALLOC_INTERVAL bytes on average (default 16384); V8 scales each sample, so a node's
 * `selfSize` estimates the bytes allocated there. Only V8's heap: the backing stores of Buffers and
 * ArrayBuffers are not in it. Read by ../alloc-summary.ts; nothing of the product knows about it.
 */
const { writeFileSync } = require('node:fs');

const file = process.env.BENCH_ALLOC_PROFILE;
if (file) {
  const inspector = require('node:inspector');
  const session = new inspector.Session();
  session.connect();
  // A session on the main thread answers synchronously, so the profile can be taken in 'exit'.
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', {
    samplingInterval: Number(process.env.BENCH_ALLOC_INTERVAL ?? 16384),
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (error) return;
      try {
        writeFileSync(file, JSON.stringify(result.profile));
      } catch {
        // A bench that cannot read the profile reports none; the child's exit is not the place to fail.
      }
    });
  });
}
