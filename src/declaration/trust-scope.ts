import type { GitHubRepository } from './github-repository';
import type { TagPolicy } from './tagging';

/**
 * Which workflow runs of the GitHub repository may assume the push role: the
 * `sub` claims the role's trust policy accepts.
 *
 * @see https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims
 */
export class TrustScope {
  /**
   * Only runs on the refs that push images: the latest branch, the snapshot
   * branches and release tags, as the platform's tagging declares them
   * (`main`, `develop`, `v*` by default). A manual run on any other branch is
   * refused by STS before it can push.
   */
  public static imageRefs(): TrustScope {
    return new TrustScope('the refs that push images', (repo, tags) => [
      ...[tags.latestBranch, ...tags.snapshotBranches].map((branch) => `repo:${repo.fullName}:ref:refs/heads/${branch}`),
      `repo:${repo.fullName}:ref:refs/tags/${tags.releaseTagPattern}`,
    ]);
  }

  /**
   * Any run of the repository: every branch, tag, pull request and
   * environment (`repo:<owner>/<name>:*`). Opt in only when feature branches
   * must push too: anyone who can push a branch can then overwrite images.
   */
  public static anyRef(): TrustScope {
    return new TrustScope('any ref (every branch, tag, pull request and environment)', (repo) => [`repo:${repo.fullName}:*`]);
  }

  private constructor(
    /** How documentation names the scope. */
    public readonly description: string,
    private readonly render: (repo: GitHubRepository, tags: TagPolicy) => string[],
  ) {}

  /** The `sub` patterns the trust policy matches with `StringLike`. */
  public subjects(repo: GitHubRepository, tags: TagPolicy): string[] {
    return this.render(repo, tags);
  }
}
