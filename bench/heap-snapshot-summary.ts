/**
 * `node --max-old-space-size=4096 --import tsx bench/heap-snapshot-summary.ts <a.heapsnapshot> [<b.heapsnapshot>]
 *  [--top 30]`: what a V8 heap snapshot (./lib/memory-sampler.cjs writes them) is made of: self size by
 * kind of object (node type and constructor or name), the objects that retain the most (their
 * dominator subtree) with one path from the roots to each, and with a second snapshot, what grew from
 * the first to the second by kind.
 *
 * The format is the one the snapshot's own `snapshot.meta` describes (flat `nodes` and `edges` arrays);
 * weak edges do not retain. Retained sizes come from the dominator tree (Cooper, Harvey and Kennedy's
 * iterative algorithm over a reverse post-order from the synthetic root, node 0).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, expand: { type: 'string', default: '0' } },
});
const top = Number(values.top);
/** Levels of each listed retainer's largest dominated parts to show. */
const expand = Number(values.expand);
if (positionals.length === 0)
  throw new Error('usage: heap-snapshot-summary.ts <a.heapsnapshot> [<b.heapsnapshot>]');

interface Snapshot {
  nodeCount: number;
  nodeFieldCount: number;
  nodes: Uint32Array;
  edges: Uint32Array;
  edgeFieldCount: number;
  strings: string[];
  nodeTypes: string[];
  edgeTypes: string[];
  firstEdge: Uint32Array;
  field: Record<string, number>;
  edgeField: Record<string, number>;
}

