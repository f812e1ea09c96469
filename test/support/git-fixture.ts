import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fixed identity and no user or system config, for every git call of a test. */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(repo: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
}

/** Writes files below a folder, creating their folders; `null` deletes a file. */
export function writeFiles(root: string, files: Record<string, string | null>): void {
  for (const [path, content] of Object.entries(files)) {
    if (content === null) {
      rmSync(join(root, path));
    } else {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
  }
}

/** A repository whose `main` holds `files` in one commit. */
export function gitRepo(files: Record<string, string>): string {
  const repo = mkdtempSync(join(tmpdir(), 'git-fixture-'));
  git(repo, 'init', '--quiet', '--initial-branch', 'main');
  writeFiles(repo, files);
  git(repo, 'add', '--all');
  git(repo, 'commit', '--quiet', '--message', 'base');
  return repo;
}

/**
 * Checks out what GitHub checks out for a pull request: the merge commit of a
 * branch that applies `change`, whose first parent is `main`.
 */
export function checkoutPullRequestMerge(repo: string, change: (root: string) => void): void {
  git(repo, 'checkout', '--quiet', '-b', 'pr');
  change(repo);
  git(repo, 'add', '--all');
  git(repo, 'commit', '--quiet', '--message', 'change');
  git(repo, 'checkout', '--quiet', 'main');
  // A base commit made after the branch, so the merge has two real parents.
  writeFiles(repo, { 'base-moved-on.txt': 'later' });
  git(repo, 'add', '--all');
  git(repo, 'commit', '--quiet', '--message', 'base moved on');
  git(repo, 'merge', '--quiet', '--no-ff', '--no-edit', 'pr');
}

export interface ScriptRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the script wrote to $GITHUB_STEP_SUMMARY. */
  readonly summary: string;
}

/** Runs a step script as a GitHub runner does with `shell: bash`, in `cwd`. */
export function runScript(script: string, cwd: string, env: Record<string, string> = {}): ScriptRun {
  const dir = mkdtempSync(join(tmpdir(), 'script-'));
  try {
    const file = join(dir, 'step.sh');
    const summary = join(dir, 'summary.md');
    writeFileSync(file, script);
    writeFileSync(summary, '');
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...GIT_ENV, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: dir, ...env },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, summary: readFileSync(summary, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
