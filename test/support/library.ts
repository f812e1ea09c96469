import { cpSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './workflows';
import { LIBRARY_DIR } from '../../src/shell/library';
import { quote } from '../../src/shell/quote';

/** The shell library of this repository. */
export const LIBRARY = join(REPO_ROOT, LIBRARY_DIR);

/** Every `.sh` file of the library, by name. */
export function libraryFiles(): string[] {
  return readdirSync(LIBRARY).filter((f) => f.endsWith('.sh')).sort();
}

/** A script that sources one library file and runs one function call, its arguments quoted. */
export function libraryCall(file: string, fn: string, args: readonly string[] = []): string {
  return `source ${quote(join(LIBRARY, file))}\n${[fn, ...args.map(quote)].join(' ')}\n`;
}

/**
 * Copies the hand-written library files into another project's folder, as a
 * project using this platform carries them; its own `settings.sh` is what its
 * synthesis writes.
 */
export function copyLibrary(dir: string): void {
  for (const file of libraryFiles().filter((f) => f !== 'settings.sh')) {
    cpSync(join(LIBRARY, file), join(dir, LIBRARY_DIR, file));
  }
}

/** The library's files by repository path, to commit into a test's git checkout as the repository holds them. */
export function libraryContents(): Record<string, string> {
  return Object.fromEntries(libraryFiles().map((f) => [`${LIBRARY_DIR}/${f}`, readFileSync(join(LIBRARY, f), 'utf8')]));
}

/** Links the library into a folder a step runs in, as the checkout it runs in holds it. */
export function linkLibrary(dir: string): void {
  symlinkSync(LIBRARY, join(dir, LIBRARY_DIR));
}
