import { spawnSync } from 'node:child_process';

export interface ShellcheckResult {
  readonly status: number | null;
  readonly output: string;
}

/**
 * Runs the real shellcheck over a script, as bash, the shell GitHub and the
 * tasks run it under.
 */
export function shellcheck(script: string, shell: string = 'bash'): ShellcheckResult {
  const result = spawnSync('shellcheck', ['--shell', shell, '--severity', 'style', '-'], { input: script, encoding: 'utf8' });
  if (result.error) {
    throw new Error(`shellcheck could not run (${result.error.message}); install it with 'apt-get install shellcheck' (.ci/run does)`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
