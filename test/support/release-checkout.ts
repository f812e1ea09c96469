import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from './expressions';
import { git, gitRepo, writeFiles } from './git-fixture';
import { libraryContents } from './library';

/** A ref a run is triggered on, as the runner names it (`GITHUB_REF_TYPE`, `GITHUB_REF_NAME`). */
export interface RunRef {
  readonly type: 'branch' | 'tag';
  readonly name: string;
}

/**
 * The repository a run checks out, holding the shell library as committed:
 *
 * ```
 * main     M1 (v0.9.0) ── M2 (v1.0.0, nightly-1)
 * develop                  └─ D1 (v1.1.0-rc1)
 * feature/x                └─ F1 (v3.0.0)
 * ```
 */
export class ReleaseRepository {
  public readonly dir: string;

  constructor() {
    this.dir = gitRepo(libraryContents());
    git(this.dir, 'tag', 'v0.9.0');
    this.commit('main', 'M2', ['v1.0.0', 'nightly-1']);
    git(this.dir, 'checkout', '--quiet', '-b', 'develop');
    this.commit('develop', 'D1', ['v1.1.0-rc1']);
    git(this.dir, 'checkout', '--quiet', '-b', 'feature/x', 'main');
    this.commit('feature/x', 'F1', ['v3.0.0']);
    git(this.dir, 'checkout', '--quiet', 'main');
    // As GitHub serves partial clones, which actions/checkout asks for with `filter`.
    git(this.dir, 'config', 'uploadpack.allowFilter', 'true');
  }

  /** The commit a ref names. */
  public sha(ref: RunRef): string {
    return git(this.dir, 'rev-parse', `refs/${ref.type === 'tag' ? 'tags' : 'heads'}/${ref.name}^{commit}`).trim();
  }

  /**
   * A checkout of `ref` made as actions/checkout makes it (`git init`, one
   * `git fetch`, `git checkout`), with the `fetch-depth` and `filter` of the
   * workflow's checkout step evaluated for the run: depth 0 fetches every
   * branch and tag, any other depth only the ref's commit.
   *
   * @see https://github.com/actions/checkout#usage
   */
  public checkout(ref: RunRef, step: { with: Record<string, string> }): string {
    const github = { ref_type: ref.type };
    const depth = render(String(step.with['fetch-depth'] ?? '1'), { github });
    const filter = render(String(step.with.filter ?? ''), { github });
    const dir = mkdtempSync(join(tmpdir(), 'checkout-'));
    git(dir, 'init', '--quiet');
    git(dir, 'remote', 'add', 'origin', this.dir);
    const target = ref.type === 'tag' ? `refs/tags/${ref.name}` : `refs/remotes/origin/${ref.name}`;
    const refspecs = depth === '0'
      ? ['+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']
      : [`+${this.sha(ref)}:${target}`];
    git(dir, 'fetch', '--quiet', '--no-tags', '--prune', '--no-recurse-submodules',
      ...(depth === '0' ? [] : [`--depth=${depth}`]), ...(filter ? [`--filter=${filter}`] : []), 'origin', ...refspecs);
    git(dir, 'checkout', '--quiet', '--force', ...(ref.type === 'tag' ? [target] : ['-B', ref.name, target]));
    return dir;
  }

  private commit(branch: string, name: string, tags: string[]): void {
    writeFiles(this.dir, { [`${branch}.txt`]: name });
    git(this.dir, 'add', '--all');
    git(this.dir, 'commit', '--quiet', '--message', name);
    for (const tag of tags) {
      git(this.dir, 'tag', tag);
    }
  }
}
