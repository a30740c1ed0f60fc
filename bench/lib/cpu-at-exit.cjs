/**
 * Preloaded into a measured child (`node --require`): at exit it writes the process's own CPU time
 * (process.cpuUsage: user + system, µs) to BENCH_CPU_FILE. Read by ./cli-process.ts; nothing of the
 * product knows about it.
 */
const { writeFileSync } = require('node:fs');

const file = process.env.BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    try {
      writeFileSync(file, JSON.stringify({ user, system }));
    } catch {
      // A bench that cannot read the figure reports none; the child's exit is not the place to fail.
    }
  });
}
