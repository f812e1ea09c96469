/** Where a task writes: tests capture it, the CLI prints it. */
export interface TaskIo {
  /** Whether output may use ANSI colour (a terminal that wants it). */
  readonly color: boolean;
  out(line: string): void;
  err(line: string): void;
}

/** Prints `<name>  <text>` lines with the names in one column. */
export function alignedLines(names: readonly string[], io: TaskIo): (name: string, text: string) => void {
  const width = Math.max(0, ...names.map((n) => n.length));
  return (name, text) => io.out(`${name.padEnd(width)}  ${text}`);
}
