import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './workflows';

export interface ShellcheckResult {
  readonly status: number | null;
  readonly output: string;
}

function run(args: readonly string[], input?: string): ShellcheckResult {
  // From the repository root, following `source image-build/<file>` into the library files.
  const result = spawnSync('shellcheck', ['--severity', 'style', '--external-sources', `--source-path=${REPO_ROOT}`, ...args], {
    input, encoding: 'utf8', cwd: REPO_ROOT,
  });
  if (result.error) {
    throw new Error(`shellcheck could not run (${result.error.message}); install it with 'apt-get install shellcheck' (.ci/run does)`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * Runs the real shellcheck over a script, as bash, the shell GitHub and the
 * tasks run it under; the library files it sources are checked with it.
 */
export function shellcheck(script: string, shell: string = 'bash'): ShellcheckResult {
  return run(['--shell', shell, '-'], script);
}

/** Runs the real shellcheck over files of the repository, as files: each says its shell itself. */
export function shellcheckFiles(paths: readonly string[]): ShellcheckResult {
  return run(paths);
}
