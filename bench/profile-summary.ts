/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top] [--by-file]`: the functions (or, with
 * `--by-file`, the source files and node internals) with the most self time in a V8 CPU profile (from
 * `node --cpu-prof`, e.g. `npm run bench -- --cpu-prof <dir>`).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const byFile = args.includes('--by-file');
const [file, topArg] = args.filter((arg) => arg !== '--by-file');
if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMs = new Map<string, number>();
let totalMs = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id)!;
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  totalMs += ms;
  const where = node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|dist)\//, '$1/');
  const name = byFile
    ? where || node.callFrame.functionName
    : `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
  selfMs.set(name, (selfMs.get(name) ?? 0) + ms);
});
const top = [...selfMs.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25));
process.stdout.write(`total ${totalMs.toFixed(0)} ms sampled\n`);
for (const [name, ms] of top)
  process.stdout.write(
    `${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${name}\n`,
  );
