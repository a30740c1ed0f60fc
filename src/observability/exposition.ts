/**
 * Joins several Prometheus text expositions into one. Each BullMQ queue exports its own text with its
 * own `# HELP` / `# TYPE` lines, but a scrape may describe a metric family only once, with all of its
 * samples together; so lines are regrouped by family, keeping the first description of each.
 */

/** `bullmq_job_count{queue="a"} 3` → `bullmq_job_count`; `# TYPE x gauge` → `x`. */
function familyOf(line: string): string | undefined {
  if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) return line.split(' ')[2];
  if (line.startsWith('#') || line.trim() === '') return undefined;
  return /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
}

export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, { help?: string; type?: string; samples: string[] }>();
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const name = familyOf(line);
      if (name === undefined) continue;
      let family = families.get(name);
      if (!family) {
        family = { samples: [] };
        families.set(name, family);
      }
      if (line.startsWith('# HELP ')) family.help ??= line;
      else if (line.startsWith('# TYPE ')) family.type ??= line;
      else family.samples.push(line);
    }
  }
  const out: string[] = [];
  for (const family of families.values()) {
    if (family.help) out.push(family.help);
    if (family.type) out.push(family.type);
    out.push(...family.samples);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
