/** Reads back the generated Markdown the way a reader's eye does: by section, table and code span. */

/** The lines under a heading, up to the next heading of the same or a higher level. */
export function section(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) {
    throw new Error(`no heading '${heading}'`);
  }
  const level = heading.indexOf(' ');
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The body rows of the first table in some lines, as cells. */
export function tableRows(lines: readonly string[]): string[][] {
  const rows = lines.filter((l) => l.startsWith('|')).slice(2);
  return rows.map((row) => row.slice(2, -2).split(/ (?<!\\)\| /).map((c) => c.replace(/\\\|/g, '|')));
}

/** The contents of the inline code spans in a text. */
export function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

/** The lines of the fenced code block that follows a line containing `after`. */
export function fencedAfter(lines: readonly string[], after: string): string[] {
  const from = lines.findIndex((l) => l.includes(after));
  const open = lines.findIndex((l, i) => i > from && l.trim().startsWith('```'));
  const close = lines.findIndex((l, i) => i > open && l.trim() === '```');
  const indent = lines[open].indexOf('`');
  return lines.slice(open + 1, close).map((l) => l.slice(indent));
}
