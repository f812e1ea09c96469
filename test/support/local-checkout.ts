import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Project } from 'projen';
import { GIT_ENV, writeFiles } from './git-fixture';
import { copyLibrary, LIBRARY } from './library';
import { REPO_ROOT } from './workflows';
import { LIBRARY_DIR } from '../../src/shell/library';

// Resolved once, so a test can hand the script a PATH without bash on it.
const BASH = spawnSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim();

/** Runs git in `dir` with a fixed identity and no user or system config; throws when it fails. */
export function git(dir: string, ...args: string[]): string {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
  if (result.status !== 0) {
    throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  }
  return result.stdout.trim();
}

/**
 * A fixture project as a checkout the local tasks run in: `files` (the
 * declared script folders' contents) and the shell library written into its
 * outdir, synthesized for real without projen's post-synthesis install, and
 * all of it committed on `main`, with `origin` set to `remote` when given.
 * Returns the outdir.
 */
export function commitSynthesized(project: Project, files: Record<string, string>, options: { message: string; remote?: string }): string {
  const dir = project.outdir;
  writeFiles(dir, files);
  copyLibrary(dir);
  process.env.PROJEN_DISABLE_POST = 'true';
  try {
    project.synth();
  } finally {
    delete process.env.PROJEN_DISABLE_POST;
  }
  git(dir, 'init', '--quiet', '--initial-branch=main');
  if (options.remote) {
    git(dir, 'remote', 'add', 'origin', options.remote);
  }
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--message', options.message);
  return dir;
}

/**
 * A throwaway git checkout holding the repository's generated docker/ folder,
 * the shell library the local script sources, and the given files, with room beside it for stand-in engines; `remove()`
 * deletes both.
 */
export class LocalCheckout {
  private readonly root = mkdtempSync(join(tmpdir(), 'checkout-'));
  public readonly dir = join(this.root, 'repo');

  constructor(files: Record<string, string> = {}) {
    mkdirSync(this.dir);
    cpSync(join(REPO_ROOT, 'docker'), join(this.dir, 'docker'), { recursive: true });
    cpSync(LIBRARY, join(this.dir, LIBRARY_DIR), { recursive: true });
    this.write(files);
    this.git('init', '--quiet', '--initial-branch=main');
    this.git('add', '--all');
    this.git('commit', '--quiet', '--message', 'generated files');
  }

  /** Writes files below the checkout, creating their folders; `null` deletes one. */
  public write(files: Record<string, string | null>): void {
    writeFiles(this.dir, files);
  }

  public git(...args: string[]): string {
    return git(this.dir, ...args);
  }

  public remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  /** A new empty folder beside the checkout. */
  public tempDir(prefix: string): string {
    return mkdtempSync(join(this.root, prefix));
  }

  /** Runs the generated image script here, as the tasks do. */
  public script(args: string[], env: Record<string, string> = {}) {
    return spawnSync(BASH, ['docker/image-tasks.sh', ...args], {
      cwd: this.dir, encoding: 'utf8', env: { ...process.env, ...GIT_ENV, ...env },
    });
  }
}

/** How a stand-in engine answers. */
export interface EngineBehaviour {
  /** Exit status of every call but an image lookup. @default 0 */
  readonly status?: number;
  /** Whether an image lookup (`image inspect`, buildah's `inspect`) finds the image. @default true */
  readonly imagePresent?: boolean;
  /**
   * Images a lookup does not find though `imagePresent`, as a bash glob, e.g. `*:inputs-*`.
   * @default - none
   */
  readonly absent?: string;
}

/**
 * A stand-in engine on PATH that records its arguments, one per line with a
 * blank line after each call, and keeps a copy of the Dockerfile a build is
 * given (`--file`), which may be a temporary file gone when the task ends. An
 * image lookup answers as `imagePresent` says, silently, as the real engines
 * do with their output discarded; any other call prints a line to show its
 * output reaches the terminal and exits with `status`.
 */
export function recordingEngine(checkout: Pick<LocalCheckout, 'tempDir'>, name: string, behaviour: EngineBehaviour = {}): {
  path: string; calls: () => string[][]; dockerfile: () => string;
} {
  const bin = checkout.tempDir(`fake-${name}-`);
  const log = join(bin, 'calls.log');
  const dockerfile = join(bin, 'given-dockerfile');
  writeFileSync(log, '');
  writeFileSync(join(bin, name), [
    '#!/usr/bin/env bash',
    `printf '%s\\n' "$@" '' >> '${log}'`,
    'args=("$@")',
    'for i in "${!args[@]}"; do',
    `  [[ "\${args[i]}" != --file ]] || cp "\${args[i + 1]}" '${dockerfile}'`,
    'done',
    'if [[ "$1 $2" == "image inspect" || "$1" == inspect ]]; then',
    ...(behaviour.absent ? [`  [[ "\${*: -1}" != ${behaviour.absent} ]] || exit 1`] : []),
    `  exit ${behaviour.imagePresent === false ? 1 : 0}`,
    'fi',
    `echo "${name} output: $1"`,
    `exit ${behaviour.status ?? 0}`,
    '',
  ].join('\n'));
  chmodSync(join(bin, name), 0o755);
  return {
    path: `${bin}:${process.env.PATH}`,
    calls: () => readFileSync(log, 'utf8').split('\n\n').filter((c) => c !== '').map((c) => c.split('\n')),
    dockerfile: () => readFileSync(dockerfile, 'utf8'),
  };
}

/** A PATH with only the commands the script needs besides an engine: git, sed, sort and dirname. */
export function pathWithoutEngines(checkout: LocalCheckout): string {
  const bin = checkout.tempDir('no-engine-');
  for (const tool of ['git', 'sed', 'sort', 'dirname']) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, join(bin, tool));
  }
  return bin;
}
