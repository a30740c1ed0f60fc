/**
 * The README and docs/*.md stay true: every relative link reaches a file (and, with `#anchor`, a
 * heading of it, by GitHub's slug rules), every `npm run <script>` is a script of package.json and
 * every `sei-sync <command>` a registered command. No network: external links are not followed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMAND_LOADERS } from '../../../src/commands/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Written by another branch of the same round; allowed missing until it lands (then drop the entry). */
const docFiles = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Fenced code blocks, which GitHub renders verbatim: no links, no headings inside them. */
const FENCE = /^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm;

function withoutFences(markdown: string): string {
  return markdown.replace(FENCE, '');
}

/** GitHub's heading slug: lower case, punctuation dropped (not `-` or `_`), each space a hyphen. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Anchors of a markdown file's headings, duplicates numbered as GitHub does (`-1`, `-2`). */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of withoutFences(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const slug = githubSlug(match[1]!);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Inline links `[text](target)` outside code, with the target as written. */
function linksOf(markdown: string): string[] {
  const prose = withoutFences(markdown).replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!);
}

/** What a link does not reach, or undefined when it does. `file` is relative to the repository. */
function brokenLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:: not followed here
  const [path = '', anchor] = target.split('#', 2);
  const absolute = path === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), decodeURI(path));
  const repoPath = relative(ROOT, absolute);
  if (!existsSync(absolute)) return `${repoPath} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(absolute).isDirectory() || !absolute.endsWith('.md'))
    return `#${anchor} on a non-markdown target`;
  return anchorsOf(readFileSync(absolute, 'utf8')).has(anchor)
    ? undefined
    : `${repoPath} has no heading #${anchor}`;
}

/** Code spans and fenced blocks, where commands are written. */
function codeOf(markdown: string): string {
  const fences = markdown.match(FENCE) ?? [];
  const spans = withoutFences(markdown).match(/`[^`\n]+`/g) ?? [];
  return [...fences, ...spans].join('\n');
}

function npmScriptsNamed(markdown: string): string[] {
  return [...markdown.matchAll(/\bnpm run ([\w:.-]+)/g)].map((match) => match[1]!);
}

/** `sei-sync <command>` where a command line starts: a line, a code span, or after `npx`. */
function commandsNamed(markdown: string): string[] {
  const invocation = /(?:^[ \t]*|`|\bnpx[ \t]+)sei-sync[ \t]+([a-z][a-z-]*)\b/gm;
  return [...codeOf(markdown).matchAll(invocation)].map((match) => match[1]!);
}

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const scripts = Object.keys(JSON.parse(read('package.json')).scripts as Record<string, string>);

describe.each(docFiles)('%s', (file) => {
  const markdown = read(file);

  it('links only to files and headings that exist', () => {
    const broken = linksOf(markdown).flatMap((target) => {
      const reason = brokenLink(file, target);
      return reason === undefined ? [] : [`${target}: ${reason}`];
    });
    expect(broken).toEqual([]);
  });

  it('names only npm scripts of package.json and sei-sync commands that exist', () => {
    const unknownScripts = npmScriptsNamed(markdown).filter((script) => !scripts.includes(script));
    const unknownCommands = commandsNamed(markdown).filter((command) => !(command in COMMAND_LOADERS));
    expect({ unknownScripts, unknownCommands }).toEqual({ unknownScripts: [], unknownCommands: [] });
  });
});

describe('the checks themselves', () => {
  it('find a broken file link, a broken anchor, an unknown script and an unknown command', () => {
    expect(brokenLink('README.md', 'docs/no-such-file.md')).toBe('docs/no-such-file.md does not exist');
    expect(brokenLink('docs/verify.md', 'operations.md#no-such-heading')).toBe(
      'docs/operations.md has no heading #no-such-heading',
    );
    expect(brokenLink('docs/verify.md', '#scheduled')).toBeUndefined();
    expect(npmScriptsNamed('run `npm run bench:latency` or npm run nope')).toEqual(['bench:latency', 'nope']);
    expect(commandsNamed('`npx sei-sync verify --heal`, `sei-sync nope`; sei-sync walks')).toEqual([
      'verify',
      'nope',
    ]);
    expect(commandsNamed('```sql\n-- as sei-sync saw them\n```\n')).toEqual([]);
  });

  it('slug headings as GitHub does', () => {
    expect(githubSlug('Re-deriving rows: `renormalize`')).toBe('re-deriving-rows-renormalize');
    expect(githubSlug("The write path at PostgreSQL's own speed")).toBe(
      'the-write-path-at-postgresqls-own-speed',
    );
    expect(githubSlug('Walking by time under latency (`npm run bench:latency`)')).toBe(
      'walking-by-time-under-latency-npm-run-benchlatency',
    );
    expect(githubSlug('Node.js versions')).toBe('nodejs-versions');
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n')]).toEqual(['a', 'a-1']);
  });
});
