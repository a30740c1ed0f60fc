/**
 * Preloaded into a measured child (`node --require`): samples where its memory is every
 * BENCH_MEMORY_EVERY_MS (default 100) and, at exit, writes the samples to BENCH_MEMORY_FILE as JSON
 * lines: resident memory split as the kernel sees it (anonymous, file-backed) and as V8 and Node see
 * it (each heap space, external, array buffers). Read by ../memory-timeline.ts; nothing of the product
 * knows about it. The sampling timer is unref'd, so it never keeps the process alive.
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
  setInterval(sample, every).unref();
  process.on('exit', () => {
    sample();
    try {
      writeFileSync(file, samples.map((s) => JSON.stringify(s)).join('\n'));
    } catch {
      // A bench that cannot read the samples reports none; the child's exit is not the place to fail.
    }
  });
}
