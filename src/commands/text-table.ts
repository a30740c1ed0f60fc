/** Renders rows as an aligned plain-text table (numbers right-aligned), for terminal summaries. */
export type Cell = string | number | null | undefined;

export function textTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = (cell: Cell) =>
    cell === null || cell === undefined ? '' : typeof cell === 'number' ? cell.toLocaleString('en-US') : cell;
  const cells = rows.map((row) => row.map(text));
  const numeric = headers.map(
    (_, column) =>
      rows.length > 0 && rows.every((row) => typeof row[column] === 'number' || row[column] == null),
  );
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, column) =>
        numeric[column] ? value.padStart(widths[column]!) : value.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}
