import type { GitHubRepository } from './github-repository';
import type { TagPolicy } from './tagging';

/**
 * Which workflow runs of the GitHub repository may assume the push role: the
 * `sub` claims the role's trust policy accepts, in each form the repository's
 * `SubjectFormat` declares.
 *
 * A run of a reusable workflow carries its caller's `sub` (the caller's
 * repository and ref), so the scope names the refs that trigger the image
 * workflows, whichever workflow file holds the job.
 *
 * @see https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims
 * @see https://docs.github.com/en/actions/deployment/security-hardening-your-deployments/using-openid-connect-with-reusable-workflows
 */
export class TrustScope {
  /**
   * Only runs on the refs that push images: the latest branch, the snapshot
   * branches and release tags, as the platform's tagging declares them
   * (`main`, `develop`, `v*` by default). A manual run on any other branch is
   * refused by STS before it can push.
   */
  public static imageRefs(): TrustScope {
    return new TrustScope('the refs that push images', (repo, tags) => repo.subjectRepos.flatMap((subjectRepo) => [
      ...[tags.latestBranch, ...tags.snapshotBranches].map((branch) => `${subjectRepo}:ref:refs/heads/${branch}`),
      `${subjectRepo}:ref:refs/tags/${tags.releaseTagPattern}`,
    ]));
  }

  /**
   * Any run of the repository: every branch, tag, pull request and
   * environment (`repo:<owner>@<owner id>/<name>@<repository id>:*`). STS
   * then admits any run, but the image workflows' tag rules still publish
   * only from the latest branch, the snapshot branches and release tags (a
   * run elsewhere fails before it asks for credentials); the wider scope only
   * serves other workflows of the repository that assume the same role.
   */
  public static anyRef(): TrustScope {
    return new TrustScope('any ref (every branch, tag, pull request and environment)',
      (repo) => repo.subjectRepos.map((subjectRepo) => `${subjectRepo}:*`));
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
