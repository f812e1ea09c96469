import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, GIT_ENV, gitRepo, runScript, ScriptRun } from './git-fixture';
import { libraryCall } from './library';
import { FingerprintedImage, fingerprintArguments } from '../../src/shell/fingerprint';

/**
 * A git repository holding a project's files (its generated Dockerfiles, build
 * arguments files, script folders, .dockerignore, .gitignore and shell
 * library), committed once on `main`; `clone()` gives another checkout of it.
 */
export class InputsRepository {
  public readonly dir: string;
  private readonly clones: string[] = [];

  constructor(files: Record<string, string>) {
    this.dir = gitRepo(files);
  }

  /** A fresh `git clone` of the repository, removed with it. */
  public clone(): string {
    const parent = mkdtempSync(join(tmpdir(), 'inputs-clone-'));
    this.clones.push(parent);
    const dir = join(parent, 'repo');
    execFileSync('git', ['clone', '--quiet', this.dir, dir], { env: { ...process.env, ...GIT_ENV } });
    return dir;
  }

  public remove(): void {
    for (const dir of [this.dir, ...this.clones]) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Runs one call of the fingerprint functions under bash in `cwd`, as a runner's step would. */
export function fingerprintCall(cwd: string, fn: string, args: readonly string[], env: Record<string, string> = {}): ScriptRun {
  return runScript(libraryCall('fingerprint.sh', fn, args), cwd, env);
}

/** `inputs_fingerprint` of an image in `cwd`; throws with bash's stderr when it fails. */
export function fingerprintOf(cwd: string, image: FingerprintedImage, platform = 'linux/amd64'): string {
  const run = fingerprintCall(cwd, 'inputs_fingerprint', [platform, ...fingerprintArguments(image)]);
  if (run.status !== 0) {
    throw new Error(`inputs_fingerprint failed (${run.status}): ${run.stderr}`);
  }
  return run.stdout.trim();
}

/** `inputs_document` of an image in `cwd`, one entry per line. */
export function documentOf(cwd: string, image: FingerprintedImage, platform = 'linux/amd64'): string[] {
  const run = fingerprintCall(cwd, 'inputs_document', [platform, ...fingerprintArguments(image)]);
  if (run.status !== 0) {
    throw new Error(`inputs_document failed (${run.status}): ${run.stderr}`);
  }
  return run.stdout.trimEnd().split('\n');
}

/** Commits everything in the checkout, at a given commit time. */
export function commitAll(dir: string, message: string, date = '2030-01-01T00:00:00Z'): void {
  git(dir, 'add', '--all');
  execFileSync('git', ['commit', '--quiet', '--allow-empty', '--message', message], {
    cwd: dir,
    env: { ...process.env, ...GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  });
}

/** Sets or clears a file's executable bits. */
export function setExecutable(path: string, executable: boolean): void {
  chmodSync(path, executable ? 0o755 : 0o644);
}
