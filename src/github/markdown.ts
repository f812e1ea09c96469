/** Small Markdown builders for generated documentation, escaping what GitHub would misread. */

/** Inline code; a value holding backticks gets a longer fence. */
export function code(value: string): string {
  const fence = value.includes('`') ? '``' : '`';
  const pad = fence.length > 1 ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

/** A table; cells are escaped so a '|' or a line break in a value cannot split a row. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)];
}

/** A fenced code block. */
export function fenced(language: string, lines: readonly string[]): string[] {
  return [`\`\`\`${language}`, ...lines, '```'];
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
