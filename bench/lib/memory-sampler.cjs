/**
 * Preloaded into a measured child (`node --require`): samples where its memory is every
 * BENCH_MEMORY_EVERY_MS (default 100) and, at exit, writes the samples to BENCH_MEMORY_FILE as JSON
 * lines: resident memory split as the kernel sees it (anonymous, file-backed) and as V8 and Node see
 * it (each heap space, external, array buffers). Read by ../memory-timeline.ts; nothing of the product
 * knows about it. The sampling timer is unref'd, so it never keeps the process alive.
 *
 * To find what holds a peak: BENCH_HEAP_SNAPSHOT_DIR set, the sampler also writes V8 heap snapshots
 * there (`v8.writeHeapSnapshot`, which collects garbage first, so a snapshot shows live data only):
 * once when heap used first exceeds BENCH_HEAP_SNAPSHOT_ABOVE_MIB, and once at each of the comma-separated
 * BENCH_HEAP_SNAPSHOT_AT_MS (ms from the start). A snapshot stops the process for seconds and takes
 * about twice the heap in RSS: a run taking them measures nothing else. Read them with
 * ../heap-snapshot-summary.ts.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const v8 = require('node:v8');

const file = process.env.BENCH_MEMORY_FILE;
if (file) {
  const every = Number(process.env.BENCH_MEMORY_EVERY_MS ?? 100);
  const started = Date.now();
  const samples = [];
  const kib = (status, name) => {
    const match = new RegExp(`${name}:\\s+(\\d+) kB`).exec(status);
    return match ? Number(match[1]) : 0;
  };
  const sample = () => {
    const status = readFileSync('/proc/self/status', 'utf8');
    const usage = process.memoryUsage();
    const spaces = {};
    for (const space of v8.getHeapSpaceStatistics())
      spaces[space.space_name.replace(/_space$/, '')] = space.space_size;
    samples.push({
      t: Date.now() - started,
      rss: kib(status, 'VmRSS') * 1024,
      anon: kib(status, 'RssAnon') * 1024,
      fileBacked: kib(status, 'RssFile') * 1024,
      heapTotal: usage.heapTotal,
      heapUsed: usage.heapUsed,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
      spaces,
    });
  };
  const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT_DIR;
  let above = Number(process.env.BENCH_HEAP_SNAPSHOT_ABOVE_MIB ?? Number.NaN) * 2 ** 20;
  const at = (process.env.BENCH_HEAP_SNAPSHOT_AT_MS ?? '').split(',').filter(Boolean).map(Number);
  const snapshot = (label) => {
    const path = require('node:path').join(snapshotDir, `${label}-${Date.now() - started}ms.heapsnapshot`);
    v8.writeHeapSnapshot(path);
    process.stderr.write(`heap snapshot: ${path}\n`);
  };
  const tick = () => {
    sample();
    if (!snapshotDir) return;
    const last = samples[samples.length - 1];
    if (last.heapUsed > above) {
      above = Number.POSITIVE_INFINITY;
      snapshot(`above-${(last.heapUsed / 2 ** 20).toFixed(0)}MiB`);
    }
    while (at.length > 0 && last.t >= at[0]) {
      at.shift();
      snapshot('at');
    }
  };
  setInterval(tick, every).unref();
  process.on('exit', () => {
    sample();
    try {
      writeFileSync(file, samples.map((s) => JSON.stringify(s)).join('\n'));
    } catch {
      // A bench that cannot read the samples reports none; the child's exit is not the place to fail.
    }
  });
}
