/**
 * `npx tsx bench/alloc-summary.ts <file.heapprofile> [--top 25] [--records N]`: where a sampled
 * allocation profile (./lib/alloc-sampler.cjs, e.g. from `bench/memory-timeline.ts --alloc-profile`)
 * says the bytes were allocated: in all, per 1,000 records when `--records` is given, and the top
 * functions and modules, by their own allocations (self) and with what they call (total; a function
 * on a stack twice counts once). A module is a package under node_modules, a folder of src/, or node's
 * internals. Only V8's heap: Buffer backing stores are not in the profile.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface AllocationNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: AllocationNode[];
}
export interface AllocationProfile {
  head: AllocationNode;
}

function where(url: string): string {
  return url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|dist|bench)\//, '$1/');
}

function moduleOf(url: string): string {
  if (!url) return '(native or V8)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/(src|bench)\/(?:([^/]+)\/)?/.exec(url);
  if (own) return own[2] ? `${own[1]}/${own[2]}` : own[1]!;
  return url;
}

function functionOf(node: AllocationNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${url ? `${where(url)}:${lineNumber + 1}` : ''}`.trim();
}

interface Tally {
  self: Map<string, number>;
  total: Map<string, number>;
}

function add(map: Map<string, number>, key: string, bytes: number): void {
  map.set(key, (map.get(key) ?? 0) + bytes);
}

/** Bytes allocated in all, and by function and by module, self and with callees. */
export function tallyAllocations(profile: AllocationProfile): {
  bytes: number;
  functions: Tally;
  modules: Tally;
} {
  const functions: Tally = { self: new Map(), total: new Map() };
  const modules: Tally = { self: new Map(), total: new Map() };
  let bytes = 0;
  // Iterative walk (stacks are deep); each entry carries the keys already on its path.
  const stack: { node: AllocationNode; caller: string; fns: Set<string>; mods: Set<string> }[] = [
    { node: profile.head, caller: '', fns: new Set(), mods: new Set() },
  ];
  while (stack.length > 0) {
    const { node, caller, fns: above, mods: aboveModules } = stack.pop()!;
    const fn = functionOf(node);
    // A builtin (push, map, JSON.parse...) is named with the function that called it, when self.
    const selfKey = node.callFrame.url || !caller ? fn : `${fn} < ${caller}`;
    const mod = moduleOf(node.callFrame.url);
    const fns = above.has(fn) ? above : new Set(above).add(fn);
    const mods = aboveModules.has(mod) ? aboveModules : new Set(aboveModules).add(mod);
    if (node.selfSize > 0) {
      bytes += node.selfSize;
      add(functions.self, selfKey, node.selfSize);
      add(modules.self, mod, node.selfSize);
      for (const key of fns) add(functions.total, key, node.selfSize);
      for (const key of mods) add(modules.total, key, node.selfSize);
    }
    const next = node.callFrame.url ? fn : caller;
    for (const child of node.children) stack.push({ node: child, caller: next, fns, mods });
  }
  return { bytes, functions, modules };
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** The summary as text: totals, then the top functions and modules by self and by total bytes. */
export function describeAllocations(
  profile: AllocationProfile,
  options: { top?: number; records?: number },
): string {
  const top = options.top ?? 25;
  const { bytes, functions, modules } = tallyAllocations(profile);
  const per1k = options.records ? bytes / (options.records / 1000) : undefined;
  const lines = [
    `allocated (sampled, V8 heap): ${mib(bytes)} MiB` +
      (per1k === undefined ? '' : `, ${mib(per1k)} MiB per 1,000 records (${options.records} records)`),
  ];
  const table = (title: string, map: Map<string, number>, count: number) => {
    lines.push(`${title}:`);
    for (const [key, size] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)) {
      const share = ((100 * size) / bytes).toFixed(1).padStart(5);
      const perK = per1k === undefined ? '' : ` ${mib((size / bytes) * per1k).padStart(7)} MiB/1k`;
      lines.push(`  ${mib(size).padStart(9)} MiB ${share}%${perK}  ${key}`);
    }
  };
  table('by function, self', functions.self, top);
  table('by function, with callees', functions.total, top);
  table('by module, self', modules.self, Math.min(top, 20));
  table('by module, with callees', modules.total, Math.min(top, 20));
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, records: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file) throw new Error('usage: alloc-summary <file.heapprofile> [--top 25] [--records N]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as AllocationProfile;
  process.stdout.write(
    `${describeAllocations(profile, {
      top: Number(values.top),
      records: values.records === undefined ? undefined : Number(values.records),
    })}\n`,
  );
}
