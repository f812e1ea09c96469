import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './workflows';

/**
 * The environment a person's shell would give `npx projen`: without the npm
 * and projen variables of a task that started us (`npx projen test`), which
 * would otherwise point npm at this checkout instead of a copy.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env)
    .filter(([name]) => !/^(npm_|PROJEN_|INIT_CWD$)/i.test(name)));
  return { ...env, ...extra };
}

/**
 * Copies this checkout as it is now (tracked and new, not ignored files) to
 * `dest`, sharing its node_modules, so nothing writes to the work tree.
 */
export function copyProject(dest: string): string {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT })
    .toString().split('\0').filter((f) => f !== '');
  for (const file of files) {
    const target = join(dest, file);
    mkdirSync(dirname(target), { recursive: true });
    try {
      cpSync(join(REPO_ROOT, file), target);
    } catch (e) {
      // A file deleted in the work tree but still in the index is simply absent.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dest, 'node_modules'));
  return dest;
}

/**
 * Replaces `from` in a declaration's text once; a declaration that no longer
 * holds it fails the test instead of passing unchanged.
 */
export function editDeclaration(text: string, from: string, to: string): string {
  if (!text.includes(from)) {
    throw new Error(`.projenrc.ts no longer contains ${from}: update this test's edit`);
  }
  return text.replace(from, to);
}

/** Overwrites a generated file, which projen leaves read-only. */
export function writeGenerated(path: string, content: string): void {
  chmodSync(path, 0o644);
  writeFileSync(path, content);
}

/**
 * Every file of a project copy with its content, aside from node_modules and
 * .cache (transpiled .ts files): equal before and after a command that wrote nothing.
 */
export function projectFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || (dir === root && entry.name === '.cache')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path); else files.set(path, readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return files;
}
