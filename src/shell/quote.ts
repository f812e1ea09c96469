/**
 * Single-quotes a value for bash. Generated scripts embed declared values only
 * (validated names, paths, patterns); user input always arrives through the
 * environment instead.
 */
export function quote(value: string): string {
  return `'${value.replace(/'/g, '\'\\\'\'')}'`;
}