function load(path: string): Snapshot {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as {
    snapshot: {
      meta: {
        node_fields: string[];
        node_types: [string[]];
        edge_fields: string[];
        edge_types: [string[]];
      };
      node_count: number;
    };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const meta = raw.snapshot.meta;
  const field = Object.fromEntries(meta.node_fields.map((name, i) => [name, i]));
  const edgeField = Object.fromEntries(meta.edge_fields.map((name, i) => [name, i]));
  const nodeFieldCount = meta.node_fields.length;
  const edgeFieldCount = meta.edge_fields.length;
  const nodes = Uint32Array.from(raw.nodes);
  const edges = Uint32Array.from(raw.edges);
  const nodeCount = nodes.length / nodeFieldCount;
  const firstEdge = new Uint32Array(nodeCount + 1);
  for (let i = 0, e = 0; i < nodeCount; i++) {
    firstEdge[i] = e;
    e += nodes[i * nodeFieldCount + field.edge_count!]! * edgeFieldCount;
    firstEdge[i + 1] = e;
  }
  return {
    nodeCount,
    nodeFieldCount,
    nodes,
    edges,
    edgeFieldCount,
    strings: raw.strings,
    nodeTypes: meta.node_types[0],
    edgeTypes: meta.edge_types[0],
    firstEdge,
    field,
    edgeField,
  };
}

const selfSize = (s: Snapshot, n: number) => s.nodes[n * s.nodeFieldCount + s.field.self_size!]!;
const nodeType = (s: Snapshot, n: number) => s.nodeTypes[s.nodes[n * s.nodeFieldCount + s.field.type!]!]!;
const nodeName = (s: Snapshot, n: number) => s.strings[s.nodes[n * s.nodeFieldCount + s.field.name!]!]!;

/** The kind an object is counted under. */
function kindOf(s: Snapshot, n: number): string {
  const type = nodeType(s, n);
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number')
    return `(${type})`;
  const name = nodeName(s, n);
  return `${type}:${name.length > 60 ? `${name.slice(0, 60)}…` : name}`;
}

function byKind(s: Snapshot): Map<string, { size: number; count: number }> {
  const out = new Map<string, { size: number; count: number }>();
  for (let n = 0; n < s.nodeCount; n++) {
    const kind = kindOf(s, n);
    const entry = out.get(kind) ?? { size: 0, count: 0 };
    entry.size += selfSize(s, n);
    entry.count++;
    out.set(kind, entry);
  }
  return out;
}

function* children(s: Snapshot, n: number): Generator<[number, number]> {
  const weak = s.edgeTypes.indexOf('weak');
  for (let e = s.firstEdge[n]!; e < s.firstEdge[n + 1]!; e += s.edgeFieldCount) {
    if (s.edges[e + s.edgeField.type!] === weak) continue;
    yield [s.edges[e + s.edgeField.to_node!]! / s.nodeFieldCount, e];
  }
}

function edgeLabel(s: Snapshot, e: number): string {
  const type = s.edgeTypes[s.edges[e + s.edgeField.type!]!]!;
  const nameOrIndex = s.edges[e + s.edgeField.name_or_index!]!;
  if (type === 'element' || type === 'hidden') return `[${nameOrIndex}]`;
  return `.${s.strings[nameOrIndex]}`;
}

/** Dominators and retained sizes; `parentEdge` is one path from the root (BFS), for display. */
function dominators(s: Snapshot) {
  const order = new Int32Array(s.nodeCount).fill(-1); // post-order number
  const postOrder: number[] = [];
  // Iterative DFS from node 0.
  const stack: number[] = [0];
  const iter = new Uint32Array(s.nodeCount);
  const visited = new Uint8Array(s.nodeCount);
  visited[0] = 1;
  const kids = (n: number) => [...children(s, n)].map(([c]) => c);
  const kidCache = new Map<number, number[]>();
  while (stack.length > 0) {
    const n = stack[stack.length - 1]!;
    let list = kidCache.get(n);
    if (!list) {
      list = kids(n);
      kidCache.set(n, list);
    }
    if (iter[n]! < list.length) {
      const c = list[iter[n]!++]!;
      if (!visited[c]) {
        visited[c] = 1;
        stack.push(c);
      }
    } else {
      stack.pop();
      kidCache.delete(n);
      order[n] = postOrder.length;
      postOrder.push(n);
    }
  }
  // Predecessors of reachable nodes.
  const predCount = new Uint32Array(s.nodeCount + 1);
  for (const n of postOrder) for (const [c] of children(s, n)) predCount[c]!++;
  const predStart = new Uint32Array(s.nodeCount + 1);
  for (let i = 0; i < s.nodeCount; i++) predStart[i + 1] = predStart[i]! + predCount[i]!;
  const preds = new Uint32Array(predStart[s.nodeCount]!);
  const fill = predStart.slice();
  for (const n of postOrder) for (const [c] of children(s, n)) preds[fill[c]!++] = n;

  const idom = new Int32Array(s.nodeCount).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (order[a]! < order[b]!) a = idom[a]!;
      while (order[b]! < order[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = postOrder.length - 2; i >= 0; i--) {
      const n = postOrder[i]!;
      let next = -1;
      for (let p = predStart[n]!; p < predStart[n + 1]!; p++) {
        const pred = preds[p]!;
        if (idom[pred] === -1 || order[pred] === -1) continue;
        next = next === -1 ? pred : intersect(pred, next);
      }
      if (next !== -1 && idom[n] !== next) {
        idom[n] = next;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(s.nodeCount);
  for (const n of postOrder) retained[n]! += selfSize(s, n);
  for (const n of postOrder) if (n !== 0) retained[idom[n]!]! += retained[n]!;

  // BFS for a short path from the root.
  const parentEdge = new Int32Array(s.nodeCount).fill(-1);
  const parent = new Int32Array(s.nodeCount).fill(-1);
  const seen = new Uint8Array(s.nodeCount);
  seen[0] = 1;
  let queue = [0];
  while (queue.length > 0) {
    const next: number[] = [];
    for (const n of queue)
      for (const [c, e] of children(s, n))
        if (!seen[c]) {
          seen[c] = 1;
          parent[c] = n;
          parentEdge[c] = e;
          next.push(c);
        }
    queue = next;
  }
  return { idom, retained, parent, parentEdge, reachable: postOrder.length };
}

function pathTo(s: Snapshot, d: ReturnType<typeof dominators>, n: number): string {
  const parts: string[] = [];
  for (let at = n; at > 0 && parts.length < 14; at = d.parent[at]!) {
    const e = d.parentEdge[at]!;
    if (e < 0) break;
    parts.push(`${edgeLabel(s, e)}→${kindOf(s, at)}`);
  }
  return parts.reverse().join(' ');
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(2);

function summarize(path: string): Map<string, { size: number; count: number }> {
  const s = load(path);
  const kinds = byKind(s);
  let total = 0;
  for (const { size } of kinds.values()) total += size;
  process.stdout.write(
    `\n# ${path}\n${s.nodeCount} nodes, self sizes ${mib(total)} MiB\n\n## self size by kind\n`,
  );
  for (const [kind, { size, count }] of [...kinds].sort((a, b) => b[1].size - a[1].size).slice(0, top))
    process.stdout.write(`${mib(size).padStart(8)} MiB ${String(count).padStart(8)}  ${kind}\n`);
  const d = dominators(s);
  process.stdout.write(
    `\n## largest retainers (dominator subtrees where they fan out: no one part holds 90% of it), with one path from the roots\n`,
  );
  // A chain of objects each holding all of the next (promise reactions, contexts) is shown once, at its end.
  const largestPart = new Float64Array(s.nodeCount);
  for (let n = 1; n < s.nodeCount; n++) {
    const dominator = d.idom[n]!;
    if (dominator >= 0) largestPart[dominator] = Math.max(largestPart[dominator]!, d.retained[n]!);
  }
  const candidates: number[] = [];
  for (let n = 1; n < s.nodeCount; n++)
    if (d.retained[n]! >= 2 ** 19 && nodeType(s, n) !== 'synthetic' && largestPart[n]! < 0.9 * d.retained[n]!)
      candidates.push(n);
  candidates.sort((a, b) => d.retained[b]! - d.retained[a]!);
  const dominated = new Map<number, number[]>();
  if (expand > 0)
    for (let n = 1; n < s.nodeCount; n++) {
      const dominator = d.idom[n]!;
      if (dominator < 0 || d.retained[n]! < 2 ** 16) continue;
      const list = dominated.get(dominator) ?? [];
      list.push(n);
      dominated.set(dominator, list);
    }
  /** The edge from `from` to `to`, if any (how a part is reached from its dominator). */
  const edgeBetween = (from: number, to: number) => {
    for (const [c, e] of children(s, from)) if (c === to) return edgeLabel(s, e);
    return '(via others)';
  };
  const showParts = (n: number, depth: number) => {
    if (depth > expand) return;
    const parts = (dominated.get(n) ?? []).sort((a, b) => d.retained[b]! - d.retained[a]!).slice(0, 6);
    for (const part of parts) {
      process.stdout.write(
        `${' '.repeat(10 + depth * 2)}${mib(d.retained[part]!)} MiB ${edgeBetween(n, part)} ${kindOf(s, part)}\n`,
      );
      showParts(part, depth + 1);
    }
  };
  for (const n of candidates.slice(0, top)) {
    process.stdout.write(
      `${mib(d.retained[n]!).padStart(8)} MiB  ${kindOf(s, n)}\n           path: ${pathTo(s, d, n)}\n`,
    );
    showParts(n, 1);
  }
  return kinds;
}

const first = summarize(positionals[0]!);
if (positionals[1]) {
  const second = summarize(positionals[1]);
  process.stdout.write(`\n## grown from the first to the second, by kind\n`);
  const growth = [...new Set([...first.keys(), ...second.keys()])].map((kind) => {
    const a = first.get(kind) ?? { size: 0, count: 0 };
    const b = second.get(kind) ?? { size: 0, count: 0 };
    return { kind, size: b.size - a.size, count: b.count - a.count };
  });
  for (const { kind, size, count } of growth.sort((x, y) => y.size - x.size).slice(0, top))
    process.stdout.write(`${mib(size).padStart(8)} MiB ${String(count).padStart(8)}  ${kind}\n`);
}
