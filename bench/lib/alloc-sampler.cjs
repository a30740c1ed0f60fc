/**
 * Preloaded into a measured child (`node --require`): V8's sampling heap profiler over the whole run,
 * counting objects that garbage collection has already freed too (`includeObjectsCollectedBy*GC`),
 * so the profile is what the process allocated, not what it holds. At exit it writes the profile
 * (a `.heapprofile`, as DevTools saves it) to BENCH_ALLOC_PROFILE. One sample every
 * BENCH_ALLOC_INTERVAL bytes on average (default 16384); V8 scales each sample, so a node's
 * `selfSize` estimates the bytes allocated there. Only V8's heap: the backing stores of Buffers and
 * ArrayBuffers are not in it. Beside it, `<file>.gc.json`: the collections of the run by kind (count
 * and ms, from node's `gc` performance entries). Read by ../alloc-summary.ts; nothing of the product
 * knows about it.
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
  const { PerformanceObserver, constants } = require('node:perf_hooks');
  const KINDS = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
  };
  const collections = {};
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = KINDS[entry.detail?.kind] ?? String(entry.detail?.kind);
      const forced = entry.detail?.flags & constants.NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY;
      const name = forced ? `${kind} (external memory)` : kind;
      collections[name] ??= { count: 0, ms: 0 };
      const seen = collections[name];
      seen.count += 1;
      seen.ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  process.on('exit', () => {
    try {
      writeFileSync(`${file}.gc.json`, JSON.stringify(collections));
    } catch {
      // As below.
    }
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
